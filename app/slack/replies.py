"""Talking back to Slack: the client, ephemeral replies through a response_url, and
updating a message in place once its buttons were used."""

from __future__ import annotations

import logging

from flask import current_app
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from app.models import utcnow
from subscribers.channels.slack_api import slack_client

log = logging.getLogger(__name__)
IN_REQUEST_TIMEOUT = 2  # seconds: calls made before answering Slack (3 s in all)


def client(in_request: bool = False) -> WebClient:
    web = slack_client(current_app.config)
    if in_request:
        web.timeout = min(web.timeout, IN_REQUEST_TIMEOUT)
    return web


def ephemeral_body(text: str) -> dict:
    """A slash command's answer only its sender sees."""
    return {"response_type": "ephemeral", "text": text}


def tell(response_url: str | None, text: str) -> None:
    """An ephemeral note to whoever pressed a button (after the answer to Slack)."""
    if not response_url:
        return
    timeout = int(max(1, round(float(current_app.config.get("PROVIDER_TIMEOUT") or 10))))
    answer = WebhookClient(response_url, timeout=timeout).send(
        text=text, response_type="ephemeral", replace_original=False
    )
    if answer.status_code >= 300:
        log.warning("Slack refused an ephemeral reply: %s %s", answer.status_code, answer.body)


def stamp() -> str:
    return f"{utcnow():%H:%M} UTC"


def without_buttons(blocks: list, value: str) -> list:
    """The message's blocks without the buttons that act on ``value`` (Approve and
    Reject of one draft, the two roll-call answers); link buttons stay."""
    kept = []
    for block in blocks or []:
        if not isinstance(block, dict):
            continue
        if block.get("type") == "actions":
            elements = [e for e in block.get("elements") or [] if e.get("value") != value]
            if not elements:
                continue
            block = {**block, "elements": elements}
        kept.append(block)
    return kept


def mark_message(channel: str, ts: str, blocks: list, fallback: str, line: str) -> None:
    """Update the message in place: its blocks (buttons used taken away) and a line
    saying what happened. Never posts a new message."""
    if not channel or not ts:
        return
    blocks = list(blocks or [])
    if not blocks and fallback:
        blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": fallback[:3000]}}]
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": line[:3000]}]})
    try:
        client().chat_update(
            channel=channel, ts=ts, text=f"{fallback}\n{line}".strip()[:3000], blocks=blocks[:50]
        )
    except SlackApiError as error:
        log.warning("Could not update the Slack message %s:%s: %s", channel, ts, error)
