"""The channel registry: which implementation serves each channel under the settings."""

from __future__ import annotations

import os
from email.utils import formataddr

from flask import Flask

from subscribers.channels.base import Channel
from subscribers.ratelimit import SegmentPace


def sender(app: Flask) -> str:
    """The From header: the page's name with HERALD_MAIL_FROM unless it names itself."""
    address = app.config["MAIL_FROM"]
    return address if "<" in address else formataddr((app.config["PAGE_NAME"], address))


def _email(app: Flask) -> Channel:
    config = app.config
    backend = config["EMAIL_BACKEND"]
    timeout = config["PROVIDER_TIMEOUT"]
    if backend == "smtp":
        from subscribers.channels.email_smtp import SmtpEmail

        return SmtpEmail(
            config["SMTP_HOST"],
            config["SMTP_PORT"],
            sender(app),
            username=config["SMTP_USERNAME"],
            password=config["SMTP_PASSWORD"],
            starttls=config["SMTP_STARTTLS"],
            timeout=timeout,
            batch_size=config["SMTP_BATCH"],
        )
    if backend == "sendgrid":
        from subscribers.channels.email_sendgrid import SendGridEmail

        return SendGridEmail(
            config["SENDGRID_API_KEY"],
            config["SENDGRID_HOST"],
            sender(app),
            timeout=timeout,
        )
    from subscribers.channels.email_file import FileEmail

    return FileEmail(os.path.join(app.instance_path, "outbox"), sender(app))


def sms_limiter(app: Flask) -> SegmentPace:
    """The SMS pace: counted in Redis when Celery runs on Redis (one pace for every
    worker), else in this process (the embedded worker: one leader sends at a time)."""
    rate = app.config["SMS_RATE"]
    broker = app.config.get("CELERY_BROKER_URL") or ""
    return SegmentPace(
        rate, broker if broker.startswith(("redis://", "rediss://")) else "memory://"
    )


def sms_batch_size(rate: float, lease_seconds: float, limit: int = 100) -> int:
    """A batch that can be paced out well within its lease: at one segment a second and
    a 120 s lease, 30 texts of two segments take a minute, half the lease."""
    if rate <= 0:
        return limit
    return max(1, min(limit, int(rate * lease_seconds / 4)))


def _sms(app: Flask) -> Channel:
    config = app.config
    if config["SMS_BACKEND"] == "twilio":
        from subscribers.channels.sms import TwilioSms

        channel = TwilioSms(
            config["TWILIO_ACCOUNT_SID"],
            config["TWILIO_AUTH_TOKEN"],
            sender=config["TWILIO_FROM"],
            messaging_service_sid=config["TWILIO_MESSAGING_SERVICE_SID"],
            api_base=config["TWILIO_API_BASE"],
            timeout=config["PROVIDER_TIMEOUT"],
            status_callback=f"{config['PUBLIC_URL']}/webhooks/twilio/status",
            limiter=sms_limiter(app),
            # Pacing to a low rate gains nothing from parallel requests.
            concurrency=config["SMS_CONCURRENCY"]
            if config["SMS_RATE"] == 0 or config["SMS_RATE"] >= 5
            else 1,
        )
        channel.batch_size = sms_batch_size(config["SMS_RATE"], config["DELIVERY_LEASE_SECONDS"])
        return channel
    from subscribers.channels.sms import LogSms

    return LogSms(os.path.join(app.instance_path, "sms.log"))


def _webhook(app: Flask) -> Channel:
    from subscribers.channels.webhook import Webhook

    config = app.config
    return Webhook(
        timeout=config["PROVIDER_TIMEOUT"],
        allow_private=config["WEBHOOK_ALLOW_PRIVATE"],
        verify=config["WEBHOOK_CA_BUNDLE"] or True,
        concurrency=config["WEBHOOK_CONCURRENCY"],
    )


def _slack(app: Flask) -> Channel:
    from subscribers.channels.slack import Slack

    return Slack(app.config)


def _chat_webhook(app: Flask) -> Channel:
    from subscribers.channels.chat_webhook import ChatWebhook

    config = app.config
    return ChatWebhook(
        timeout=config["PROVIDER_TIMEOUT"],
        allow_private=config["WEBHOOK_ALLOW_PRIVATE"],
        verify=config["WEBHOOK_CA_BUNDLE"] or True,
        concurrency=config["WEBHOOK_CONCURRENCY"],
        admin_url=f"{config['PUBLIC_URL']}/admin",
    )


FACTORIES = {
    "email": _email,
    "sms": _sms,
    "webhook": _webhook,
    "slack": _slack,
    "chat_webhook": _chat_webhook,
}


def channels_for(app: Flask, only: str | None = None) -> dict[str, Channel]:
    """One instance per channel for a worker; call ``close()`` on each when done."""
    return {
        kind: factory(app) for kind, factory in FACTORIES.items() if only is None or kind == only
    }
