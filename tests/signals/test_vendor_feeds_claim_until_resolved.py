"""RSS 2.0 and Atom status feeds, read with feedparser: the whole vendor is one pseudo
component "*"; the latest entry of each incident counts; an unresolved one claims the
stated impact (degraded performance by default) until an entry says it is resolved."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.models import Component, SuggestedIncident, VendorSource
from app.signals.claims import claims_on
from app.signals.polling import poll_due
from app.signals.vendor_parse import parse_feed
from app.signals.vendors import create_source, handle
from core.db import db
from core.time import utcnow
from tests.signals.vendor_fake import FakeVendor, atom_feed, rss_feed
from tests.signals.vendor_world import ensure_suggestions_can_be_notified

RSS = "/history.rss"
ATOM = "/history.atom"
NIMBUS_INCIDENT = "https://status.nimbus.example/incidents/7781"


def rss_entry(title, description, date, link=NIMBUS_INCIDENT):
    return {"title": title, "description": description, "link": link, "date": date}


@pytest.fixture
def vendor():
    with FakeVendor() as fake:
        yield fake


def status_of(name: str) -> str:
    db.session.expire_all()
    return db.session.scalar(select(Component.status).where(Component.name == name))


def test_an_rss_feed_claims_the_stated_impact_until_resolved(app, vendor, make_component):
    ensure_suggestions_can_be_notified()
    storage = make_component("File storage")
    vendor.documents[RSS] = rss_feed(
        [
            rss_entry(
                "Resolved: Slow uploads in eu-west",
                "This incident has been resolved.",
                "Sun, 06 Dec 2026 10:00:00 GMT",
                link="https://status.nimbus.example/incidents/7700",
            ),
            rss_entry(
                "Slow uploads in eu-west",
                "We are investigating slow uploads.",
                "Sun, 06 Dec 2026 09:00:00 GMT",
                link="https://status.nimbus.example/incidents/7700",
            ),
        ]
    )
    source = create_source(
        None, name="Nimbus Cloud", url=vendor.url + RSS, kind="feed", components={"*": storage.id}
    )
    db.session.commit()
    now = utcnow()
    poll_due(VendorSource, handle, now=now)
    assert status_of("File storage") == "operational"
    assert source.snapshot["components"] == [{"name": "*", "status": "operational"}]
    assert source.snapshot["incidents"] == []

    vendor.documents[RSS] = rss_feed(
        [
            rss_entry(
                "Object storage major outage in eu-west",
                "<p>Requests to object storage <b>fail</b> in eu-west.</p>",
                "Mon, 07 Dec 2026 08:00:00 GMT",
            ),
            rss_entry(
                "Resolved: Slow uploads in eu-west",
                "This incident has been resolved.",
                "Sun, 06 Dec 2026 10:00:00 GMT",
                link="https://status.nimbus.example/incidents/7700",
            ),
        ]
    )
    poll_due(VendorSource, handle, now=now + timedelta(minutes=2))
    assert status_of("File storage") == "major_outage"
    (signal,) = claims_on(storage.id)
    assert signal.reason == "Reported by Nimbus Cloud" and signal.link == NIMBUS_INCIDENT
    (suggested,) = db.session.scalars(select(SuggestedIncident)).all()
    assert suggested.name == "Object storage major outage in eu-west"
    assert suggested.impact == "major"
    assert "Requests to object storage fail in eu-west." in suggested.facts
    assert "<b>" not in suggested.facts

    vendor.documents[RSS] = rss_feed(
        [
            rss_entry(
                "[Resolved] Object storage major outage in eu-west",
                "Service is restored.",
                "Mon, 07 Dec 2026 09:00:00 GMT",
            ),
            rss_entry(
                "Object storage major outage in eu-west",
                "Requests to object storage fail in eu-west.",
                "Mon, 07 Dec 2026 08:00:00 GMT",
            ),
        ]
    )
    poll_due(VendorSource, handle, now=now + timedelta(minutes=4))
    assert status_of("File storage") == "operational"
    assert claims_on(storage.id) == []


def test_an_atom_entry_without_a_stated_impact_means_degraded_performance(
    app, vendor, make_component
):
    ensure_suggestions_can_be_notified()
    mail = make_component("Outgoing email")
    link = "https://status.relaymail.example/incidents/01HX"
    vendor.documents[ATOM] = atom_feed(
        [
            {
                "id": "tag:status.relaymail.example,2026:Incident/01HX/2",
                "title": "Delays delivering to some providers",
                "content": "<p><small>Dec <var>7</var></small><br><strong>Identified</strong>"
                " - Messages are queued and will be delivered.</p>",
                "link": link,
                "updated": "2026-12-07T08:20:00Z",
            },
            {
                "id": "tag:status.relaymail.example,2026:Incident/01HX/1",
                "title": "Delays delivering to some providers",
                "content": "<strong>Investigating</strong> - We are looking into it.",
                "link": link,
                "updated": "2026-12-07T08:00:00Z",
            },
        ]
    )
    create_source(
        None, name="Relay Mail", url=vendor.url + ATOM, kind="feed", components={"*": mail.id}
    )
    db.session.commit()
    poll_due(VendorSource, handle, now=utcnow())
    assert status_of("Outgoing email") == "degraded_performance"
    source = db.session.scalar(select(VendorSource))
    (incident,) = source.snapshot["incidents"]
    assert incident["link"] == link and incident["updated_at"] == "2026-12-07T08:20:00Z"
    assert incident["text"].startswith("Dec 7 Identified - Messages are queued")


def test_resolution_words_and_stated_impacts_are_read_from_titles_and_bodies():
    def one(title, body="", when="Mon, 07 Dec 2026 08:00:00 GMT"):
        parsed = parse_feed(rss_feed([rss_entry(title, body, when)]))
        return parsed["components"][0]["status"]

    assert one("Partial outage of the API") == "partial_outage"
    assert one("Scheduled maintenance: database upgrade") == "under_maintenance"
    assert one("Elevated error rates") == "degraded_performance"
    assert one("Investigating login issues") == "degraded_performance"
    assert one("[Resolved] Login issues") == "operational"
    assert one("Completed: database upgrade") == "operational"
    assert one("Login issues", "<strong>Resolved</strong> - All good now.") == "operational"


def test_documents_that_are_not_feeds_are_refused_with_a_reason():
    for body in (b"", b"<html><body>Our status</body></html>", b'{"components": []}'):
        with pytest.raises(ValueError, match="not an RSS or Atom feed"):
            parse_feed(body)
