"""A local SendGrid v3 mail API (``POST /v3/mail/send``) and a signer for SendGrid's
event webhook.

    with FakeSendGrid() as fake:
        client = SendGridAPIClient(api_key="SG.test", host=fake.url)
        fake.script(429, reset_in=5)      # the next request is rate limited
        fake.refuse("bad@example.com")    # any request naming it gets a 400
        ...
        fake.requests[0].json["personalizations"]
        fake.delivered()                  # one dict per recipient, substitutions applied

Success is 202 with an empty body and an ``X-Message-Id`` header. The body is checked
the way SendGrid checks it (at most 1000 personalizations and recipients, each address
once, from/subject/content present, text/plain first, string-valued custom_args,
substitutions and headers); a bad one gets 400 with ``{"errors": [{"message", "field",
"help"}]}``. A scripted 429 carries ``X-RateLimit-Limit/-Remaining/-Reset`` (epoch
seconds, ``reset_in`` from now, default 1).
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import time
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.fakes.base import FakeServer, Recorded, Reply

SEND = "mail.send"
MAX_PERSONALIZATIONS = 1000
MAX_RECIPIENTS = 1000
ADDRESS = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")

MESSAGES = {
    400: "Bad Request",
    401: "The provided authorization grant is invalid, expired, or revoked",
    403: "access forbidden",
    413: "The JSON payload you have included in your request is too large.",
    429: "too many requests",
    500: "internal error",
    503: "service unavailable",
}


class FakeSendGrid(FakeServer):
    """``api_key``: when set, any other key gets 401 (default: any ``Bearer`` key)."""

    name = "sendgrid"

    def __init__(self, *, api_key: str | None = None, record: bool = True, tls=None):
        super().__init__(tls=tls, record=record)
        self.api_key = api_key
        self.refused: set[str] = set()

    def refuse(self, *addresses: str) -> FakeSendGrid:
        """Answer 400 to any request that names one of these addresses, as SendGrid does
        for an address it finds invalid."""
        self.refused.update(a.lower() for a in addresses)
        return self

    def route(self, method: str, path: str) -> str | None:
        return SEND if method == "POST" and path == "/v3/mail/send" else None

    def not_found(self, request: Recorded) -> Reply:
        return Reply(404, _errors(("not found", None)))

    def respond(self, request: Recorded) -> Reply:
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or (
            self.api_key is not None and auth[len("Bearer ") :] != self.api_key
        ):
            return Reply(401, _errors((MESSAGES[401], None)))
        try:
            body = request.json
        except ValueError:
            return Reply(400, _errors(("Bad Request", None)))
        problems = self.validate(body)
        if problems:
            return Reply(400, _errors(*problems))
        message_id = secrets.token_urlsafe(16)
        request.info["message_id"] = message_id
        self.accepted(sum(len(p.get("to", ())) for p in body["personalizations"]))
        return Reply(202, None, {"X-Message-Id": message_id})

    def scripted(self, reply: Reply, request: Recorded) -> Reply:
        status = reply.status
        if isinstance(status, int) and status >= 400:
            if reply.body is None:
                reply.body = _errors((MESSAGES.get(status, "error"), None))
            if status == 429:
                reset = int(time.time() + reply.extra.get("reset_in", 1))
                reply.headers.setdefault("X-RateLimit-Limit", "600")
                reply.headers.setdefault("X-RateLimit-Remaining", "0")
                reply.headers.setdefault("X-RateLimit-Reset", str(reset))
        return reply

    def validate(self, body) -> list[tuple[str, str | None]]:
        """SendGrid's checks, as (message, field) pairs; empty when the body is good."""
        if not isinstance(body, dict):
            return [("Bad Request", None)]
        problems: list[tuple[str, str | None]] = []
        sender = body.get("from")
        if not isinstance(sender, dict) or not sender.get("email"):
            problems.append(
                (
                    "The from object must be provided for every email send. It is an object "
                    "that requires the email parameter, but may also contain a name parameter.",
                    "from",
                )
            )
        elif not ADDRESS.match(sender["email"]):
            problems.append(("The from email does not contain a valid address.", "from.email"))
        personalizations = body.get("personalizations")
        if not isinstance(personalizations, list) or not personalizations:
            problems.append(
                (
                    "The personalizations field is required and must have at least one "
                    "personalization.",
                    "personalizations",
                )
            )
            personalizations = []
        elif len(personalizations) > MAX_PERSONALIZATIONS:
            problems.append(
                (
                    "The personalizations field cannot have more than 1000 personalizations.",
                    "personalizations",
                )
            )
        templated = bool(body.get("template_id"))
        seen: set[str] = set()
        recipients = 0
        for i, item in enumerate(personalizations):
            if not isinstance(item, dict) or not item.get("to"):
                problems.append(
                    (
                        "The to array is required for all personalization objects, and must "
                        "have at least one email object with a valid email address.",
                        f"personalizations.{i}.to",
                    )
                )
                continue
            for kind in ("to", "cc", "bcc"):
                for j, person in enumerate(item.get(kind) or ()):
                    recipients += 1
                    address = str((person or {}).get("email", ""))
                    key = address.lower()
                    where = f"personalizations.{i}.{kind}.{j}.email"
                    if not ADDRESS.match(address) or key in self.refused:
                        problems.append(("Does not contain a valid address.", where))
                    elif key in seen:
                        problems.append(
                            (
                                "Each email address in the personalization block should be "
                                "unique between to, cc, and bcc. We found the first duplicate "
                                f"instance of [{address}] in the {where} field.",
                                where,
                            )
                        )
                    seen.add(key)
            for name in ("substitutions", "headers", "custom_args"):
                problems.extend(_strings(item.get(name), f"personalizations.{i}.{name}"))
            if not (body.get("subject") or item.get("subject") or templated):
                problems.append(
                    (
                        "The subject is required. You can get around this requirement if you "
                        "use a template with a subject defined or if every personalization "
                        "has a subject defined.",
                        "subject",
                    )
                )
                templated = True  # say it once
        if recipients > MAX_RECIPIENTS:
            problems.append(
                ("The total number of recipients must be no more than 1000.", "personalizations")
            )
        content = body.get("content")
        if not body.get("template_id"):
            if not isinstance(content, list) or not any(
                isinstance(c, dict) and c.get("value") for c in content
            ):
                problems.append(
                    (
                        "Unless a valid template_id is provided, the content parameter is "
                        "required. There must be at least one defined content block.",
                        "content",
                    )
                )
            else:
                types = [c.get("type") for c in content]
                if "text/plain" in types and types.index("text/plain") != 0:
                    problems.append(
                        (
                            "If present, text/plain and text/html may only be provided in "
                            "order, following by any other content.",
                            "content",
                        )
                    )
        problems.extend(_strings(body.get("custom_args"), "custom_args"))
        problems.extend(_strings(body.get("headers"), "headers"))
        return problems

    def delivered(self) -> list[dict]:
        """Every recipient of every accepted request, as SendGrid would build the mail:
        substitutions applied to subject and content, headers and custom_args merged."""
        out = []
        for request in self.requests_to(SEND):
            if request.status != 202:
                continue
            body = request.json
            content = {c["type"]: c["value"] for c in body.get("content", [])}
            for item in body["personalizations"]:
                subs = item.get("substitutions") or {}

                def fill(text: str, subs=subs) -> str:
                    for key, value in subs.items():
                        text = text.replace(key, value)
                    return text

                for person in item["to"]:
                    out.append(
                        {
                            "to": person["email"],
                            "from": body["from"],
                            "subject": fill(item.get("subject") or body.get("subject", "")),
                            "text": fill(content.get("text/plain", "")),
                            "html": fill(content.get("text/html", "")),
                            "headers": {**body.get("headers", {}), **item.get("headers", {})},
                            "custom_args": {
                                **body.get("custom_args", {}),
                                **item.get("custom_args", {}),
                            },
                            "message_id": request.info["message_id"],
                        }
                    )
        return out


def _errors(*problems: tuple[str, str | None]) -> dict:
    return {"errors": [{"message": m, "field": f, "help": None} for m, f in problems]}


def _strings(mapping, where: str) -> list[tuple[str, str | None]]:
    if mapping is None:
        return []
    if not isinstance(mapping, dict):
        return [(f"Invalid type. Expected: object, given: {type(mapping).__name__}.", where)]
    return [
        (f"Invalid type. Expected: string, given: {type(v).__name__}.", f"{where}.{k}")
        for k, v in mapping.items()
        if not isinstance(v, str)
    ]


# The event webhook --------------------------------------------------------------------

SIGNATURE_HEADER = "X-Twilio-Email-Event-Webhook-Signature"
TIMESTAMP_HEADER = "X-Twilio-Email-Event-Webhook-Timestamp"


@dataclass(frozen=True)
class SignedEvents:
    body: bytes
    headers: dict[str, str]


class EventWebhookSigner:
    """Signs event webhook posts as SendGrid does: ECDSA P-256 with SHA-256 over
    ``timestamp + payload``, base64 DER signature. ``public_key`` is the base64 DER key
    that SendGrid shows (HERALD_SENDGRID_WEBHOOK_PUBLIC_KEY)."""

    def __init__(self):
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        der = self.private_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.public_key = base64.b64encode(der).decode()

    def sign(self, events: list[dict] | bytes, timestamp: int | None = None) -> SignedEvents:
        """``events`` as a list (serialised here) or the exact raw body to send."""
        body = events if isinstance(events, bytes) else json.dumps(events).encode()
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        signature = self.private_key.sign(stamp.encode() + body, ec.ECDSA(hashes.SHA256()))
        return SignedEvents(
            body,
            {
                "Content-Type": "application/json",
                SIGNATURE_HEADER: base64.b64encode(signature).decode(),
                TIMESTAMP_HEADER: stamp,
            },
        )


def event(kind: str, email: str, *, delivery_id: int | None = None, **fields) -> dict:
    """One SendGrid event as the webhook posts it (``sg_event_id`` unique)."""
    data = {
        "email": email,
        "timestamp": int(time.time()),
        "event": kind,
        "sg_event_id": secrets.token_urlsafe(16),
        "sg_message_id": fields.pop("sg_message_id", secrets.token_urlsafe(16) + ".filter0001"),
        "smtp-id": f"<{secrets.token_hex(8)}@example.com>",
    }
    if delivery_id is not None:
        data["herald_delivery"] = str(delivery_id)
    data.update(fields)
    return data
