"""The buttons Herald's notices carry in chat (``Broadcast.chat_actions``). The action
ids and values are the contract with the Slack app's interaction handlers:

    herald_approve / herald_reject   "draft:<draft public id>"
    herald_publish                   "sheet:<fact sheet public id>"
    herald_rollcall_operational /
    herald_rollcall_affected         "rollcall:<incident public id>:<team id>"
    herald_open                      a link button

An Open button's value names what the message is about too (``sheet:…``,
``rollcall:…``, ``incident:…``): Slack sends an action for a link button as well (the
app only acknowledges it), and the job that updates messages in place
(``app.notifier.chat_updates``) reads from the buttons which object to look at."""

from __future__ import annotations

from flask import current_app

from app.models import Draft, FactSheet, Incident, RollCall

APPROVE, REJECT, PUBLISH, OPEN = "herald_approve", "herald_reject", "herald_publish", "herald_open"
OPERATIONAL, AFFECTED = "herald_rollcall_operational", "herald_rollcall_affected"
# The buttons that ask someone to decide: a message carrying one is closed (updated in
# place, buttons removed) once the decision is made.
DECISIONS = (APPROVE, REJECT, PUBLISH, OPERATIONAL, AFFECTED)


def slack_active(config=None) -> bool:
    """Whether anything of Slack is on: both the signing secret and the bot token."""
    config = config if config is not None else current_app.config
    return bool(config.get("SLACK_SIGNING_SECRET") and config.get("SLACK_BOT_TOKEN"))


def _base() -> str:
    return current_app.config["PUBLIC_URL"]


def incident_page(incident: Incident) -> str:
    """The internal incident page: where staff read everything about it."""
    return f"{_base()}/internal/incidents/{incident.public_id}"


def sheet_page(sheet: FactSheet) -> str:
    return f"{_base()}/admin/fact-sheets/{sheet.public_id}"


def open_button(url: str, about: str = "", label: str = "Open in Herald") -> dict:
    return {"id": OPEN, "label": label, "value": about, "url": url}


def incident_open(incident: Incident) -> list[dict]:
    """Declarations, published updates, escalations, reminders: one link to the page."""
    return [open_button(incident_page(incident), f"incident:{incident.public_id}")]


def approval(sheet: FactSheet, waiting: list[Draft]) -> list[dict]:
    """Approve / Reject for the one draft waiting, and Open; with several drafts waiting,
    only Open (each draft is read on its own before it is approved)."""
    about = f"sheet:{sheet.public_id}"
    if len(waiting) != 1:
        return [open_button(sheet_page(sheet), about, "Open the drafts")]
    value = f"draft:{waiting[0].public_id}"
    return [
        {"id": APPROVE, "label": "Approve", "value": value, "style": "primary"},
        {"id": REJECT, "label": "Reject", "value": value, "style": "danger"},
        open_button(sheet_page(sheet) + f"#draft-{waiting[0].audience_key}", about),
    ]


def publish(sheet: FactSheet) -> list[dict]:
    """A set every draft of which is ready: Publish, and Open."""
    value = f"sheet:{sheet.public_id}"
    return [
        {"id": PUBLISH, "label": "Publish", "value": value, "style": "primary"},
        open_button(sheet_page(sheet), value),
    ]


def roll_call(
    call: RollCall | None, incident: Incident, *, answerable: bool = True, held: bool = False
) -> list[dict]:
    """A team's two answers, and Open; only Open when there is nothing to answer (the
    resolved notice, or a roll call already answered). ``held``: the team's only down
    services are another incident's, so its first answer is that this one does not affect
    them, as its email and answer page say."""
    if call is None or not answerable:
        return incident_open(incident)
    value = f"rollcall:{incident.public_id}:{call.team_id}"
    return [
        {
            "id": OPERATIONAL,
            "label": (
                "This incident does not affect our services"
                if held
                else "Our services are operational"
            ),
            "value": value,
            "style": "primary",
        },
        {"id": AFFECTED, "label": "We are affected", "value": value, "style": "danger"},
        open_button(incident_page(incident), value),
    ]
