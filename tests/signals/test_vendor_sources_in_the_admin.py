"""The admin's vendor sources: a list with state, last error and "stale" in plain words,
an add/edit form whose mapping lines are checked, a detail view of what the vendor
says, and deletion after a confirmation — all with CSRF."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import select

from app.models import ComponentSignal, VendorSource
from app.signals.polling import poll_due
from app.signals.vendors import handle
from core.db import db
from core.time import utcnow
from tests.signals.vendor_fake import FakeVendor, statuspage_summary
from tests.signals.vendor_world import ensure_suggestions_can_be_notified

PATH = "/api/v2/summary.json"


@pytest.fixture
def vendor():
    with FakeVendor() as fake:
        fake.documents[PATH] = statuspage_summary(
            {"Card Authorisation": "major_outage", "Dashboard": "operational"},
            [
                {
                    "id": "inc1",
                    "name": "Card payments failing",
                    "impact": "critical",
                    "components": ["Card Authorisation"],
                    "updates": [("investigating", "Looking.", "2026-12-07T08:00:00Z")],
                }
            ],
        )
        yield fake


def page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_an_admin_adds_reads_edits_and_deletes_a_source(staff, make_user, make_component, vendor):
    ensure_suggestions_can_be_notified()
    make_component("Payments")
    make_component("Dashboard")
    admin = staff(make_user("admin"))
    assert admin.get("/admin/vendor-sources/new").status_code == 200

    added = admin.post(
        "/admin/vendor-sources/new",
        {
            "name": "Acme Payments",
            "kind": "statuspage",
            "url": vendor.url + PATH,
            "mapping": "Card Authorisation = Payments\n\n# comment\nDashboard=Dashboard",
            "poll_seconds": "60",
        },
    )
    assert added.status_code == 302, page(added)
    source = db.session.scalar(select(VendorSource))
    assert set(source.component_map) == {"Card Authorisation", "Dashboard"}

    listed = page(admin.get("/admin/vendor-sources"))
    assert "Acme Payments" in listed and "not read yet" in listed
    assert "Card Authorisation → Payments" in listed
    assert 'href="/admin/vendor-sources"' in listed  # in the navigation

    poll_due(VendorSource, handle, now=utcnow())
    detail = page(admin.get(f"/admin/vendor-sources/{source.id}"))
    assert "Card payments failing" in detail and "https://stspg.example/inc1" in detail
    assert "Major outage" in detail

    form = page(admin.get(f"/admin/vendor-sources/{source.id}/edit"))
    assert "Card Authorisation = Payments" in form
    edited = admin.post(
        f"/admin/vendor-sources/{source.id}/edit",
        {
            "name": "Acme",
            "kind": "statuspage",
            "url": vendor.url + PATH,
            "mapping": "Card Authorisation = Payments",
            "poll_seconds": "120",
            "enabled": "y",
        },
    )
    assert edited.status_code == 302, page(edited)
    db.session.expire_all()
    assert db.session.get(VendorSource, source.id).name == "Acme"
    assert "not among the components" not in page(admin.get(edited.headers["Location"]))

    # A vendor component the vendor did not list is saved with a warning (found by a new
    # user: "Objet Storage" saved without a word).
    typo = admin.post(
        f"/admin/vendor-sources/{source.id}/edit",
        {
            "name": "Acme",
            "kind": "statuspage",
            "url": vendor.url + PATH,
            "mapping": "Card Authorisaton = Payments",
            "poll_seconds": "120",
            "enabled": "y",
        },
    )
    assert typo.status_code == 302
    warned = page(admin.get(typo.headers["Location"]))
    assert "“Card Authorisaton” is not among the components Acme listed when last read" in warned
    assert "Check the spelling." in warned
    # The source's page keeps saying so (found by a later new user, who added it new).
    shown = page(admin.get(f"/admin/vendor-sources/{source.id}"))
    assert 'id="unknown-vendor-components"' in shown and "“Card Authorisaton”" in shown

    confirm = page(admin.get(f"/admin/vendor-sources/{source.id}/delete"))
    assert "Delete the vendor source “Acme”?" in confirm and "Payments" in confirm
    no_token = admin.client.post(f"/admin/vendor-sources/{source.id}/delete", data={})
    assert no_token.status_code == 400
    assert db.session.get(VendorSource, source.id) is not None
    deleted = admin.post(f"/admin/vendor-sources/{source.id}/delete")
    assert deleted.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(VendorSource)) is None
    assert db.session.scalar(select(ComponentSignal)) is None


@pytest.mark.parametrize(
    "mapping, message",
    [
        ("Card Authorisation", "write “Vendor component = Herald component”"),
        ("Card = Nowhere", "No Herald component 'Nowhere'"),
        ("Card = Paymnets", "No Herald component 'Paymnets' (closest: Payments)."),
    ],
)
def test_a_bad_mapping_is_refused_with_a_reason(staff, make_user, make_component, mapping, message):
    make_component("Payments")
    admin = staff(make_user("admin"))
    response = admin.post(
        "/admin/vendor-sources/new",
        {
            "name": "Acme",
            "kind": "statuspage",
            "url": "https://status.acme.example/api/v2/summary.json",
            "mapping": mapping,
            "poll_seconds": "60",
        },
    )
    assert response.status_code == 400
    assert message in page(response)
    assert db.session.scalar(select(VendorSource)) is None


def test_a_stale_source_is_shown_plainly_with_its_error(staff, make_user, make_component, vendor):
    from app.signals.vendors import create_source

    create_source(None, name="Acme", url=vendor.url + PATH, components={})
    db.session.commit()
    vendor.mode[PATH] = ("status", 500)
    at = utcnow()
    for _ in range(3):
        poll_due(VendorSource, handle, now=at)
        db.session.expire_all()
        at = db.session.scalar(select(VendorSource)).next_poll_at
    listed = page(staff(make_user("viewer")).get("/admin/vendor-sources"))
    assert "stale" in listed and "Last error: The server answered HTTP 500." in listed
    assert "Add a vendor source" not in listed  # a viewer only reads


def test_viewers_cannot_change_sources(staff, make_user):
    viewer = staff(make_user("viewer"))
    assert viewer.get("/admin/vendor-sources/new").status_code == 403
    assert viewer.post("/admin/vendor-sources/new", {"name": "X"}).status_code == 403


def test_a_stale_sources_statuses_say_so_where_staff_read_them(
    staff, make_user, make_component, vendor
):
    """Found by a new user: a stale vendor's outage looked live on the internal page and
    the component's page; only the source's own page said it was stale."""
    from app.signals.vendors import create_source

    payments = make_component("Payments")
    create_source(
        None, name="Acme", url=vendor.url + PATH, components={"Card Authorisation": payments.id}
    )
    db.session.commit()
    responder = staff(make_user("responder"))
    at = utcnow()
    poll_due(VendorSource, handle, now=at)
    db.session.expire_all()
    internal = page(responder.get("/internal"))
    assert "Reported by Acme" in internal and "is not answering" not in internal
    vendor.mode[PATH] = ("status", 500)
    for _ in range(3):
        at = db.session.scalar(select(VendorSource)).next_poll_at
        poll_due(VendorSource, handle, now=at)
        db.session.expire_all()
    assert db.session.scalar(select(VendorSource)).poll_state == "stale"
    # The cached internal page turned over; the statuses are kept, said to be old.
    internal = page(responder.get("/internal"))
    assert "Acme is not answering: last read " in internal and "kept as then" in internal
    component = page(staff(make_user("admin")).get(f"/admin/components/{payments.id}"))
    assert "Acme is not answering: last read " in component
