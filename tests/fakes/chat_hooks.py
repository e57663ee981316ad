"""Local receivers of chat incoming webhooks: Microsoft Teams (Workflows), Mattermost,
Discord and Google Chat, each answering as the service does.

    with ChatHooks() as hooks:                    # plain HTTP on 127.0.0.1
        hooks.discord_url()       # http://127.0.0.1:PORT/api/webhooks/1234/tok
        hooks.teams_url(), hooks.mattermost_url(), hooks.google_chat_url()
        hooks.script(429, endpoint="discord", retry_after=1.5)
        hooks.script(404, endpoint="mattermost")
        ...
        hooks.received("discord")  # the JSON bodies each service accepted

Routes (by path, as the services have them): ``/workflows/…/triggers/manual/paths/
invoke`` Teams (202, empty); ``/hooks/<key>`` Mattermost (200 ``text/plain`` "ok");
``/api/webhooks/<id>/<token>`` Discord (204); ``/v1/spaces/<space>/messages`` Google Chat
(200, the created message). Each checks the body the way its service does and answers
400 (413 for Teams over 28 KB) in its own error shape. A scripted 429 carries
``Retry-After`` and, for Discord, ``{"message", "retry_after" (float), "global"}``; for
Google Chat ``{"error": {"code": 429, "status": "RESOURCE_EXHAUSTED"}}``.
``ChatHooks(tls=True)`` serves HTTPS with a local CA (``ca_path``) and ``names`` in its
certificate, for tests that resolve the services' real host names to 127.0.0.1.
"""

from __future__ import annotations

import math
import os
import secrets
import shutil
import ssl
import tempfile

from tests.fakes.base import FakeServer, Recorded, Reply

TEAMS, MATTERMOST, DISCORD, GOOGLE_CHAT = "teams", "mattermost", "discord", "google_chat"
SERVICES = (TEAMS, MATTERMOST, DISCORD, GOOGLE_CHAT)

TEAMS_MAX_BYTES = 28 * 1024
MATTERMOST_MAX_TEXT = 16383
DISCORD_MAX_CONTENT = 2000
DISCORD_MAX_EMBEDS = 10
DISCORD_EMBED_LIMITS = {"title": 256, "description": 4096}
DISCORD_EMBEDS_TOTAL = 6000
GOOGLE_CHAT_MAX_BYTES = 32000
GOOGLE_CHAT_MAX_WIDGETS = 100
ADAPTIVE = "application/vnd.microsoft.card.adaptive"


class ChatHooks(FakeServer):
    name = "chat-hooks"

    def __init__(self, *, tls: bool = False, names: tuple[str, ...] = (), record: bool = True):
        self.ca_path = ""
        self._directory = ""
        context = None
        if tls:
            import trustme

            ca = trustme.CA()
            certificate = ca.issue_cert("127.0.0.1", "localhost", *names)
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            certificate.configure_cert(context)
            self._directory = tempfile.mkdtemp(prefix="herald-chat-ca-")
            self.ca_path = os.path.join(self._directory, "ca.pem")
            ca.cert_pem.write_to_path(self.ca_path)
        super().__init__(tls=context, record=record)

    def stop(self) -> None:
        super().stop()
        if self._directory:
            shutil.rmtree(self._directory, ignore_errors=True)
            self._directory = ""

    # addresses --------------------------------------------------------------------------

    def teams_url(self, flow: str = "") -> str:
        flow = flow or secrets.token_hex(16)
        return (
            f"{self.url}/workflows/{flow}/triggers/manual/paths/invoke"
            f"?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig={flow[:8]}"
        )

    def mattermost_url(self, key: str = "") -> str:
        return f"{self.url}/hooks/{key or secrets.token_hex(13)}"

    def discord_url(self, hook_id: str = "", token: str = "") -> str:
        hook_id = hook_id or str(10**17 + secrets.randbelow(10**17))
        return f"{self.url}/api/webhooks/{hook_id}/{token or secrets.token_urlsafe(32)}"

    def google_chat_url(self, space: str = "") -> str:
        space = space or "AAAA" + secrets.token_hex(4)
        return f"{self.url}/v1/spaces/{space}/messages?key=AIzaFake&token={secrets.token_hex(8)}"

    def received(self, service: str) -> list:
        """The JSON bodies the service accepted (2xx), in order."""
        return [r.json for r in self.requests_to(service) if 200 <= r.status < 300]

    # the services -----------------------------------------------------------------------

    def route(self, method: str, path: str) -> str | None:
        if method != "POST":
            return None
        parts = path.strip("/").split("/")
        if parts[:1] == ["workflows"] and path.endswith("/triggers/manual/paths/invoke"):
            return TEAMS
        if len(parts) == 2 and parts[0] == "hooks" and parts[1]:
            return MATTERMOST
        if len(parts) == 4 and parts[:2] == ["api", "webhooks"] and all(parts[2:]):
            return DISCORD
        if len(parts) == 4 and parts[:2] == ["v1", "spaces"] and parts[3] == "messages":
            return GOOGLE_CHAT
        return None

    def not_found(self, request: Recorded) -> Reply:
        return Reply(404, "404 page not found")

    def respond(self, request: Recorded) -> Reply:
        return getattr(self, "_" + request.endpoint)(request)

    def scripted(self, reply: Reply, request: Recorded) -> Reply:
        status = reply.status
        if status == 429:
            after = float(reply.extra.get("retry_after", 1))
            reply.headers.setdefault("Retry-After", str(math.ceil(after)))
            if reply.body is None:
                reply.body = _rate_limited(request.endpoint, after, reply.extra)
        elif isinstance(status, int) and status >= 400 and reply.body is None:
            reply.body = _error_body(request.endpoint, status, "scripted error")
        return reply

    def _json(self, request: Recorded):
        try:
            return request.json
        except ValueError:
            return None

    def _teams(self, request: Recorded) -> Reply:
        if len(request.body) > TEAMS_MAX_BYTES:
            return Reply(413, _error_body(TEAMS, 413, "Request entity too large"))
        body = self._json(request)
        attachments = body.get("attachments") if isinstance(body, dict) else None
        if not attachments or not all(
            isinstance(a, dict)
            and a.get("contentType") == ADAPTIVE
            and isinstance(a.get("content"), dict)
            and a["content"].get("type") == "AdaptiveCard"
            for a in attachments
        ):
            return Reply(400, _error_body(TEAMS, 400, "the body is not an Adaptive Card message"))
        return Reply(202, b"", {"Content-Type": "text/plain"})

    def _mattermost(self, request: Recorded) -> Reply:
        body = self._json(request)
        if not isinstance(body, dict):
            return Reply(400, _error_body(MATTERMOST, 400, "Unable to parse incoming data."))
        if not body.get("text") and not body.get("attachments"):
            return Reply(400, _error_body(MATTERMOST, 400, "No text specified."))
        if len(body.get("text") or "") > MATTERMOST_MAX_TEXT:
            return Reply(400, _error_body(MATTERMOST, 400, "Message too long."))
        return Reply(200, "ok")

    def _discord(self, request: Recorded) -> Reply:
        body = self._json(request)
        if not isinstance(body, dict):
            return Reply(400, {"code": 50109, "message": "The request body contains invalid JSON."})
        content, embeds = body.get("content") or "", body.get("embeds") or []
        if not content and not embeds and not body.get("components"):
            return Reply(400, {"code": 50006, "message": "Cannot send an empty message"})
        errors = {}
        if len(content) > DISCORD_MAX_CONTENT:
            errors["content"] = "Must be 2000 or fewer in length."
        if len(embeds) > DISCORD_MAX_EMBEDS:
            errors["embeds"] = "Must be 10 or fewer in length."
        total = 0
        for i, embed in enumerate(embeds):
            for key, limit in DISCORD_EMBED_LIMITS.items():
                if len(embed.get(key) or "") > limit:
                    errors[f"embeds.{i}.{key}"] = f"Must be {limit} or fewer in length."
                total += len(embed.get(key) or "")
            for field in embed.get("fields") or []:
                total += len(field.get("name", "")) + len(field.get("value", ""))
        if total > DISCORD_EMBEDS_TOTAL:
            errors["embeds"] = "Embed size exceeds maximum size of 6000"
        if errors:
            return Reply(400, {"code": 50035, "message": "Invalid Form Body", "errors": errors})
        return Reply(204, None)

    def _google_chat(self, request: Recorded) -> Reply:
        if len(request.body) > GOOGLE_CHAT_MAX_BYTES:
            return Reply(400, _error_body(GOOGLE_CHAT, 400, "Message too large."))
        body = self._json(request)
        if not isinstance(body, dict) or not (body.get("text") or body.get("cardsV2")):
            return Reply(400, _error_body(GOOGLE_CHAT, 400, "Message cannot be empty."))
        for card in body.get("cardsV2") or []:
            widgets = sum(
                len(section.get("widgets") or [])
                for section in (card.get("card") or {}).get("sections") or []
            )
            if widgets > GOOGLE_CHAT_MAX_WIDGETS:
                return Reply(400, _error_body(GOOGLE_CHAT, 400, "Too many widgets."))
        space = request.path.strip("/").split("/")[2]
        name = f"spaces/{space}/messages/{secrets.token_hex(8)}"
        return Reply(200, {"name": name, "text": body.get("text", ""), "space": {"name": space}})


def _rate_limited(service: str, after: float, extra: dict):
    if service == DISCORD:
        return {
            "message": "You are being rate limited.",
            "retry_after": after,
            "global": bool(extra.get("global", False)),
        }
    return _error_body(service, 429, "Too many requests")


def _error_body(service: str, status: int, message: str):
    if service == GOOGLE_CHAT:
        names = {400: "INVALID_ARGUMENT", 403: "PERMISSION_DENIED", 404: "NOT_FOUND"}
        names[429] = "RESOURCE_EXHAUSTED"
        return {"error": {"code": status, "message": message, "status": names.get(status, "")}}
    if service == DISCORD:
        return {"code": 0, "message": message}
    if service == MATTERMOST:
        return {
            "id": "web.incoming_webhook.error",
            "message": message,
            "status_code": status,
        }
    return {"error": {"code": str(status), "message": message}}
