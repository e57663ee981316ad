"""SMS: a log file for development, Twilio (through the ``twilio`` SDK) for real."""

from __future__ import annotations

import logging
import os
import threading
from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from core.words import counted
from subscribers.channels.base import (
    FAILED,
    RETRY,
    SENT,
    Channel,
    Content,
    Outcome,
    Outgoing,
    PooledChannel,
    personalise,
)
from subscribers.channels.segments import MAX_BODY, segment_count
from subscribers.channels.twilio_errors import ACCOUNT, RETRY_LATER, twilio_error
from subscribers.links import manage_url, unsubscribe_url

logging.getLogger("twilio.http_client").setLevel(logging.WARNING)


def sms_text(content: Content, item: Outgoing) -> str:
    text = personalise(content.sms, unsubscribe_url(item.token), manage_url(item.token))
    return text[:MAX_BODY]


class LogSms(Channel):
    """Development SMS: one line per message in instance/sms.log."""

    kind = "sms"
    name = "sms:log"
    batch_size = 200

    def __init__(self, path: str):
        self.path = path
        os.makedirs(os.path.dirname(path), exist_ok=True)
        self.lock = threading.Lock()

    def send(self, content: Content, batch: list[Outgoing]) -> list[Outcome]:
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        lines = []
        outcomes = []
        for item in batch:
            text = sms_text(content, item)
            lines.append(
                f"{stamp}\t{item.address}\t{counted(segment_count(text), 'segment')}\t{text!r}\n"
            )
            outcomes.append(Outcome(item.delivery_id, SENT, provider_id=f"log:{item.delivery_id}"))
        with self.lock, open(self.path, "a", encoding="utf-8") as handle:
            handle.writelines(lines)
        return outcomes


class RedirectingHttpClient(TwilioHttpClient):
    """Sends the SDK's requests to ``base`` (a local fake in tests) and remembers the last
    response's headers, since TwilioRestException carries none (Retry-After)."""

    def __init__(self, base: str, timeout: float):
        super().__init__(timeout=timeout)
        self.base = urlsplit(base)
        self.last_headers: dict = {}
        # The SDK mounts its pooled adapter for https only; the fake may speak http.
        self.session.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=8))

    def request(self, method, url, *args, **kwargs):
        parts = urlsplit(url)
        url = urlunsplit((self.base.scheme, self.base.netloc, parts.path, parts.query, ""))
        # One client per sending thread (TwilioSms._client), so this is this send's answer.
        self.last_headers = {}
        response = super().request(method, url, *args, **kwargs)
        self.last_headers = dict(response.headers or {})
        return response


class TwilioSms(PooledChannel):
    kind = "sms"
    name = "sms:twilio"
    batch_size = 100

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        sender: str = "",
        messaging_service_sid: str = "",
        api_base: str = "https://api.twilio.com",
        timeout: float = 10.0,
        status_callback: str = "",
        limiter=None,
        concurrency: int = 4,
    ):
        if not sender and not messaging_service_sid:
            raise ValueError("Twilio needs HERALD_TWILIO_FROM or _MESSAGING_SERVICE_SID")
        self.account_sid, self.auth_token = account_sid, auth_token
        self.sender, self.messaging_service_sid = sender, messaging_service_sid
        self.api_base, self.timeout = api_base, timeout
        self.status_callback = status_callback
        self.limiter = limiter
        self.local = threading.local()
        super().__init__(concurrency, "herald-sms")

    def _client(self) -> tuple[Client, RedirectingHttpClient]:
        client = getattr(self.local, "client", None)
        if client is None:
            http = RedirectingHttpClient(self.api_base, self.timeout)
            client = (Client(self.account_sid, self.auth_token, http_client=http), http)
            self.local.client = client
        return client

    def _send_one(self, content: Content, item: Outgoing) -> Outcome:
        text = sms_text(content, item)
        if self.limiter is not None:
            self.limiter.acquire(segment_count(text))
        client, http = self._client()
        options = {"to": item.address, "body": text}
        if self.messaging_service_sid:
            options["messaging_service_sid"] = self.messaging_service_sid
        else:
            options["from_"] = self.sender
        if self.status_callback:
            options["status_callback"] = self.status_callback
        try:
            message = client.messages.create(**options)
        except TwilioRestException as error:
            return _from_twilio_error(item, error, http.last_headers)
        except requests.RequestException as error:
            return Outcome(item.delivery_id, RETRY, error=f"Twilio unreachable: {error}")
        return Outcome(
            item.delivery_id,
            SENT,
            provider_id=message.sid,
            extra={"segments": int(message.num_segments or 1)},
        )


def _from_twilio_error(item: Outgoing, error: TwilioRestException, headers: dict) -> Outcome:
    code, status = error.code, error.status
    known = twilio_error(code)
    text = f"Twilio {status}/{code}: {error.msg}"
    if status == 429 or (known is not None and known.kind == RETRY_LATER):
        retry_after = headers.get("Retry-After")
        wait = float(retry_after) if retry_after and retry_after.isdigit() else None
        return Outcome(item.delivery_id, RETRY, error=text, retry_after=wait)
    if status == 401 or (known is not None and known.kind == ACCOUNT):
        return Outcome(
            item.delivery_id,
            RETRY,
            error=f"{text} (check HERALD_TWILIO_ACCOUNT_SID, _AUTH_TOKEN and _FROM)",
        )
    if known is not None:
        return Outcome(
            item.delivery_id, FAILED, error=text, subscriber_action=known.subscriber_action
        )
    if status >= 500:
        return Outcome(item.delivery_id, RETRY, error=text)
    return Outcome(item.delivery_id, FAILED, error=text)
