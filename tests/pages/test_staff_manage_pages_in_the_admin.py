"""Staff create, edit and delete private pages in the admin, invite and remove viewers and
make read tokens; bad input is refused with a clear message and changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.models import PageViewer, PrivatePage
from core.db import db
from subscribers.models import Audience
from tests.snapshot import snapshot


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def admin(make_user, staff):
    return staff(make_user("comms_lead"))


def test_staff_create_a_page_with_a_hidden_component(admin, parts):
    response = admin.post(
        "/admin/pages",
        data={
            "name": "Acme Corp",
            "slug": "acme",
            "components": [str(parts["api"].id), str(parts["ledger"].id)],
        },
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(
        "/admin/pages/acme"
    )
    page = db.session.scalar(select(PrivatePage))
    assert page.name == "Acme Corp"
    assert {c.name for c in page.components} == {"Checkout API", "Partner ledger"}
    listing = admin.get("/admin/pages").get_data(as_text=True)
    assert "Acme Corp" in listing and "/p/acme" in listing


@pytest.mark.parametrize(
    ("slug", "components", "message"),
    [
        ("Acme", ["api"], "lower-case letters"),
        ("a", ["api"], "2 to 35"),
        ("acme--corp", ["api"], "single hyphens"),
        ("x" * 36, ["api"], "2 to 35"),
        ("sign-in", ["api"], "taken by Herald"),
        ("acme", [], "at least one component"),
        ("acme", ["99999"], "Unknown components"),
    ],
)
def test_bad_input_is_refused_and_creates_nothing(admin, parts, slug, components, message):
    before = snapshot()
    ids = [str(parts[c].id) if c in parts else c for c in components]
    response = admin.post(
        "/admin/pages", data={"name": "Acme Corp", "slug": slug, "components": ids}
    )
    assert response.status_code in (400, 409)
    assert message in response.get_data(as_text=True)
    assert snapshot() == before


def test_a_duplicate_slug_is_refused(admin, make_page, parts):
    make_page()
    before = snapshot()
    response = admin.post(
        "/admin/pages",
        data={"name": "Other", "slug": "acme", "components": [str(parts["mail"].id)]},
    )
    assert response.status_code == 409
    assert "already a page at /p/acme" in response.get_data(as_text=True)
    assert snapshot() == before


def test_a_form_without_its_csrf_token_is_refused(admin, parts):
    response = admin.client.post(
        "/admin/pages", data={"name": "Acme", "slug": "acme", "components": [str(parts["api"].id)]}
    )
    assert response.status_code == 400
    assert count(PrivatePage) == 0


def test_staff_rename_a_page_and_change_its_components(admin, make_page, parts):
    page = make_page()
    response = admin.post(
        "/admin/pages/acme/edit",
        data={"name": "Acme Corporation", "slug": "acme", "components": [str(parts["mail"].id)]},
    )
    assert response.status_code == 302
    db.session.refresh(page)
    assert page.name == "Acme Corporation" and [c.name for c in page.components] == ["Newsletter"]
    assert db.session.get(Audience, page.audience_id).name == "Acme Corporation"


def test_the_slug_cannot_change(admin, make_page, parts):
    make_page()
    before = snapshot()
    response = admin.post(
        "/admin/pages/acme/edit",
        data={"name": "Acme", "slug": "acme-2", "components": [str(parts["api"].id)]},
    )
    assert response.status_code == 400
    assert "slug cannot change" in response.get_data(as_text=True)
    assert snapshot() == before


def test_staff_invite_and_remove_a_viewer(admin, make_page):
    make_page()
    response = admin.post("/admin/pages/acme/viewers", data={"email": "Ana@Acme.example"})
    assert response.status_code == 302
    viewer = db.session.scalar(select(PageViewer))
    assert viewer.email == "ana@acme.example" and viewer.link_nonce
    page = admin.get("/admin/pages/acme").get_data(as_text=True)
    assert "ana@acme.example" in page
    # Remove is a link to a confirmation, not an action of one click.
    remove = f"/admin/pages/acme/viewers/{viewer.id}/remove"
    assert f'<a class="button danger" href="{remove}">Remove…</a>' in page
    assert f'action="{remove}"' not in page
    before = snapshot()
    confirm = admin.get(remove)
    assert confirm.status_code == 200 and snapshot() == before
    html = confirm.get_data(as_text=True)
    assert "Remove ana@acme.example from Acme Corp?" in html
    assert f'<form class="inline" method="post" action="{remove}">' in html
    assert 'href="/admin/pages/acme">Cancel</a>' in html
    response = admin.post(remove)
    assert response.status_code == 302
    assert count(PageViewer) == 0


def test_a_bad_email_is_refused(admin, make_page):
    make_page()
    before = snapshot()
    response = admin.post("/admin/pages/acme/viewers", data={"email": "not an address"})
    assert response.status_code == 400
    assert "not valid" in response.get_data(as_text=True)
    assert snapshot() == before


def test_a_new_read_token_is_shown_once_and_not_stored_by_caches(admin, make_page):
    page = make_page()
    response = admin.post("/admin/pages/acme/token")
    # Post/redirect/get: the token is shown by the GET that follows, once.
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/pages/acme/token#read-token"
    response = admin.get("/admin/pages/acme/token")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    token = html.split('<code class="read-token">', 1)[1].split("<", 1)[0]
    assert token.startswith("hpr_")
    db.session.refresh(page)
    made = page.read_token_hash
    assert made and token not in made
    # A reload shows the page without the token and makes no other.
    again = admin.get("/admin/pages/acme/token")
    assert again.status_code == 200 and again.headers["Cache-Control"] == "no-store"
    assert token not in again.get_data(as_text=True)
    assert 'class="read-token"' not in again.get_data(as_text=True)
    db.session.refresh(page)
    assert page.read_token_hash == made
    assert token not in admin.get("/admin/pages/acme").get_data(as_text=True)
    summary = admin.get("/p/acme/api/v2/summary.json", headers={"Authorization": f"Bearer {token}"})
    assert summary.status_code == 200  # the token shown is the one that works


def test_deleting_a_page_ends_its_viewers_access(admin, make_page, viewer_client):
    client = viewer_client(make_page())
    assert admin.post("/admin/pages/acme/delete").status_code == 302
    assert count(PrivatePage) == 0 and count(PageViewer) == 0
    assert client.get("/p/acme").status_code == 404


def test_a_staff_viewer_sees_the_pages_but_may_not_change_them(make_user, staff, make_page, parts):
    make_page()
    viewer = staff(make_user("viewer"))
    assert viewer.get("/admin/pages").status_code == 200
    before = snapshot()
    response = viewer.post(
        "/admin/pages", data={"name": "X", "slug": "xx", "components": [str(parts["api"].id)]}
    )
    assert response.status_code == 403
    assert (
        viewer.post("/admin/pages/acme/viewers", data={"email": "a@b.example"}).status_code == 403
    )
    assert snapshot() == before


def test_the_page_audience_shows_in_the_composer_and_the_templates(admin, make_page, parts):
    from app.incidents.services import declare_incident

    make_page()
    incident = declare_incident(None, "Ledger lag", "minor", {parts["ledger"]: "partial_outage"})
    db.session.commit()
    composer = admin.get(f"/admin/incidents/{incident.id}/compose")
    assert composer.status_code == 200 and 'value="page:acme"' in composer.get_data(as_text=True)
    listing = admin.get("/admin/message-templates").get_data(as_text=True)
    assert "/admin/message-templates/page:acme/investigating" in listing
    assert admin.get("/admin/message-templates/page:acme/investigating").status_code == 200
    assert admin.get("/admin/message-templates/page:nobody/investigating").status_code == 404
