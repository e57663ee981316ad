"""Local fakes of the providers Herald talks to, for tests and benchmarks: SendGrid,
Twilio, an SMTP sink and a webhook receiver, each on 127.0.0.1 and scriptable.

Each is a context manager (``with FakeTwilio() as fake: ...``); ``tests.fakes.plugin``
offers them as pytest fixtures. See each module's docstring for its script and records.
"""

from tests.fakes.base import ANY, TIMEOUT, Recorded, Reply, free_port
from tests.fakes.sendgrid import EventWebhookSigner, FakeSendGrid
from tests.fakes.smtp import SmtpSink
from tests.fakes.twilio import FakeTwilio, TwilioSigner
from tests.fakes.webhook_receiver import WebhookReceiver, verify_signature

__all__ = [
    "ANY",
    "TIMEOUT",
    "EventWebhookSigner",
    "FakeSendGrid",
    "FakeTwilio",
    "Recorded",
    "Reply",
    "SmtpSink",
    "TwilioSigner",
    "WebhookReceiver",
    "free_port",
    "verify_signature",
]
