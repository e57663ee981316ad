"""The transport floor: the same provider calls made directly, with no Herald in between.

SendGrid requests of 1,000 recipients with the same per-recipient data, one after
another; one Twilio request per SMS with the worker's concurrency. Each channel is timed
alone (its own floor, for its own ratio) and, when both send, side by side as Herald
sends them (the floor of the whole fan-out).
"""

from __future__ import annotations

import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from . import FROM, SID, SMS_CONCURRENCY, TOKEN, email_address, phone_number
from .stack import Fake

BODY = "Body " * 60


def _send_email(url: str, emails: int) -> None:
    from sendgrid import SendGridAPIClient

    client = SendGridAPIClient(api_key="SG.bench", host=url)
    for start in range(0, emails, 1000):
        personalizations = []
        for i in range(start, min(start + 1000, emails)):
            token = secrets.token_urlsafe(32)
            unsubscribe = f"https://status.example.com/unsubscribe/{token}"
            personalizations.append(
                {
                    "to": [{"email": email_address(i)}],
                    "substitutions": {
                        "[%unsubscribe_url%]": unsubscribe,
                        "[%manage_url%]": f"https://status.example.com/subscriptions/{token}",
                    },
                    "headers": {
                        "List-Unsubscribe": f"<{unsubscribe}>",
                        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                    },
                    "custom_args": {"herald_delivery": str(i)},
                }
            )
        client.client.mail.send.post(
            request_body={
                "from": {"email": "status@example.com", "name": "Herald Status"},
                "subject": "[Investigating] Checkout errors",
                "personalizations": personalizations,
                "content": [
                    {"type": "text/plain", "value": BODY},
                    {"type": "text/html", "value": "<p>Body</p>" * 60},
                ],
                "custom_args": {"herald_broadcast": "1"},
            },
            timeout=10,
        )


def _send_sms(url: str, emails: int, sms: int) -> None:
    from twilio.rest import Client

    from subscribers.channels.sms import RedirectingHttpClient

    local = threading.local()

    def send_one(i: int) -> None:
        client = getattr(local, "client", None)
        if client is None:
            client = local.client = Client(SID, TOKEN, http_client=RedirectingHttpClient(url, 10))
        client.messages.create(
            to=phone_number(emails + i),
            from_=FROM,
            body="Herald Status: Checkout errors (Investigating): Some "
            "payments are failing. https://status.example.com/x",
            status_callback="https://status.example.com/webhooks/twilio/status",
        )

    with ThreadPoolExecutor(SMS_CONCURRENCY) as pool:
        list(pool.map(send_one, range(sms)))


def _timed(emails: int, sms: int) -> float:
    sendgrid, twilio = Fake("sendgrid"), Fake("twilio")
    try:
        began = time.perf_counter()
        email_thread = threading.Thread(target=_send_email, args=(sendgrid.url, emails))
        email_thread.start()
        _send_sms(twilio.url, emails, sms)
        email_thread.join()
        return time.perf_counter() - began
    finally:
        sendgrid.stop()
        twilio.stop()


def transport_floor(emails: int, sms: int) -> dict[str, float]:
    """Seconds per channel alone (``email``, ``sms``, for those that send) and for both
    side by side (``all``)."""
    floors = {}
    if emails:
        floors["email"] = _timed(emails, 0)
    if sms:
        floors["sms"] = _timed(0, sms)
    floors["all"] = _timed(emails, sms) if emails and sms else max(floors.values(), default=0)
    return floors
