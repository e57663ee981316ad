"""Slack as a delivery channel: a broadcast posted by Herald's Slack app to a channel
(C…/G…) or as a direct message (U…/W…), with Block Kit (a header, the text as mrkdwn
sections, the chat actions as buttons) and a plain ``text`` for notifications.

The delivery's provider id is ``<channel>:<ts>`` (the channel Slack answered with, a
D… id for a direct message), what chat.update needs to change the message in place
(``update_message``).
"""

from __future__ import annotations

import http.client
import logging
from collections.abc import Mapping

from slack_sdk.errors import SlackApiError, SlackClientError

from subscribers.channels.base import (
    FAILED,
    LATE,
    RETRY,
    SENT,
    Content,
    Outcome,
    Outgoing,
    PooledChannel,
)
from subscribers.channels.chat_text import chat_text, clip, manage_url, pieces
from subscribers.channels.pacing import DestinationPace
from subscribers.channels.slack_api import (
    NOT_CONFIGURED,
    configured,
    error_code,
    retry_after,
    slack_client,
)

log = logging.getLogger(__name__)

# Block Kit's limits (Slack refuses a message that passes them: invalid_blocks).
MAX_BLOCKS = 50
MAX_HEADER = 150
MAX_SECTION = 3000
MAX_BUTTONS = 25
MAX_LABEL = 75
MAX_VALUE = 2000
MAX_URL = 3000
MAX_FALLBACK = 3000
SECONDS_PER_MESSAGE = 1.0  # Slack: about one message a second per channel

# What an ok:false error says, and so what becomes of the delivery.
GONE = {
    "channel_not_found",
    "is_archived",
    "not_in_channel",
    "user_not_found",
    "user_disabled",
    "cannot_dm_bot",
    "messages_tab_disabled",
    "restricted_action",
}
CREDENTIALS = {
    "invalid_auth",
    "not_authed",
    "account_inactive",
    "token_revoked",
    "token_expired",
    "no_permission",
    "missing_scope",
    "ekm_access_denied",
    "team_access_not_granted",
}
OURS = {
    "invalid_blocks",
    "invalid_blocks_format",
    "msg_too_long",
    "no_text",
    "too_many_attachments",
}


def escape(text: str) -> str:
    """Slack's mrkdwn escapes: only &, < and > (so "<!channel>" in a message cannot
    ping a whole channel)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _button(action: dict) -> dict | None:
    label = str(action.get("label") or "").strip()
    action_id = str(action.get("id") or "").strip()
    if not label or not action_id:
        return None
    button = {
        "type": "button",
        "text": {"type": "plain_text", "text": clip(label, MAX_LABEL), "emoji": True},
        "action_id": action_id[:255],
    }
    if action.get("value"):
        button["value"] = str(action["value"])[:MAX_VALUE]
    url = str(action.get("url") or "")
    if url.startswith(("https://", "http://")) and len(url) <= MAX_URL:
        button["url"] = url
    if action.get("style") in ("primary", "danger"):
        button["style"] = action["style"]
    return button


def _action_blocks(actions) -> list[dict]:
    """Buttons in actions blocks of at most 25, an action id never twice in a block
    (Slack refuses that; the interactions tell buttons apart by action id)."""
    blocks: list[dict] = []
    for action in actions or ():
        button = _button(action) if isinstance(action, dict) else None
        if button is None:
            continue
        block = blocks[-1] if blocks else None
        if (
            block is None
            or len(block["elements"]) >= MAX_BUTTONS
            or any(e["action_id"] == button["action_id"] for e in block["elements"])
        ):
            block = {"type": "actions", "elements": []}
            blocks.append(block)
        block["elements"].append(button)
    return blocks


def message_payload(subject: str, text: str, actions=None, manage_at: str = "") -> dict:
    """``{"text", "blocks"}`` for chat.postMessage or chat.update: the subject as a
    header, the text in mrkdwn sections under Slack's limits, then the buttons; ``text``
    is what notifications and screen readers show."""
    subject = " ".join((subject or "").split())
    body = escape(chat_text(text, manage_at))
    buttons = _action_blocks(actions)
    blocks: list[dict] = []
    if subject:
        blocks.append(
            {
                "type": "header",
                "text": {"type": "plain_text", "text": clip(subject, MAX_HEADER), "emoji": True},
            }
        )
    room = MAX_BLOCKS - len(blocks) - len(buttons)
    for piece in pieces(body, MAX_SECTION, most=max(1, room)) if body else ():
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": piece}})
    blocks.extend(buttons[: MAX_BLOCKS - len(blocks)])
    fallback = subject or chat_text(text) or "Herald"
    return {"text": clip(fallback, MAX_FALLBACK), "blocks": blocks}


def content_payload(content: Content, manage_at: str = "") -> dict:
    return message_payload(content.subject, content.text, content.chat_actions, manage_at)


def split_provider_id(provider_id: str) -> tuple[str, str]:
    channel, _, ts = (provider_id or "").partition(":")
    if not channel or not ts:
        raise ValueError(f"not a Slack message id: {provider_id!r}")
    return channel, ts


def update_message(config: Mapping, provider_id: str, content: Content) -> None:
    """Change a message Herald posted (``provider_id`` "<channel>:<ts>" from its
    delivery) to show ``content``: an approval that was given, an update published.
    Raises SlackApiError when Slack refuses (``slack_api.error_code`` tells why) and
    RuntimeError when Slack is not configured."""
    if not configured(config):
        raise RuntimeError(NOT_CONFIGURED)
    channel, ts = split_provider_id(provider_id)
    slack_client(config).chat_update(channel=channel, ts=ts, **content_payload(content))


class Slack(PooledChannel):
    kind = "slack"
    name = "slack"
    batch_size = 50

    def __init__(
        self, config: Mapping, *, concurrency: int = 4, pace: DestinationPace | None = None
    ):
        self.ready = configured(config)
        public_url = str(config.get("PUBLIC_URL") or "").rstrip("/")
        self.admin_url = f"{public_url}/admin" if public_url else ""
        self.client = slack_client(config)
        self.pace = pace or DestinationPace(SECONDS_PER_MESSAGE)
        super().__init__(concurrency, "herald-slack")

    def _send_one(self, content: Content, item: Outgoing) -> Outcome:
        if not self.ready:
            return Outcome(item.delivery_id, FAILED, error=NOT_CONFIGURED)
        if not self.pace.wait(item.address, self.deadline):
            return Outcome(item.delivery_id, RETRY, error=LATE)
        try:
            answer = self.client.chat_postMessage(
                channel=item.address,
                unfurl_links=False,
                unfurl_media=False,
                **content_payload(content, manage_url(self.admin_url, item.subscriber_id)),
            )
        except SlackApiError as error:
            return self._refused(item, error)
        except (SlackClientError, OSError, http.client.HTTPException, ValueError) as error:
            return Outcome(item.delivery_id, RETRY, error=f"Slack unreachable: {error}")
        channel = answer.get("channel") or item.address
        return Outcome(item.delivery_id, SENT, provider_id=f"{channel}:{answer['ts']}")

    def _refused(self, item: Outgoing, error: SlackApiError) -> Outcome:
        code = error_code(error)
        wait = retry_after(error)
        if wait is not None:
            return Outcome(
                item.delivery_id, RETRY, error="Slack rate limit (429)", retry_after=wait
            )
        if code in GONE:
            return Outcome(
                item.delivery_id,
                FAILED,
                error=f"Slack cannot post to {item.address}: {code}",
                subscriber_action="quarantine",
            )
        if code in CREDENTIALS:
            log.error("Slack refused the bot token: %s", code)
            return Outcome(
                item.delivery_id,
                RETRY,
                error=f"Slack refused Herald's bot token ({code}): check HERALD_SLACK_BOT_TOKEN "
                "and the app's scopes",
            )
        if code in OURS:
            return Outcome(item.delivery_id, FAILED, error=f"Slack refused the message: {code}")
        # internal_error, service_unavailable, an HTTP 5xx …: Slack's trouble, for now.
        return Outcome(item.delivery_id, RETRY, error=f"Slack answered {code}")
