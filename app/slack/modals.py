"""The modals the Slack app opens, and reading their submitted values.

Block ids name the field (an error answered with response_action "errors" is shown
under the block of that id); every input's action id is "value"."""

from __future__ import annotations

import json

from app.comms.phases import INCIDENT_PHASES
from core.vocab import (
    COMPONENT_STATUSES,
    IMPACTS,
    INCIDENT_STATUS_LABELS,
    STATUS_LABELS,
)

DECLARE = "herald_declare"
UPDATE = "herald_update"
REJECT = "herald_reject"
MAX_OPTIONS = 100  # Slack's limit for a select's options
PROBLEM_STATUSES = tuple(s for s in COMPONENT_STATUSES if s != "operational")


def _text(value: str, limit: int = 75) -> dict:
    return {"type": "plain_text", "text": value[:limit] or " "}


def _option(value: str, label: str) -> dict:
    return {"text": _text(label), "value": value}


def _input(block_id: str, label: str, element: dict, optional: bool = False, hint: str = ""):
    block = {
        "type": "input",
        "block_id": block_id,
        "label": _text(label, 2000),
        "element": {**element, "action_id": "value"},
        "optional": optional,
    }
    if hint:
        block["hint"] = _text(hint, 2000)
    return block


def _select(options: list[dict], initial: str | None = None) -> dict:
    element = {"type": "static_select", "options": options}
    chosen = next((o for o in options if o["value"] == initial), None)
    if chosen is not None:
        element["initial_option"] = chosen
    return element


def _modal(callback_id: str, title: str, submit: str, blocks: list, metadata: dict) -> dict:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": _text(title, 24),
        "submit": _text(submit, 24),
        "close": _text("Cancel", 24),
        "private_metadata": json.dumps(metadata)[:3000],
        "blocks": blocks,
    }


def declare_modal(name: str, components: list, channel_id: str) -> dict:
    """Name (prefilled from the command), impact, components with one status for all
    of them, visibility."""
    blocks = [
        _input(
            "name",
            "Incident name",
            {"type": "plain_text_input", "initial_value": name[:200], "max_length": 200},
        ),
        _input("impact", "Impact", _select([_option(i, i.title()) for i in IMPACTS], "minor")),
    ]
    if components:
        blocks.append(
            _input(
                "components",
                "Affected components",
                {
                    "type": "multi_static_select",
                    "options": [_option(c.public_id, c.name) for c in components[:MAX_OPTIONS]],
                },
                optional=True,
            )
        )
        blocks.append(
            _input(
                "component_status",
                "Their status",
                _select(
                    [_option(s, STATUS_LABELS[s]) for s in PROBLEM_STATUSES],
                    "degraded_performance",
                ),
                hint="Applied to every component chosen above.",
            )
        )
    blocks.append(
        _input(
            "visibility",
            "Visibility",
            _select(
                [
                    _option("public", "Public: on the public status page"),
                    _option("internal", "Internal: staff only"),
                ],
                "public",
            ),
        )
    )
    return _modal(DECLARE, "Declare an incident", "Declare", blocks, {"channel": channel_id})


def update_modal(incident, facts, next_minutes: int | None) -> dict:
    """The fact sheet's core: status, summary and when the next update comes; the other
    facts are carried from the incident's last sheet."""
    blocks = [
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": f"*{_escape(incident.name)}*"[:3000]},
        },
        _input(
            "status",
            "Status",
            _select(
                [_option(p, INCIDENT_STATUS_LABELS[p]) for p in INCIDENT_PHASES], incident.status
            ),
        ),
        _input(
            "summary",
            "What is happening",
            {
                "type": "plain_text_input",
                "multiline": True,
                "max_length": 3000,
                **({"initial_value": facts.summary[:3000]} if facts and facts.summary else {}),
            },
        ),
        _input(
            "next_update",
            "Next update in (minutes)",
            {
                "type": "plain_text_input",
                "max_length": 4,
                **({"initial_value": str(next_minutes)} if next_minutes else {}),
            },
            optional=True,
        ),
    ]
    return _modal(UPDATE, "Draft an update", "Draft", blocks, {"incident": incident.public_id})


def reject_modal(draft_id: str, channel: str, ts: str, text: str) -> dict:
    """The comment a rejection needs; the message it came from is updated afterwards."""
    blocks = [
        _input(
            "comment",
            "What should change?",
            {"type": "plain_text_input", "multiline": True, "max_length": 2000},
        )
    ]
    metadata = {"draft": draft_id, "channel": channel, "ts": ts, "text": text[:1500]}
    return _modal(REJECT, "Reject the draft", "Reject", blocks, metadata)


def values(view: dict) -> dict[str, object]:
    """Each block's submitted value: a string, a list of strings, or None."""
    found: dict[str, object] = {}
    state = ((view or {}).get("state") or {}).get("values") or {}
    for block_id, actions in state.items():
        if not isinstance(actions, dict):
            continue
        value = actions.get("value") or {}
        if not isinstance(value, dict):
            continue
        kind = value.get("type")
        if kind == "multi_static_select":
            found[block_id] = [
                o.get("value", "")
                for o in value.get("selected_options") or []
                if isinstance(o, dict)
            ]
        elif kind == "static_select":
            found[block_id] = ((value.get("selected_option") or {}).get("value")) or None
        else:
            found[block_id] = value.get("value")
    return found


def metadata(view: dict) -> dict:
    try:
        data = json.loads((view or {}).get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def done_view(title: str, text: str) -> dict:
    """What the modal shows after a submission went through."""
    return {
        "type": "modal",
        "title": _text(title, 24),
        "close": _text("Close", 24),
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}],
    }


def _escape(text: str) -> str:
    """Slack's mrkdwn escapes: &, < and >."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


escape = _escape
