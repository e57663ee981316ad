"""Running the draft checks on one text, and reading what they found."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.comms.checks import Finding, check_texts
from app.comms.context import Facts

NOW = datetime(2026, 11, 28, 14, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)
TONES = {"engineering": "technical"}  # the other default audiences write plainly


def run(
    page: str = "Some card payments are failing. Next update by 15:00 UTC.",
    *,
    audience: str = "customers",
    tone: str | None = None,
    status: str = "identified",
    subject: str = "Card payments failing",
    email: str = "",
    sms: str = "",
    facts: Facts | None = None,
    first_update: bool = False,
    sms_max_segments: int = 2,
    page_max_chars: int = 1500,
) -> list[Finding]:
    """Every finding for one draft (by default: a middle update whose text and fact sheet
    give a next-update time)."""
    return check_texts(
        {"page_text": page, "email_subject": subject, "email_body": email, "sms_text": sms},
        audience_key=audience,
        tone=tone or TONES.get(audience, "plain"),
        status=status,
        facts=facts if facts is not None else Facts(next_update_at=LATER),
        first_update=first_update,
        sms_max_segments=sms_max_segments,
        page_max_chars=page_max_chars,
        now=NOW,
    )


def texts_of(findings: list[Finding], code: str, texts: dict[str, str] | str) -> list[tuple]:
    """(severity, field, the words the finding points at) for each finding of ``code``;
    ``texts`` is the page text or a dict of the draft's fields."""
    fields = texts if isinstance(texts, dict) else {"page_text": texts}
    return [
        (f.severity, f.field, fields.get(f.field, "")[f.start : f.end])
        for f in findings
        if f.code == code
    ]


def codes(findings: list[Finding]) -> set[str]:
    return {f.code for f in findings}
