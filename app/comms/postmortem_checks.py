"""The draft checks a postmortem gets: blame-free wording, speculation (public incidents),
jargon for plain readers, placeholders left in and doubled punctuation. A public
incident's postmortem is read as the customers read their texts, an internal one as the
engineers do. The checks about an update's moment (the next update, the phase, the
acknowledgement) do not apply to a text written after the incident.

The findings are shown on the postmortem form, to its approver and in the API's answer.
Errors (blame, a placeholder left in) stop it going public, as they stop a draft
(``app.incidents.postmortems``); warnings are for the author and approver to weigh."""

from __future__ import annotations

from dataclasses import replace

from app.comms.checks import Finding, check_texts
from app.comms.context import Facts
from app.models import Incident
from subscribers.audiences import get_audience

CODES = ("blame", "speculation", "jargon", "placeholder", "double_punctuation")
MAX_CHARS = 1_000_000  # a postmortem has no page limit of its own (the form's applies)


def check_postmortem(incident: Incident, body: str) -> list[Finding]:
    """The findings for a postmortem text, in the order of the text."""
    if not (body or "").strip():
        return []
    key = "customers" if incident.is_public else "engineering"
    findings = check_texts(
        {"page_text": body, "email_subject": incident.name, "email_body": "", "sms_text": ""},
        audience_key=key,
        tone=get_audience(key).tone,
        status="resolved",
        facts=Facts(),
        first_update=False,
        sms_max_segments=99,
        page_max_chars=MAX_CHARS,
    )
    return [
        replace(f, message=f.message.replace("the page text", "the postmortem"))
        for f in findings
        if f.code in CODES and f.field == "page_text"
    ]
