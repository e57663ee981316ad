"""A component claimed by a vendor says "Reported by <vendor>" on the public page, with
a link to the vendor's incident; the cached page follows a change of link alone; an
alert's (non-public) claim is not shown there."""

from __future__ import annotations

import html

from app.signals.claims import claim
from core.db import db


def public_page(client) -> str:
    return html.unescape(client.get("/").get_data(as_text=True))


def test_the_public_page_names_the_vendor_and_links_its_incident(client, make_component):
    payments = make_component("Payments")
    make_component("Dashboard")
    assert "Reported by" not in public_page(client)

    claim(
        payments,
        "vendor:1",
        "partial_outage",
        reason="Reported by Acme Payments",
        link="https://stspg.example/inc42",
        public=True,
    )
    db.session.commit()
    page = public_page(client)
    link = '<a href="https://stspg.example/inc42" rel="noopener noreferrer">'
    assert link + "Reported by Acme Payments</a>" in page

    # The vendor moved its incident page: the cached page follows.
    claim(
        payments,
        "vendor:1",
        "partial_outage",
        reason="Reported by Acme Payments",
        link="https://stspg.example/inc43",
        public=True,
    )
    db.session.commit()
    page = public_page(client)
    assert "https://stspg.example/inc43" in page and "inc42" not in page

    claim(payments, "vendor:1", "operational", reason="")
    db.session.commit()
    assert "Reported by" not in public_page(client)


def test_internal_claims_and_odd_links_are_not_shown_publicly(client, make_component):
    api = make_component("API")
    claim(
        api,
        "alert:7",
        "major_outage",
        reason="Alert: HighErrorRate",
        link="https://grafana.internal/x",
    )
    claim(
        api,
        "vendor:2",
        "degraded_performance",
        reason="Reported by Nimbus",
        link="javascript:alert(1)",
        public=True,
    )
    db.session.commit()
    page = public_page(client)
    assert "HighErrorRate" not in page and "grafana.internal" not in page
    assert "Reported by Nimbus" in page and "javascript:" not in page
