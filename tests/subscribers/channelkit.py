"""Messages and recipients for the channel tests (which drive the real channel classes
against the local fakes in tests/fakes)."""

from __future__ import annotations

from subscribers.channels.base import Content, Outgoing

PUBLIC_URL = "https://status.example.com"  # the app fixture's HERALD_PUBLIC_URL
SECRET = "whsec-test-secret"


def content(**overrides) -> Content:
    values = {
        "broadcast_id": 7,
        "kind": "incident",
        "subject": "[Investigating] API errors",
        "text": "We are looking into API errors.\n\n"
        "Manage: [%manage_url%]\nUnsubscribe: [%unsubscribe_url%]\n",
        "html": '<p>We are looking into API errors.</p><p><a href="[%manage_url%]">Manage</a> '
        '· <a href="[%unsubscribe_url%]">Unsubscribe</a></p>',
        "sms": "Herald Status: API errors (Investigating). Manage: [%manage_url%] "
        "Reply STOP to opt out.",
        "webhook_payload": {
            "page": {"id": "herald"},
            "incident": {"id": "inc123", "name": "API errors", "status": "investigating"},
        },
    }
    values.update(overrides)
    return Content(**values)


def outgoing(addresses: list[str], start: int = 1, secret: str = SECRET) -> list[Outgoing]:
    """One claimed delivery per address: ids from ``start``, tokens ``token-<id>``."""
    return [
        Outgoing(
            delivery_id=start + n,
            subscriber_id=1000 + start + n,
            address=address,
            token=f"token-{start + n}",
            secret=secret,
            attempts=1,
        )
        for n, address in enumerate(addresses)
    ]


def emails(count: int, start: int = 1) -> list[str]:
    return [f"person{n}@example.com" for n in range(start, start + count)]


def phones(count: int, start: int = 1) -> list[str]:
    return [f"+1415555{n:04d}" for n in range(start, start + count)]


def unsubscribe(token: str) -> str:
    return f"{PUBLIC_URL}/unsubscribe/{token}"


def manage(token: str) -> str:
    return f"{PUBLIC_URL}/subscriptions/{token}"


def bulk_subscribers(count: int, channel: str = "email", audience: str = "customers") -> None:
    """Insert ``count`` active subscribers in one statement (faster than the registry)."""
    from sqlalchemy import insert

    from core.db import db
    from subscribers.audiences import get_audience
    from subscribers.models import Subscriber

    audience_id = get_audience(audience).id
    address = emails if channel == "email" else phones
    db.session.execute(
        insert(Subscriber),
        [
            {
                "channel": channel,
                "address": a,
                "audience_id": audience_id,
                "state": "active",
                "link_id": f"bulk-link-{n}",
                "source": "staff",
            }
            for n, a in enumerate(address(count))
        ],
    )
    db.session.commit()
