"""The demo has one vendor source, served by the demo itself (so it works offline) and
shown as such: polling it over HTTP from the running app marks the demo's card processor
as reported by the fictional vendor, and the vendor's incident joins the demo's open
incident (the same slowness) as a signal seen, not a second suggested incident."""

from __future__ import annotations

import html
import threading

from sqlalchemy import select
from werkzeug.serving import make_server

from app.demo import seed_demo
from app.demo import vendor as demo_vendor
from app.models import Component, Incident, IncidentSignal, SuggestedIncident, VendorSource
from app.signals.polling import poll_due
from app.signals.vendors import handle
from core.db import db
from core.time import utcnow
from tests.signals.vendor_world import ensure_suggestions_can_be_notified


def test_the_demo_serves_and_reads_its_own_vendor(app, staff, make_user):
    ensure_suggestions_can_be_notified()
    seed_demo()
    (source,) = db.session.scalars(select(VendorSource)).all()
    assert source.is_demo and source.name == "Kestrel Pay"  # not a name like "Acme Corp"
    assert source.url == "https://status.example.com/demo/vendor/api/v2/summary.json"

    demo_vendor.install(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        demo_vendor.point_demo_sources_at(f"http://127.0.0.1:{server.server_port}")
        assert poll_due(VendorSource, handle, now=utcnow()) == 1
    finally:
        server.shutdown()
    db.session.expire_all()
    source = db.session.get(VendorSource, source.id)
    assert source.poll_state == "ok", source.last_error
    assert {"name": "Card Network", "status": "degraded_performance"} in source.snapshot[
        "components"
    ]
    processor = db.session.scalar(select(Component).where(Component.name == "Card processor"))
    assert processor.status == "degraded_performance"

    listed = html.unescape(
        staff(make_user("admin", email="walker@example.com"))
        .get("/admin/vendor-sources")
        .get_data(as_text=True)
    )
    assert "served by this demo" in listed
    public = html.unescape(app.test_client().get("/").get_data(as_text=True))
    assert "Reported by Kestrel Pay" in public

    # The vendor's slowness is the open incident's: it joins it, no second suggestion.
    vendor_suggestions = select(SuggestedIncident).where(SuggestedIncident.origin == "vendor")
    assert db.session.scalars(vendor_suggestions).all() == []
    [seen] = db.session.scalars(select(IncidentSignal)).all()
    incident = db.session.get(Incident, seen.incident_id)
    assert incident.name == "Slower card authorisations in the EU"
    assert seen.origin == "vendor" and seen.name.endswith("Slower card authorisations in Europe")
    assert {link.component.name for link in incident.affected} >= {
        "Card payments",
        "Card processor",
    }


def test_staff_change_what_the_demo_vendor_reports_and_it_flows_through(
    app, staff, make_user, tmp_path
):
    """Found by a new user: the demo vendor always reported the same, so a vendor's change
    could not be watched without serving a page of one's own."""
    app.instance_path = str(tmp_path)  # the state file, never the checkout's instance
    demo_vendor.install(app)  # before any request, as herald demo does
    ensure_suggestions_can_be_notified()
    seed_demo()
    (source,) = db.session.scalars(select(VendorSource)).all()
    admin = staff(make_user("admin", email="walker@example.com"))
    page = html.unescape(admin.get(f"/admin/vendor-sources/{source.id}").get_data(as_text=True))
    assert "Demo: make Kestrel Pay report its Card Network as" in page
    processor = db.session.scalar(select(Component).where(Component.name == "Card processor"))

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        demo_vendor.point_demo_sources_at(f"http://127.0.0.1:{server.server_port}")
        # Recovered, the processor shows what the demo's open incident states of it.
        for state, shown in (
            ("major_outage", "major_outage"),
            ("operational", "degraded_performance"),
        ):
            changed = admin.post(
                f"/admin/vendor-sources/{source.id}/demo-status", {"status": state}
            )
            assert changed.status_code == 302
            assert poll_due(VendorSource, handle, now=utcnow()) == 1  # due at once
            db.session.expire_all()
            assert db.session.get(Component, processor.id).status == shown
            read = db.session.get(VendorSource, source.id).snapshot["components"]
            assert {"name": "Card Network", "status": state} in read
    finally:
        server.shutdown()
    # A bad status, a missing token or a viewer changes nothing.
    bad = admin.post(f"/admin/vendor-sources/{source.id}/demo-status", {"status": "sideways"})
    assert bad.status_code == 400 and demo_vendor.demo_state() == "operational"
    assert admin.post(f"/admin/vendor-sources/{source.id}/demo-status").status_code == 400
    viewer = staff(make_user("viewer"))
    url = f"/admin/vendor-sources/{source.id}/demo-status"
    refused = viewer.post(url, {"status": "major_outage"})
    assert refused.status_code == 403 and demo_vendor.demo_state() == "operational"
