"""Golden files for what subscribers read: the subject, text, HTML and SMS bodies of each
kind of notification, as written to the Broadcast row (with the [%unsubscribe_url%] and
[%manage_url%] placeholders that each recipient's links replace).

Volatile parts (public ids, signed tokens, codes) are normalised before comparing.
``HERALD_UPDATE_GOLDEN=1 pytest tests/subscribers/test_golden.py`` rewrites the files;
review the diff before committing it.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

import pytest
from sqlalchemy import select

from app.incidents.services import declare_incident
from app.maintenance.services import schedule_maintenance, send_maintenance_reminders
from core.db import db
from subscribers import registry
from subscribers.channels.base import Outgoing
from subscribers.channels.email_file import FileEmail
from subscribers.channels.segments import encoding, segment_count
from subscribers.channels.sms import sms_text
from subscribers.fanout import ContentCache
from subscribers.models import Broadcast

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
UPDATE = os.environ.get("HERALD_UPDATE_GOLDEN", "") == "1"
HEADER = (
    "# Golden file: the exact parts of one notification (see tests/subscribers/"
    "test_golden.py).\n# Rewrite with HERALD_UPDATE_GOLDEN=1 and review the diff.\n"
)
SECTION = re.compile(r"^=== (\w+) ===\n", re.MULTILINE)
START = datetime(2099, 6, 4, 10, 0, tzinfo=UTC)  # a fixed maintenance window


@pytest.fixture(autouse=True)
def fixed_settings(app):
    """What the bodies show of the settings, whatever HERALD_* the environment sets."""
    app.config.update(PAGE_NAME="Herald Status", TIME_ZONE="Etc/UTC", PAGE_ID="herald")


def parts_of(broadcast: Broadcast, replacements: dict[str, str]) -> dict[str, str]:
    parts = {
        "subject": broadcast.subject,
        "text": broadcast.text_body,
        "html": broadcast.html_body,
        "sms": broadcast.sms_body,
    }
    return {name: normalise(value, replacements) for name, value in parts.items()}


def normalise(text: str, replacements: dict[str, str]) -> str:
    for value, placeholder in replacements.items():
        text = text.replace(value, placeholder)
    text = re.sub(r"/subscribe/confirm/[\w.\-]+", "/subscribe/confirm/<CONFIRM_TOKEN>", text)
    text = re.sub(r"\bcode \d{6}\b", "code <CODE>", text)
    return re.sub(r"\b\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)?", "<TIME>", text)


def write(parts: dict[str, str]) -> str:
    return HEADER + "".join(f"=== {name} ===\n{value}\n" for name, value in parts.items())


def read(text: str) -> dict[str, str]:
    pieces = SECTION.split(text)[1:]
    return {name: value[:-1] for name, value in zip(pieces[::2], pieces[1::2], strict=True)}


def check(name: str, parts: dict[str, str]) -> None:
    path = GOLDEN / f"{name}.txt"
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(write(parts), encoding="utf-8")
    if not path.exists():
        pytest.fail(f"{path} is missing: run with HERALD_UPDATE_GOLDEN=1 to write it")
    expected = read(path.read_text(encoding="utf-8"))
    assert list(expected) == list(parts), f"{name}: sections differ"
    for section, value in parts.items():
        assert value == expected[section], f"{name}: the {section} differs from {path.name}"


def broadcast_by_kind(kind: str) -> Broadcast:
    return db.session.scalar(select(Broadcast).where(Broadcast.kind == kind))


@pytest.fixture
def incident(make_component, audiences):
    payments = make_component("Card payments")
    checkout = make_component("Checkout & refunds")
    incident = declare_incident(
        None,
        "Card payments failing",
        "major",
        {payments: "partial_outage", checkout: "degraded_performance"},
        body="We are **investigating** failed card payments at checkout.\n\n"
        "Retrying after a few minutes usually works; see [our guide](https://example.com/pay).",
        reviewed=True,
    )
    db.session.commit()
    return incident


def test_incident_update(incident):
    parts = parts_of(broadcast_by_kind("incident"), {incident.public_id: "<INCIDENT_ID>"})
    check("incident_update", parts)


def test_maintenance_notice_and_reminder(make_component, audiences):
    database = make_component("Database")
    maintenance = schedule_maintenance(
        None,
        "Database upgrade",
        START,
        START + timedelta(hours=2),
        [database],
        body="We are upgrading the **primary database**. Expect short read-only periods.",
    )
    db.session.commit()
    assert send_maintenance_reminders(START - timedelta(minutes=30)) == 1
    db.session.commit()
    replacements = {maintenance.public_id: "<MAINTENANCE_ID>"}
    sent = db.session.scalars(
        select(Broadcast).where(Broadcast.kind == "maintenance").order_by(Broadcast.id)
    ).all()
    # Customers, support and engineering each get the notice from their own template;
    # the reminder an hour before goes to customers.
    by_source = {
        b.source.rsplit(":", 1)[-1] if "reminder" not in b.source else "reminder": b for b in sent
    }
    assert set(by_source) == {"customers", "support", "engineering", "reminder"}
    notice, reminder = by_source["customers"], by_source["reminder"]
    assert reminder.source.startswith("maintenance_reminder:")
    assert by_source["support"].text_body != notice.text_body
    # The window's en dash would make the text message UCS-2 (three segments, not two).
    assert [encoding(b.sms_body) for b in (notice, reminder)] == ["GSM-7", "GSM-7"]
    assert segment_count(reminder.sms_body) <= 2
    check("maintenance_notice", parts_of(notice, replacements))
    check("maintenance_reminder", parts_of(reminder, replacements))


def test_email_confirmation(audiences):
    subscriber = registry.subscribe("email", "Ann@Example.com")
    db.session.commit()
    broadcast = broadcast_by_kind("confirm_email")
    assert broadcast.subscriber_id == subscriber.id
    check("confirm_email", parts_of(broadcast, {}))


def test_sms_confirmation(audiences):
    subscriber = registry.subscribe("sms", "+44 7911 123456")
    db.session.commit()
    broadcast = broadcast_by_kind("confirm_sms")
    assert broadcast.subscriber_id == subscriber.id
    assert segment_count(broadcast.sms_body) == 1
    check("confirm_sms", parts_of(broadcast, {}))


def test_staff_added_notice(audiences):
    subscriber, created = registry.add_internal("email", "ops@example.com", "engineering")
    db.session.commit()
    broadcast = broadcast_by_kind("added_notice")
    assert created and broadcast.subscriber_id == subscriber.id
    check("added_notice", parts_of(broadcast, {}))


def test_the_incident_email_as_sent_has_the_golden_parts(incident, app, tmp_path):
    """The .eml a subscriber gets: the golden text and HTML with their own links."""
    broadcast = broadcast_by_kind("incident")
    content = ContentCache().get(broadcast.id)
    item = Outgoing(1, 1, "ann@example.com", "TOKEN", "", 1)
    FileEmail(str(tmp_path), "Herald Status <status@example.com>").send(content, [item])
    raw = (tmp_path / "000000001.eml").read_bytes()
    message = message_from_bytes(raw, policy=default_policy)

    expected = read((GOLDEN / "incident_update.txt").read_text(encoding="utf-8"))
    links = {
        "[%unsubscribe_url%]": "https://status.example.com/unsubscribe/TOKEN",
        "[%manage_url%]": "https://status.example.com/subscriptions/TOKEN",
    }
    replacements = {incident.public_id: "<INCIDENT_ID>"}
    assert message["Subject"] == expected["subject"]
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    html = message.get_body(("html",)).get_content().replace("\r\n", "\n")
    # The MIME parts (CRLF on the wire) end with a newline; the rest is the golden body.
    assert normalise(text, replacements) == normalise(expected["text"], links).rstrip("\n") + "\n"
    assert normalise(html, replacements) == normalise(expected["html"], links).rstrip("\n") + "\n"
    assert message["List-Unsubscribe"] == f"<{links['[%unsubscribe_url%]']}>"
    sms = sms_text(content, item)
    assert normalise(sms, replacements) == normalise(expected["sms"], links)


def test_a_long_update_s_sms_stays_within_two_segments(make_component, audiences):
    api = make_component("API")
    long_body = "We are investigating errors on the public API. " * 20
    declare_incident(
        None, "API errors", "minor", {api: "major_outage"}, body=long_body, reviewed=True
    )
    db.session.commit()
    sms = broadcast_by_kind("incident").sms_body
    assert sms.startswith("Herald Status: API errors (Investigating): We are investigating")
    assert sms.endswith(" Reply STOP to opt out.") and "/incidents/" in sms
    assert segment_count(sms) <= 2, f"{segment_count(sms)} segments: {sms!r}"
