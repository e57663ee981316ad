"""A local Slack Web API for the real ``slack_sdk.WebClient``, and a signer for the
requests Slack sends to Herald (slash commands, interactions).

    with FakeSlack(token="xoxb-test") as slack:
        client = WebClient(token="xoxb-test", base_url=slack.base_url)
        slack.add_user("ana@example.com")                 # -> "U0…", for lookups
        slack.fail("chat.postMessage", "channel_not_found")  # next call: ok:false
        slack.script(429, retry_after=3, endpoint="chat.postMessage")
        slack.refuse("C0GONE0001", "is_archived")          # every post to it fails
        ...
        slack.posted()          # the messages accepted by chat.postMessage, in order
        slack.messages[(channel, ts)]  # current state (chat.update changes it)
        slack.calls("views.open")[0]   # Recorded; slack.params(recorded) -> dict

Every method answers HTTP 200 with ``{"ok": true, …}`` or ``{"ok": false, "error": …}``
as Slack does; a scripted 429 carries ``Retry-After`` and ``{"ok": false, "error":
"ratelimited"}``. The token travels as ``Authorization: Bearer``; a missing one is
``not_authed``, a wrong one (when ``token`` is set) ``invalid_auth``. Block Kit limits
that Slack enforces (50 blocks, 3000 characters of section text, 150 of a header, 75 of
a button label, 2000 of a button value, 25 elements in an actions block) give
``invalid_blocks``. A post to a user id (U…/W…) lands in that user's DM channel (D…),
whose id the answer carries, as Slack does.

``slack_signed(body, secret)`` builds the ``X-Slack-Signature`` and
``X-Slack-Request-Timestamp`` headers the way Slack builds them:
``v0=`` + hex HMAC-SHA256 of ``v0:<timestamp>:<raw body>``.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
import secrets
import string
import threading
import time
from urllib.parse import parse_qsl

from tests.fakes.base import ANY, FakeServer, Recorded, Reply

POST_MESSAGE = "chat.postMessage"
UPDATE = "chat.update"
LOOKUP_BY_EMAIL = "users.lookupByEmail"
USERS_INFO = "users.info"
VIEWS_OPEN = "views.open"
VIEWS_UPDATE = "views.update"
CONVERSATIONS_CREATE = "conversations.create"
CONVERSATIONS_INVITE = "conversations.invite"
METHODS = (
    POST_MESSAGE,
    UPDATE,
    LOOKUP_BY_EMAIL,
    USERS_INFO,
    VIEWS_OPEN,
    VIEWS_UPDATE,
    CONVERSATIONS_CREATE,
    CONVERSATIONS_INVITE,
    "auth.test",
)

TEAM_ID = "T0HERALD01"
CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{8,12}$")
USER_ID = re.compile(r"^[UW][A-Z0-9]{8,12}$")
CHANNEL_NAME = re.compile(r"^[a-z0-9_-]{1,80}$")

MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_URL = 3000
MAX_ACTION_ID = 255
MAX_ACTIONS_ELEMENTS = 25
MAX_TEXT = 40000


def slack_signed(body: bytes | str, secret: str, timestamp: int | None = None) -> dict[str, str]:
    """The headers Slack puts on a request to the app: the timestamp (now unless given)
    and ``v0=<hex HMAC-SHA256(secret, "v0:<timestamp>:<body>")>``. Computed here with
    hmac directly, not with slack_sdk, so a test checks Herald's verification against
    Slack's recipe rather than against itself."""
    raw = body.encode() if isinstance(body, str) else body
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    mac = hmac.new(secret.encode(), b"v0:" + stamp.encode() + b":" + raw, hashlib.sha256)
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": "v0=" + mac.hexdigest(),
    }


def _new_id(prefix: str) -> str:
    alphabet = string.ascii_uppercase + string.digits
    return prefix + "0" + "".join(secrets.choice(alphabet) for _ in range(9))


class FakeSlack(FakeServer):
    """``token``: when set, any other bot token gets ``invalid_auth``. ``strict``: a post
    to a channel id the fake does not know (``add_channel``/``conversations.create``)
    gets ``channel_not_found``; by default any well-formed id is a channel."""

    name = "slack"

    def __init__(self, *, token: str | None = None, strict: bool = False, record: bool = True):
        super().__init__(record=record)
        self.token = token
        self.strict = strict
        self.users: dict[str, dict] = {}  # id -> Slack user object
        self.channels: dict[str, dict] = {}  # id -> {"id", "name", "members", ...}
        self.messages: dict[tuple[str, str], dict] = {}  # (channel, ts) -> message
        self.views: dict[str, dict] = {}  # view id -> view
        self.refused: dict[str, str] = {}  # channel or user id -> error for posts to it
        self._ts = itertools.count(1)
        self._state = threading.Lock()

    @property
    def base_url(self) -> str:
        """What HERALD_SLACK_API_BASE (WebClient's base_url) should be."""
        return self.url + "/api/"

    # setting up -------------------------------------------------------------------------

    def add_user(
        self,
        email: str,
        *,
        user_id: str | None = None,
        name: str = "",
        deleted: bool = False,
        is_bot: bool = False,
    ) -> str:
        """A member of the workspace, found by users.lookupByEmail and users.info."""
        user_id = user_id or _new_id("U")
        handle = name or email.split("@", 1)[0]
        self.users[user_id] = {
            "id": user_id,
            "team_id": TEAM_ID,
            "name": handle,
            "deleted": deleted,
            "real_name": handle.replace(".", " ").title(),
            "is_bot": is_bot,
            "tz": "Europe/London",
            "profile": {
                "email": email,
                "real_name": handle.replace(".", " ").title(),
                "display_name": handle,
            },
        }
        return user_id

    def add_channel(self, name: str, *, channel_id: str | None = None, private=False) -> str:
        channel_id = channel_id or _new_id("G" if private else "C")
        self.channels[channel_id] = {
            "id": channel_id,
            "name": name,
            "is_channel": not private,
            "is_private": private,
            "is_archived": False,
            "created": int(time.time()),
            "members": [],
        }
        return channel_id

    def refuse(self, target: str, error: str = "channel_not_found") -> FakeSlack:
        """Every chat.postMessage / chat.update to ``target`` (a channel or user id) gets
        ``{"ok": false, "error": error}`` until ``refused`` is cleared."""
        self.refused[target] = error
        return self

    def fail(self, method: str, error: str, *, times: int = 1) -> FakeSlack:
        """The next ``times`` calls of ``method`` answer ``{"ok": false, "error": …}``."""
        return self.script(200, body={"ok": False, "error": error}, times=times, endpoint=method)

    def script(self, status, *, body=None, headers=None, delay=0.0, times=1, endpoint=ANY, **extra):
        """As FakeServer.script, plus ``error=`` (an ``ok:false`` answer with HTTP 200)
        and, for a 429, ``retry_after=`` seconds (default 1)."""
        error = extra.pop("error", None)
        if error is not None and body is None:
            body = {"ok": False, "error": error}
        return super().script(
            status,
            body=body,
            headers=headers,
            delay=delay,
            times=times,
            endpoint=endpoint,
            **extra,
        )

    # reading what happened --------------------------------------------------------------

    @staticmethod
    def params(request: Recorded) -> dict:
        """A call's arguments, whether slack_sdk sent them as JSON or as a form."""
        content_type = request.headers.get("Content-Type", "")
        if "json" in content_type:
            data = request.json
            return data if isinstance(data, dict) else {}
        return dict(parse_qsl(request.body.decode(), keep_blank_values=True))

    def calls(self, method: str) -> list[Recorded]:
        return self.requests_to(method)

    def posted(self, channel: str | None = None) -> list[dict]:
        """The messages chat.postMessage accepted (as posted, with ``channel`` and
        ``ts``), in order; only those to ``channel`` (the id asked for or the DM it led
        to) when given."""
        out = []
        for request in self.calls(POST_MESSAGE):
            answer = request.reply_json if request.status == 200 else None
            if not answer or not answer.get("ok"):
                continue
            message = dict(self.params(request))
            message["channel"] = answer["channel"]
            message["asked"] = request.info.get("asked", answer["channel"])
            message["ts"] = answer["ts"]
            message["at"] = request.at
            if channel is None or channel in (message["channel"], message["asked"]):
                out.append(message)
        return out

    # the provider -----------------------------------------------------------------------

    def route(self, method: str, path: str) -> str | None:
        if method != "POST" or not path.startswith("/api/"):
            return None
        name = path[len("/api/") :]
        return name if name in METHODS else None

    def not_found(self, request: Recorded) -> Reply:
        # Slack answers an unknown method with 404 and ok:false.
        return Reply(404, {"ok": False, "error": "unknown_method"})

    def scripted(self, reply: Reply, request: Recorded) -> Reply:
        if reply.status == 429:
            after = reply.extra.get("retry_after", 1)
            reply.headers.setdefault("Retry-After", str(after))
            if reply.body is None:
                reply.body = {"ok": False, "error": "ratelimited"}
        elif isinstance(reply.status, int) and reply.status >= 500 and reply.body is None:
            reply.body = "upstream error"
        return reply

    def respond(self, request: Recorded) -> Reply:
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or not auth[len("Bearer ") :].strip():
            return _error("not_authed")
        if self.token is not None and auth[len("Bearer ") :] != self.token:
            return _error("invalid_auth")
        try:
            params = self.params(request)
        except ValueError:
            return _error("invalid_json")
        handler = getattr(self, "_" + request.endpoint.replace(".", "_"))
        with self._state:
            return handler(params, request)

    def _auth_test(self, params, request) -> Reply:
        return _ok(team_id=TEAM_ID, user_id="U0HERALDBOT", bot_id="B0HERALDBOT", user="herald")

    def _timestamp(self) -> str:
        return f"{int(time.time())}.{next(self._ts):06d}"

    def _target(self, channel: str) -> tuple[str | None, str | None]:
        """(the channel a post lands in, or None) and an error."""
        if not channel:
            return None, "channel_not_found"
        if channel in self.refused:
            return None, self.refused[channel]
        if USER_ID.match(channel):
            user = self.users.get(channel)
            if self.users and user is None:
                return None, "channel_not_found"
            return "D" + channel[1:], None
        if not CHANNEL_ID.match(channel):
            return None, "channel_not_found"
        known = self.channels.get(channel)
        if known is None and self.strict:
            return None, "channel_not_found"
        if known is not None and known["is_archived"]:
            return None, "is_archived"
        return channel, None

    def _chat_postMessage(self, params, request) -> Reply:
        channel, error = self._target(params.get("channel", ""))
        if error:
            return _error(error)
        problem = _check_message(params)
        if problem:
            return problem
        ts = self._timestamp()
        request.info["asked"] = params.get("channel")
        message = {
            "type": "message",
            "user": "U0HERALDBOT",
            "bot_id": "B0HERALDBOT",
            "text": params.get("text", ""),
            "blocks": _blocks(params),
            "ts": ts,
        }
        if params.get("thread_ts"):
            message["thread_ts"] = params["thread_ts"]
        self.messages[(channel, ts)] = message
        self.accepted(1)
        return _ok(channel=channel, ts=ts, message=message)

    def _chat_update(self, params, request) -> Reply:
        channel = params.get("channel", "")
        if channel in self.refused:
            return _error(self.refused[channel])
        message = self.messages.get((channel, params.get("ts", "")))
        if message is None:
            return _error("message_not_found")
        problem = _check_message(params)
        if problem:
            return problem
        message["text"] = params.get("text", message["text"])
        if "blocks" in params:
            message["blocks"] = _blocks(params)
        message["edited"] = {"user": "U0HERALDBOT", "ts": self._timestamp()}
        return _ok(channel=channel, ts=params["ts"], text=message["text"], message=message)

    def _users_lookupByEmail(self, params, request) -> Reply:
        email = (params.get("email") or "").strip().lower()
        if not email:
            return _error("invalid_arguments")
        for user in self.users.values():
            if user["profile"]["email"].lower() == email and not user["deleted"]:
                return _ok(user=user)
        return _error("users_not_found")

    def _users_info(self, params, request) -> Reply:
        user = self.users.get(params.get("user", ""))
        if user is None:
            return _error("user_not_found")
        return _ok(user=user)

    def _views_open(self, params, request) -> Reply:
        if not (params.get("trigger_id") or params.get("interactivity_pointer")):
            return _error("invalid_arguments")
        view = _view(params.get("view"))
        if view is None:
            return _error("invalid_arguments")
        view_id = _new_id("V")
        view.update(id=view_id, team_id=TEAM_ID, hash=f"{int(time.time())}.{view_id}")
        self.views[view_id] = view
        return _ok(view=view)

    def _views_update(self, params, request) -> Reply:
        view_id = params.get("view_id", "")
        old = self.views.get(view_id)
        if old is None and params.get("external_id"):
            old = next(
                (v for v in self.views.values() if v.get("external_id") == params["external_id"]),
                None,
            )
        if old is None:
            return _error("not_found")
        if params.get("hash") and params["hash"] != old["hash"]:
            return _error("hash_conflict")
        view = _view(params.get("view"))
        if view is None:
            return _error("invalid_arguments")
        view.update(id=old["id"], team_id=TEAM_ID, hash=f"{int(time.time())}.{_new_id('H')}")
        self.views[old["id"]] = view
        return _ok(view=view)

    def _conversations_create(self, params, request) -> Reply:
        name = params.get("name", "")
        if not name:
            return _error("invalid_name_required")
        if not CHANNEL_NAME.match(name):
            return _error("invalid_name_specials")
        if any(c["name"] == name for c in self.channels.values()):
            return _error("name_taken")
        private = str(params.get("is_private", "")).lower() in ("1", "true")
        channel_id = self.add_channel(name, private=private)
        channel = dict(self.channels[channel_id])
        channel["members"] = ["U0HERALDBOT"]
        self.channels[channel_id]["members"] = ["U0HERALDBOT"]
        return _ok(channel=channel)

    def _conversations_invite(self, params, request) -> Reply:
        channel = self.channels.get(params.get("channel", ""))
        if channel is None:
            return _error("channel_not_found")
        if channel["is_archived"]:
            return _error("is_archived")
        users = [u for u in (params.get("users") or "").split(",") if u]
        if not users:
            return _error("no_user")
        if len(users) > 1000:
            return _error("too_many_users")
        force = str(params.get("force", "")).lower() in ("1", "true")
        errors = []
        for user in users:
            if user not in self.users:
                errors.append({"user": user, "ok": False, "error": "user_not_found"})
            elif user in channel["members"]:
                errors.append({"user": user, "ok": False, "error": "already_in_channel"})
        if errors and not force:
            return _error(errors[0]["error"], errors=errors)
        bad = {e["user"] for e in errors}
        channel["members"].extend(u for u in users if u not in bad)
        extra = {"errors": errors} if errors else {}
        return _ok(channel={k: v for k, v in channel.items() if k != "members"}, **extra)


def _ok(**fields) -> Reply:
    return Reply(200, {"ok": True, **fields})


def _error(error: str, **fields) -> Reply:
    return Reply(200, {"ok": False, "error": error, **fields})


def _blocks(params: dict):
    blocks = params.get("blocks")
    if isinstance(blocks, str):  # a form-encoded call carries them as a JSON string
        try:
            blocks = json.loads(blocks)
        except ValueError:
            return None
    return blocks


def _view(view):
    if isinstance(view, str):
        try:
            view = json.loads(view)
        except ValueError:
            return None
    if not isinstance(view, dict) or view.get("type") not in ("modal", "home"):
        return None
    return dict(view)


def _check_message(params: dict) -> Reply | None:
    """Slack's checks of a message: something to show, and Block Kit's limits."""
    blocks = _blocks(params)
    text = params.get("text") or ""
    if not text and not blocks and not params.get("attachments"):
        return _error("no_text")
    if len(text) > MAX_TEXT:
        return _error("msg_too_long")
    if blocks is None:
        return None
    problems = _block_problems(blocks)
    if problems:
        return _error("invalid_blocks", response_metadata={"messages": problems})
    return None


def _block_problems(blocks) -> list[str]:
    if not isinstance(blocks, list):
        return ["[ERROR] must be an array"]
    problems = []
    if len(blocks) > MAX_BLOCKS:
        problems.append(f"[ERROR] no more than {MAX_BLOCKS} items allowed [json-pointer:/blocks]")
    for i, block in enumerate(blocks):
        where = f"[json-pointer:/blocks/{i}"
        kind = block.get("type") if isinstance(block, dict) else None
        if kind == "header":
            text = block.get("text") or {}
            if text.get("type") != "plain_text":
                problems.append(f"[ERROR] must be plain_text {where}/text/type]")
            if not 0 < len(text.get("text", "")) <= MAX_HEADER_TEXT:
                problems.append(f"[ERROR] must be 1-{MAX_HEADER_TEXT} characters {where}/text]")
        elif kind == "section":
            text = block.get("text") or {}
            if text.get("type") not in ("mrkdwn", "plain_text"):
                problems.append(f"[ERROR] must be mrkdwn or plain_text {where}/text/type]")
            if not 0 < len(text.get("text", "")) <= MAX_SECTION_TEXT:
                problems.append(f"[ERROR] must be 1-{MAX_SECTION_TEXT} characters {where}/text]")
        elif kind == "actions":
            elements = block.get("elements") or []
            if not 0 < len(elements) <= MAX_ACTIONS_ELEMENTS:
                problems.append(f"[ERROR] must have 1-{MAX_ACTIONS_ELEMENTS} items {where}]")
            ids = set()
            for j, element in enumerate(elements):
                problems.extend(_button_problems(element, f"{where}/elements/{j}", ids))
        elif kind in ("context", "divider", "input", "image", "rich_text"):
            pass
        else:
            problems.append(f"[ERROR] unsupported block type {kind!r} {where}/type]")
    return problems


def _button_problems(element, where: str, ids: set) -> list[str]:
    if not isinstance(element, dict) or element.get("type") != "button":
        return []
    problems = []
    text = element.get("text") or {}
    if text.get("type") != "plain_text" or not 0 < len(text.get("text", "")) <= MAX_BUTTON_TEXT:
        problems.append(f"[ERROR] button text must be plain_text, 1-75 characters {where}/text]")
    action_id = element.get("action_id", "")
    if len(action_id) > MAX_ACTION_ID:
        problems.append(f"[ERROR] action_id too long {where}/action_id]")
    if action_id and action_id in ids:
        problems.append(f"[ERROR] action_id already exists in this block {where}/action_id]")
    ids.add(action_id)
    if len(element.get("value", "")) > MAX_BUTTON_VALUE:
        problems.append(f"[ERROR] value too long {where}/value]")
    if len(element.get("url", "")) > MAX_URL:
        problems.append(f"[ERROR] url too long {where}/url]")
    if element.get("style") not in (None, "primary", "danger"):
        problems.append(f"[ERROR] style must be primary or danger {where}/style]")
    return problems
