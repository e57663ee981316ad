"""Chat incoming webhooks as a delivery channel: Microsoft Teams (a Workflows flow),
Mattermost, Discord and Google Chat, each sent in its own message shape, through the
same guarded HTTP as subscribers' webhooks (webhook_http: the address checked is the
address connected to, a deadline, no proxies).

The service is told by the URL (``service_for``). These services have no way back to
Herald, so only chat actions with a URL are offered, as links.
"""

from __future__ import annotations

import html
import json
import math
import threading
from urllib.parse import urlsplit

import requests

from core.errors import ServiceError
from subscribers.channels import webhook_http
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
from subscribers.channels.chat_text import chat_text, clip, links, manage_url, pieces
from subscribers.channels.pacing import DestinationPace
from subscribers.channels.webhook import exchange

TEAMS, MATTERMOST, DISCORD, GOOGLE_CHAT = "teams", "mattermost", "discord", "google_chat"
SERVICE_NAMES = {
    TEAMS: "Microsoft Teams",
    MATTERMOST: "Mattermost",
    DISCORD: "Discord",
    GOOGLE_CHAT: "Google Chat",
}
TEAMS_HOSTS = (".logic.azure.com", ".environment.api.powerplatform.com")
DISCORD_HOSTS = ("discord.com", "discordapp.com", "ptb.discord.com", "canary.discord.com")
LOOPBACK = ("127.0.0.1", "localhost", "::1")

# Google Chat allows 60 messages a minute per space: one a second, evenly.
GOOGLE_CHAT_SECONDS = 1.0
# Sizes kept well under each service's limit (Teams ~28 KB, Google Chat 32,000 bytes).
TEAMS_MAX_TEXT = 20_000
MATTERMOST_MAX_TEXT = 16_000
DISCORD_MAX_TITLE = 256
DISCORD_MAX_DESCRIPTION = 4096
GOOGLE_CHAT_MAX_TEXT = 20_000
GOOGLE_CHAT_PARAGRAPH = 4000
ACCENT = {"incident": 0xCF222E, "maintenance": 0x0969DA}
NEUTRAL = 0x59636E


def _service_by_path(path: str) -> str | None:
    parts = path.strip("/").split("/")
    if parts[:2] == ["api", "webhooks"] and len(parts) >= 4:
        return DISCORD
    if parts[:2] == ["v1", "spaces"] and len(parts) == 4 and parts[3] == "messages":
        return GOOGLE_CHAT
    if parts[:1] == ["workflows"] and path.endswith("/triggers/manual/paths/invoke"):
        return TEAMS
    if "hooks" in parts[:-1]:
        return MATTERMOST
    return None


def service_for(url: str, *, allow_loopback: bool = False) -> str | None:
    """Which service an incoming-webhook URL belongs to, by its host and path, or None.
    ``allow_loopback``: a URL on this machine (a local Mattermost, the tests' fakes) is
    told by its path alone."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    path = parts.path
    if host in DISCORD_HOSTS:
        return DISCORD if path.startswith("/api/webhooks/") else None
    if host == "chat.googleapis.com":
        return GOOGLE_CHAT if _service_by_path(path) == GOOGLE_CHAT else None
    if host.endswith(TEAMS_HOSTS) or host == "api.powerautomate.com":
        return TEAMS
    if allow_loopback and host in LOOPBACK:
        return _service_by_path(path)
    if "/hooks/" in path:
        return MATTERMOST
    return None


def normalise_chat_webhook_url(raw: str, allow_private: bool) -> str:
    """An https incoming-webhook URL of a service Herald can format for (plain http only
    to this machine, when private addresses are allowed: development and tests)."""
    from subscribers.validation import check_public_host

    url = (raw or "").strip()
    parts = urlsplit(url)
    local = allow_private and (parts.hostname or "") in LOOPBACK
    if parts.scheme != "https" and not (local and parts.scheme == "http"):
        raise ServiceError("Chat webhook URLs must start with https://.", "address")
    if not parts.hostname:
        raise ServiceError("That chat webhook URL has no host.", "address")
    if parts.username or parts.password:
        raise ServiceError("Chat webhook URLs cannot carry a user name or password.", "address")
    if len(url) > 500:
        raise ServiceError("Chat webhook URLs can be at most 500 characters.", "address")
    if service_for(url, allow_loopback=allow_private) is None:
        raise ServiceError(
            "That is not an incoming-webhook URL of Microsoft Teams (Workflows), Mattermost, "
            "Discord or Google Chat.",
            "address",
        )
    if not allow_private:
        check_public_host(parts.hostname, parts.port)
    return url


# The message shapes ----------------------------------------------------------------------


def teams_body(content: Content, manage_at: str = "") -> dict:
    """A Workflows "When a Teams webhook request is received" post: one Adaptive Card."""
    body: list[dict] = []
    if content.subject:
        body.append(
            {
                "type": "TextBlock",
                "text": clip(content.subject, 300),
                "weight": "Bolder",
                "size": "Medium",
                "wrap": True,
            }
        )
    for paragraph in pieces(clip(chat_text(content.text, manage_at), TEAMS_MAX_TEXT), 2000):
        body.append({"type": "TextBlock", "text": paragraph, "wrap": True})
    card: dict = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.2",
        "body": body,
        "msteams": {"width": "full"},
    }
    actions = [
        {"type": "Action.OpenUrl", "title": clip(label, 60), "url": url}
        for label, url in links(content.chat_actions)
    ]
    if actions:
        card["actions"] = actions[:6]
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": card,
            }
        ],
    }


def mattermost_body(content: Content, manage_at: str = "") -> dict:
    text = clip(chat_text(content.text, manage_at), MATTERMOST_MAX_TEXT)
    link_lines = [f"[{label}]({url})" for label, url in links(content.chat_actions)]
    attachment = {
        "fallback": clip(content.subject or text, 300),
        "color": f"#{ACCENT.get(content.kind, NEUTRAL):06x}",
        "title": clip(content.subject, 300),
        "text": "\n\n".join(filter(None, [text, " · ".join(link_lines)])),
    }
    if link_lines:
        attachment["title_link"] = links(content.chat_actions)[0][1]
    return {
        "text": f"#### {clip(content.subject, 300)}" if content.subject else text[:300],
        "attachments": [attachment],
    }


def _discord_escape(text: str) -> str:
    """No masked links or mentions smuggled in; allowed_mentions stops pings anyway."""
    return text.replace("@", "@\u200b")


def discord_body(content: Content, manage_at: str = "") -> dict:
    text = _discord_escape(chat_text(content.text, manage_at))
    link_lines = [f"[{label}]({url})" for label, url in links(content.chat_actions)]
    tail = "\n\n" + " · ".join(link_lines) if link_lines else ""
    description = clip(text, DISCORD_MAX_DESCRIPTION - len(tail)) + tail
    embed: dict = {
        "title": clip(_discord_escape(content.subject), DISCORD_MAX_TITLE),
        "description": description.strip(),
        "color": ACCENT.get(content.kind, NEUTRAL),
    }
    if link_lines:
        embed["url"] = links(content.chat_actions)[0][1]
    embed = {k: v for k, v in embed.items() if v != ""}
    # The subject is the embed's title only: repeated in ``content`` it showed twice.
    return {"embeds": [embed], "allowed_mentions": {"parse": []}}


def google_chat_body(content: Content, manage_at: str = "") -> dict:
    """A card (cardsV2): the subject as header, the text as paragraphs, links as
    openLink buttons. Card text takes a few HTML tags, so the text is escaped."""
    text = clip(chat_text(content.text, manage_at), GOOGLE_CHAT_MAX_TEXT)
    widgets: list[dict] = [
        {"textParagraph": {"text": html.escape(p, quote=False).replace("\n", "<br>")}}
        for p in pieces(text, GOOGLE_CHAT_PARAGRAPH, most=90)
    ]
    buttons = [
        {"text": clip(label, 60), "onClick": {"openLink": {"url": url}}}
        for label, url in links(content.chat_actions)
    ]
    if buttons:
        widgets.append({"buttonList": {"buttons": buttons[:6]}})
    card: dict = {"sections": [{"widgets": widgets}]} if widgets else {"sections": []}
    if content.subject:
        card["header"] = {"title": clip(content.subject, 200)}
    return {
        "fallbackText": clip(content.subject or text, 300),
        "cardsV2": [{"cardId": f"herald-{content.broadcast_id}", "card": card}],
    }


BODIES = {
    TEAMS: teams_body,
    MATTERMOST: mattermost_body,
    DISCORD: discord_body,
    GOOGLE_CHAT: google_chat_body,
}


def _retry_after(service: str, response: requests.Response, body: bytes) -> float | None:
    """Seconds the service asked to wait: Retry-After, or Discord's JSON ``retry_after``
    (a float, more precise than the header)."""
    if service == DISCORD and body:
        try:
            value = json.loads(body).get("retry_after")
            if isinstance(value, int | float) and math.isfinite(value) and value >= 0:
                return float(value)
        except (ValueError, AttributeError):
            pass
    header = response.headers.get("Retry-After", "").strip()
    try:
        value = float(header)
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= 0 else None


class ChatWebhook(PooledChannel):
    kind = "chat_webhook"
    name = "chat_webhook"
    batch_size = 50

    def __init__(
        self,
        *,
        timeout: float = 10.0,
        allow_private: bool = False,
        verify: bool | str = True,
        concurrency: int = 8,
        pace: DestinationPace | None = None,
        admin_url: str = "",
    ):
        self.timeout = timeout
        # Herald's admin (PUBLIC_URL + /admin): each message names where staff manage it.
        self.admin_url = admin_url
        self.allow_private = allow_private
        self.verify = verify
        self.local = threading.local()
        self.pace = pace or DestinationPace(GOOGLE_CHAT_SECONDS)
        super().__init__(concurrency, "herald-chat")

    def _session(self) -> requests.Session:
        session = getattr(self.local, "session", None)
        if session is None:
            session = self.local.session = webhook_http.new_session()
        return session

    def _send_one(self, content: Content, item: Outgoing) -> Outcome:
        service = service_for(item.address, allow_loopback=self.allow_private)
        if service is None:
            return Outcome(
                item.delivery_id,
                FAILED,
                error="not an incoming-webhook URL Herald knows",
                subscriber_action="quarantine",
            )
        if service == GOOGLE_CHAT:
            space = urlsplit(item.address)._replace(query="", fragment="").geturl()
            if not self.pace.wait(space, self.deadline):
                return Outcome(item.delivery_id, RETRY, error=LATE)
        manage_at = manage_url(self.admin_url, item.subscriber_id)
        body = json.dumps(BODIES[service](content, manage_at), separators=(",", ":")).encode()
        name = SERVICE_NAMES[service]
        exchanged = exchange(
            item.delivery_id,
            name,
            lambda: webhook_http.request(
                self._session(),
                "POST",
                item.address,
                body=body,
                headers={"Content-Type": "application/json; charset=utf-8"},
                allow_private=self.allow_private,
                verify=self.verify,
                timeout=self.timeout,
            ),
        )
        if isinstance(exchanged, Outcome):
            return exchanged
        response, answer = exchanged
        status = response.status_code
        if 200 <= status < 300:
            return Outcome(item.delivery_id, SENT, provider_id=f"{service}:{status}")
        error = f"{name} answered {status}"
        if status == 429 or status == 408 or status >= 500:
            return Outcome(
                item.delivery_id,
                RETRY,
                error=error,
                retry_after=_retry_after(service, response, answer),
                subscriber_action="count_failure",
            )
        if status == 410:  # the hook was deleted: nothing will ever arrive
            return Outcome(
                item.delivery_id,
                FAILED,
                error=f"{error} Gone: the webhook was deleted",
                subscriber_action="quarantine",
            )
        return Outcome(item.delivery_id, FAILED, error=error, subscriber_action="count_failure")

    def close(self) -> None:
        super().close()
        session = getattr(self.local, "session", None)
        if session is not None:
            session.close()
            self.local.session = None
