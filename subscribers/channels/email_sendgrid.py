"""SendGrid's v3 mail API through the ``sendgrid`` SDK: up to 1000 recipients a request,
each with its own unsubscribe link (substitutions), headers and a tracking id."""

from __future__ import annotations

import json
import time
import urllib.error
from email.utils import parseaddr

from python_http_client import exceptions as http_errors
from sendgrid import SendGridAPIClient

from subscribers.channels.base import FAILED, RETRY, SENT, Channel, Content, Outcome, Outgoing
from subscribers.links import manage_url, unsubscribe_url

MAX_RECIPIENTS = 1000


class SendGridEmail(Channel):
    kind = "email"
    name = "email:sendgrid"
    batch_size = MAX_RECIPIENTS

    def __init__(self, api_key: str, host: str, sender: str, timeout: float = 10.0):
        self.client = SendGridAPIClient(api_key=api_key, host=host)
        # The SDK sets no timeout of its own: a hung provider must not hang the worker.
        # It is passed on each call (python-http-client's documented ``timeout=``).
        self.timeout = timeout
        self.sender = sender

    def _body(self, content: Content, batch: list[Outgoing]) -> dict:
        """The request body; ValueError when a header would break a line (SendGrid
        answers 400 to that, every time: no retry can send it)."""
        _one_line("subject", content.subject)
        _one_line("sender", self.sender)
        personalizations = []
        for item in batch:
            _one_line("address", item.address)
            unsubscribe = unsubscribe_url(item.token)
            personalization = {
                "to": [{"email": item.address}],
                "substitutions": {
                    "[%unsubscribe_url%]": unsubscribe,
                    "[%manage_url%]": manage_url(item.token),
                },
                "custom_args": {"herald_delivery": str(item.delivery_id)},
            }
            if not content.transactional:
                personalization["headers"] = {
                    "List-Unsubscribe": f"<{unsubscribe}>",
                    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                }
            personalizations.append(personalization)
        name, address = parseaddr(self.sender)
        body = {
            "from": {"email": address, "name": name} if name else {"email": address},
            "subject": content.subject,
            "personalizations": personalizations,
            "content": [{"type": "text/plain", "value": content.text}],
            "custom_args": {"herald_broadcast": str(content.broadcast_id)},
        }
        if content.html:
            body["content"].append({"type": "text/html", "value": content.html})
        return body

    def send(self, content: Content, batch: list[Outgoing]) -> list[Outcome]:
        unbuildable = []
        for item in batch:
            try:
                _one_line("address", item.address)
            except ValueError as error:
                unbuildable.append(
                    Outcome(item.delivery_id, FAILED, error=f"The email cannot be built: {error}")
                )
        if unbuildable:
            failed = {o.delivery_id for o in unbuildable}
            rest = [i for i in batch if i.delivery_id not in failed]
            return unbuildable + (self.send(content, rest) if rest else [])
        try:
            body = self._body(content, batch)
        except ValueError as error:
            return [
                Outcome(i.delivery_id, FAILED, error=f"The email cannot be built: {error}")
                for i in batch
            ]
        try:
            response = self.client.client.mail.send.post(request_body=body, timeout=self.timeout)
        except http_errors.HTTPError as error:
            return self._failed(content, batch, error)
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            return [
                Outcome(i.delivery_id, RETRY, error=f"SendGrid unreachable: {error}") for i in batch
            ]
        message_id = response.headers.get("X-Message-Id", "") if response.headers else ""
        return [Outcome(i.delivery_id, SENT, provider_id=message_id) for i in batch]

    def _failed(
        self, content: Content, batch: list[Outgoing], error: http_errors.HTTPError
    ) -> list[Outcome]:
        status = getattr(error, "status_code", 0)
        detail = _body_text(error)
        if status == 400 and len(batch) > 1 and _may_be_a_recipient(error):
            # One bad recipient refuses the whole request: split to isolate it.
            half = len(batch) // 2
            return self.send(content, batch[:half]) + self.send(content, batch[half:])
        if status == 429:
            reset = (error.headers or {}).get("X-RateLimit-Reset")
            wait = max(1.0, float(reset) - time.time()) if reset and _number(reset) else 60.0
            return [
                Outcome(i.delivery_id, RETRY, error="SendGrid rate limit (429)", retry_after=wait)
                for i in batch
            ]
        if status >= 500 or status in (401, 403):
            # 5xx is the provider's trouble; 401/403 is a key problem staff can fix.
            return [
                Outcome(i.delivery_id, RETRY, error=f"SendGrid {status}: {detail}") for i in batch
            ]
        return [Outcome(i.delivery_id, FAILED, error=f"SendGrid {status}: {detail}") for i in batch]


def _one_line(what: str, value: str) -> None:
    # The same test as the email package's for a header value.
    if len((value or "").splitlines()) > 1:
        raise ValueError(f"the {what} contains a line break: {value!r}")


def _may_be_a_recipient(error: http_errors.HTTPError) -> bool:
    """Whether a 400 may be one recipient's fault. When every error names a field of the
    message itself (from, subject, content), splitting only repeats it 2n - 1 times."""
    try:
        fields = [str(e.get("field") or "") for e in json.loads(error.body)["errors"]]
    except (ValueError, KeyError, TypeError, AttributeError):
        return True
    return not fields or any(not f or f.startswith("personalizations") for f in fields)


def _number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def _body_text(error: http_errors.HTTPError) -> str:
    body = getattr(error, "body", b"")
    text = body.decode(errors="replace") if isinstance(body, bytes) else str(body)
    return text[:300]
