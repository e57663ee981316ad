"""Helpers for the communications screen tests."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.admin import utc_to_local_input
from app.models import Draft, FactSheet, utcnow
from core.db import db
from tests.forms import form_fields

DATETIME_INPUT = "%Y-%m-%dT%H:%M"
CUSTOMERS_TEXT = (
    "We're sorry: some card payments fail. Paying by bank transfer works. "
    "We will post the next update within the hour."
)
ENGINEERING_TEXT = (
    "Card processor answers 502 to 9% of requests; retries exhaust the pool. "
    "Next update within the hour."
)


def local_input(minutes_from_now: int) -> str:
    """A datetime-local value (page time zone) so many minutes from now."""
    return utc_to_local_input(utcnow() + timedelta(minutes=minutes_from_now)).strftime(
        DATETIME_INPUT
    )


def latest_sheet() -> FactSheet:
    db.session.expire_all()
    return db.session.scalar(select(FactSheet).order_by(FactSheet.id.desc()))


def draft_of(sheet: FactSheet, audience: str) -> Draft:
    db.session.expire_all()
    return next(d for d in sheet.drafts if d.audience_key == audience)


def sheet_url(sheet: FactSheet) -> str:
    return f"/admin/fact-sheets/{sheet.public_id}"


def publish(client, sheet: FactSheet, **kwargs):
    """Press "Publish", then confirm the figures the confirmation page repeats, as a
    person does; returns the confirmed post's response."""
    url = f"{sheet_url(sheet)}/publish"
    asked = client.post(url)
    assert asked.status_code == 200, asked.status_code
    data = form_fields(asked.get_data(as_text=True), url)
    assert data.get("confirmed"), "the confirmation page carries the figures"
    return client.post(url, data=data, **kwargs)
