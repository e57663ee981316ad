"""A local Twilio Messages API and signers for Twilio's webhooks.

    with FakeTwilio() as fake:      # fake.account_sid, fake.auth_token, fake.url
        fake.script(429, headers={"Retry-After": "7"})   # 20429 Too Many Requests
        fake.script(code=21610)                          # 400: the recipient sent STOP
        fake.refuse("+15005550009", code=21211)          # always, for that number
        ...
        fake.requests[0].form["Body"]; fake.messages     # sid -> the created message

``POST /2010-04-01/Accounts/{sid}/Messages.json`` with To, From or MessagingServiceSid,
Body and StatusCallback answers 201 with the message resource (sid "SM" + 32 hex, status
"queued", or "accepted" through a messaging service, num_segments). Errors use Twilio's
shape ``{"code", "message", "more_info", "status"}``.
"""

from __future__ import annotations

import base64
import re
import secrets
from dataclasses import dataclass
from email.utils import formatdate
from urllib.parse import urlencode, urlsplit

from twilio.request_validator import RequestValidator

from tests.fakes.base import FakeServer, Recorded, Reply

MESSAGES = "messages"
MESSAGE = "message"
PATH = re.compile(r"^/2010-04-01/Accounts/([^/]+)/Messages(?:/(SM[0-9a-f]{32}))?\.json$")
E164 = re.compile(r"^\+[1-9]\d{6,14}$")

# code -> (HTTP status, message)
ERRORS = {
    20003: (401, "Authenticate"),
    20404: (404, "The requested resource was not found"),
    20429: (429, "Too Many Requests"),
    20500: (500, "An internal server error has occurred"),
    20503: (503, "Service unavailable"),
    21211: (400, "Invalid 'To' Phone Number"),
    21602: (400, "Message body is required."),
    21603: (400, "A 'From' or 'MessagingServiceSid' parameter is required to send a message"),
    21604: (400, "A 'To' phone number is required."),
    21606: (400, "The 'From' phone number is not a valid, message-capable Twilio number"),
    21609: (400, "Invalid StatusCallback url"),
    21610: (400, "Attempt to send to unsubscribed recipient"),
    21611: (400, "This 'From' number has exceeded the maximum number of queued messages"),
    21612: (400, "The 'To' phone number is not currently reachable via SMS"),
    21614: (400, "'To' number is not a valid mobile number"),
    21617: (400, "The concatenated message body exceeds the 1600 character limit."),
}
CODE_FOR_STATUS = {401: 20003, 404: 20404, 429: 20429, 500: 20500, 503: 20503}

GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = set("^{}\\[~]|€\f")


def segments(body: str) -> int:
    """Twilio's count: GSM-7 160/153 (extension characters take two), else UCS-2 70/67
    in UTF-16 code units."""
    if not body:
        return 0
    if all(c in GSM7 or c in GSM7_EXTENSION for c in body):
        units, single, multi = sum(1 + (c in GSM7_EXTENSION) for c in body), 160, 153
    else:
        units, single, multi = len(body.encode("utf-16-le")) // 2, 70, 67
    return 1 if units <= single else -(-units // multi)


def error_body(code: int, status: int | None = None, message: str | None = None) -> dict:
    default_status, default_message = ERRORS.get(code, (400, "Error"))
    return {
        "code": code,
        "message": message or default_message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status or default_status,
    }


class FakeTwilio(FakeServer):
    name = "twilio"

    def __init__(
        self,
        *,
        account_sid: str = "AC" + "a1" * 16,
        auth_token: str = "test-auth-token",
        record: bool = True,
        tls=None,
    ):
        super().__init__(tls=tls, record=record)
        self.account_sid, self.auth_token = account_sid, auth_token
        self.refused: dict[str, int] = {}
        self.messages: dict[str, dict] = {}  # sid -> the message resource

    def refuse(self, number: str, code: int = 21610) -> FakeTwilio:
        """Answer every send to ``number`` with Twilio error ``code``."""
        self.refused[number] = code
        return self

    def script(self, status: int | str | None = None, *, code: int | None = None, **options):
        """``script(429)``, ``script(code=21610)``, ``script(400, code=21211)``,
        ``script("timeout")``; a 429 gets ``Retry-After: 1`` unless headers say otherwise."""
        if status is None:
            if code is None:
                raise ValueError("give a status, a Twilio error code, or both")
            status = ERRORS.get(code, (400, ""))[0]
        return super().script(status, code=code, **options)

    def route(self, method: str, path: str) -> str | None:
        match = PATH.match(path)
        if match is None:
            return None
        if match.group(2):
            return MESSAGE if method == "GET" else None
        return MESSAGES if method == "POST" else None

    def not_found(self, request: Recorded) -> Reply:
        return Reply(404, error_body(20404))

    def scripted(self, reply: Reply, request: Recorded) -> Reply:
        status = reply.status
        if isinstance(status, int) and status >= 400:
            code = reply.extra.get("code") or CODE_FOR_STATUS.get(status)
            if code is None:
                raise ValueError(f"say which Twilio error code a scripted {status} carries")
            if reply.body is None:
                reply.body = error_body(code, status)
            if status == 429:
                reply.headers.setdefault("Retry-After", "1")
        return reply

    def _authorised(self, request: Recorded, account: str) -> bool:
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
        except ValueError:
            return False
        return user == self.account_sid == account and password == self.auth_token

    def respond(self, request: Recorded) -> Reply:
        account, sid = PATH.match(request.path).groups()
        if not self._authorised(request, account):
            return Reply(401, error_body(20003))
        if request.endpoint == MESSAGE:
            found = self.messages.get(sid)
            return Reply(200, found) if found else Reply(404, error_body(20404))
        form = request.form
        to, body = form.get("To", ""), form.get("Body", "")
        sender, service = form.get("From", ""), form.get("MessagingServiceSid", "")
        if not to:
            return _error(21604)
        if not sender and not service:
            return _error(21603)
        if not body:
            return _error(21602)
        if not E164.match(to):
            return _error(21211, f"Invalid 'To' Phone Number: {to}")
        if to in self.refused:
            return _error(self.refused[to])
        if len(body) > 1600:
            return _error(21617)
        callback = form.get("StatusCallback", "")
        if callback and urlsplit(callback).scheme not in ("http", "https"):
            return _error(21609)
        sid = "SM" + secrets.token_hex(16)
        now = formatdate(usegmt=True)
        message = {
            "sid": sid,
            "account_sid": account,
            "messaging_service_sid": service or None,
            "to": to,
            "from": sender or None,
            "body": body,
            "status": "accepted" if service else "queued",
            "num_segments": str(segments(body)),
            "num_media": "0",
            "direction": "outbound-api",
            "api_version": "2010-04-01",
            "price": None,
            "price_unit": "USD",
            "error_code": None,
            "error_message": None,
            "date_created": now,
            "date_updated": now,
            "date_sent": None,
            "uri": f"/2010-04-01/Accounts/{account}/Messages/{sid}.json",
            "subresource_uris": {
                "media": f"/2010-04-01/Accounts/{account}/Messages/{sid}/Media.json"
            },
        }
        request.info["sid"] = sid
        request.info["status_callback"] = callback
        with self._lock:
            self.messages[sid] = message
        self.accepted(1)
        return Reply(201, message)

    def signer(self) -> TwilioSigner:
        return TwilioSigner(self.auth_token, self.account_sid)

    def status_callback(self, sid: str, status: str, error_code: int | None = None):
        """The signed status callback Twilio would post for a message this fake created,
        to the StatusCallback URL it was sent with."""
        with self._lock:
            message = self.messages[sid]
            url = next(r.info["status_callback"] for r in self.requests if r.info.get("sid") == sid)
        return self.signer().status_callback(
            url,
            sid,
            status,
            error_code=error_code,
            to=message["to"],
            from_=message["from"] or "",
            messaging_service_sid=message["messaging_service_sid"] or "",
        )


def _error(code: int, message: str | None = None) -> Reply:
    body = error_body(code, message=message)
    return Reply(body["status"], body)


# Webhooks from Twilio -----------------------------------------------------------------


@dataclass(frozen=True)
class SignedForm:
    """A signed webhook request: post ``form`` to ``url`` with ``headers``. For Flask's
    test client: ``client.post(signed.path, base_url=signed.base_url, data=signed.form,
    headers=signed.headers)``."""

    url: str
    form: dict[str, str]
    headers: dict[str, str]

    @property
    def path(self) -> str:
        parts = urlsplit(self.url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    @property
    def base_url(self) -> str:
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def body(self) -> bytes:
        return urlencode(self.form).encode()


class TwilioSigner:
    """Signs requests as Twilio does (``X-Twilio-Signature``: base64 HMAC-SHA1 of the URL
    followed by the sorted form fields, keyed with the auth token)."""

    def __init__(self, auth_token: str, account_sid: str = "AC" + "a1" * 16):
        self.auth_token, self.account_sid = auth_token, account_sid
        self.validator = RequestValidator(auth_token)

    def sign(self, url: str, form: dict[str, str]) -> SignedForm:
        signature = self.validator.compute_signature(url, form)
        return SignedForm(
            url,
            dict(form),
            {
                "X-Twilio-Signature": signature,
                "Content-Type": "application/x-www-form-urlencoded",
                "User-Agent": "TwilioProxy/1.1",
            },
        )

    def status_callback(
        self,
        url: str,
        message_sid: str,
        status: str,
        *,
        error_code: int | None = None,
        to: str = "+15005550006",
        from_: str = "+15005550001",
        messaging_service_sid: str = "",
    ) -> SignedForm:
        form = {
            "AccountSid": self.account_sid,
            "ApiVersion": "2010-04-01",
            "MessageSid": message_sid,
            "SmsSid": message_sid,
            "MessageStatus": status,
            "SmsStatus": status,
            "To": to,
            "From": from_,
        }
        if messaging_service_sid:
            form["MessagingServiceSid"] = messaging_service_sid
        if error_code is not None:
            form["ErrorCode"] = str(error_code)
        return self.sign(url, form)

    def inbound_sms(
        self, url: str, from_: str, body: str, *, to: str = "+15005550001"
    ) -> SignedForm:
        sid = "SM" + secrets.token_hex(16)
        form = {
            "AccountSid": self.account_sid,
            "ApiVersion": "2010-04-01",
            "MessageSid": sid,
            "SmsMessageSid": sid,
            "SmsSid": sid,
            "SmsStatus": "received",
            "From": from_,
            "To": to,
            "Body": body,
            "NumMedia": "0",
            "NumSegments": str(segments(body)),
        }
        if body.strip().upper() in {
            "STOP",
            "STOPALL",
            "UNSUBSCRIBE",
            "CANCEL",
            "END",
            "QUIT",
            "REVOKE",
            "OPTOUT",
        }:
            form["OptOutType"] = "STOP"
        elif body.strip().upper() in {"START", "YES", "UNSTOP"}:
            form["OptOutType"] = "START"
        elif body.strip().upper() in {"HELP", "INFO"}:
            form["OptOutType"] = "HELP"
        return self.sign(url, form)
