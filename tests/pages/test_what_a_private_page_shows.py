"""What a private page shows: its components (hidden ones too), the public incidents and
maintenance that touch them in the page's own words, and its JSON with a read token."""

from __future__ import annotations

from datetime import timedelta

from app.comms.approval import approve
from app.comms.context import Facts
from app.comms.drafting import compose
from app.comms.publishing import publish
from app.comms.sheet_texts import sheet_context
from app.incidents.services import declare_incident, post_incident_update
from app.maintenance.services import schedule_maintenance
from app.models import Incident, utcnow
from app.pages import services
from app.status.version import bump_page_version
from core.db import db


def test_an_incident_touching_the_pages_components_appears_and_others_do_not(
    parts, make_page, viewer_client
):
    client = viewer_client(make_page())
    declare_incident(
        None,
        "Ledger sync delayed",
        "minor",
        {parts["ledger"]: "degraded_performance"},
        body="Ledger entries arrive late.",
        reviewed=True,
    )
    declare_incident(
        None,
        "Newsletter bounces",
        "minor",
        {parts["mail"]: "partial_outage"},
        body="Some newsletters bounce.",
        reviewed=True,
    )
    declare_incident(
        None,
        "Internal checkout drill",
        "minor",
        {parts["api"]: "degraded_performance"},
        body="",
        visibility="internal",
    )
    db.session.commit()
    html = client.get("/p/acme").get_data(as_text=True)
    assert "Ledger sync delayed" in html and "Ledger entries arrive late." in html
    assert "Newsletter bounces" not in html
    assert "Internal checkout drill" not in html  # internal incidents never reach outsiders
    data = client.get("/p/acme/api/v2/summary.json").get_json()
    assert [i["name"] for i in data["incidents"]] == ["Ledger sync delayed"]
    assert {c["name"] for c in data["components"]} == {"Checkout API", "Partner ledger"}
    assert data["status"]["indicator"] == "minor"
    assert data["page"]["name"] == "Acme Corp"
    # The public page still does not show the hidden component nor the ledger incident.
    public = client.get("/api/v2/summary.json").get_json()
    assert "Partner ledger" not in {c["name"] for c in public["components"]}


def test_maintenance_on_the_pages_components_is_listed(parts, make_page, viewer_client):
    client = viewer_client(make_page())
    start = utcnow() + timedelta(days=2)
    schedule_maintenance(
        None, "Ledger upgrade", start, start + timedelta(hours=1), [parts["ledger"]], body="Up."
    )
    schedule_maintenance(
        None, "Newsletter move", start, start + timedelta(hours=1), [parts["mail"]], body="Mv."
    )
    db.session.commit()
    names = [
        m["name"]
        for m in client.get("/p/acme/api/v2/summary.json").get_json()["scheduled_maintenances"]
    ]
    assert names == ["Ledger upgrade"]


def test_the_page_shows_the_text_published_for_its_audience(
    parts, make_page, make_user, viewer_client
):
    page = make_page()
    client = viewer_client(page)
    incident = declare_incident(None, "Checkout errors", "major", {parts["api"]: "partial_outage"})
    lead, approver = make_user("comms_lead"), make_user("approver")
    sheet = compose(
        lead,
        incident,
        status="investigating",
        facts=Facts(
            summary="Some checkout payments fail.",
            next_update_at=utcnow() + timedelta(minutes=30),
        ),
        audiences=["customers", page.audience_key],
    )
    drafts = {d.audience_key: d for d in sheet.drafts}
    drafts[page.audience_key].page_text = "Acme: your EU checkouts fail; your account team knows."
    for draft in drafts.values():
        approve(approver, draft)
    publish(lead, sheet)
    db.session.commit()
    html = client.get("/p/acme").get_data(as_text=True)
    assert "your EU checkouts fail" in html
    assert drafts["customers"].page_text.split(".")[0] not in html
    data = client.get("/p/acme/api/v2/summary.json").get_json()
    assert "your EU checkouts fail" in data["incidents"][0]["incident_updates"][0]["body"]
    public = client.get("/api/v2/summary.json").get_json()
    assert "Acme" not in public["incidents"][0]["incident_updates"][0]["body"]


def test_the_read_token_opens_the_json_and_a_rotated_one_stops(app, make_page):
    page = make_page()
    token = services.rotate_read_token(None, page)
    db.session.commit()
    client = app.test_client()
    url = "/p/acme/api/v2/summary.json"
    assert client.get(f"{url}?token={token}").status_code == 200
    bearer = client.get(url, headers={"Authorization": f"Bearer {token}"})
    assert bearer.status_code == 200 and bearer.get_json()["page"]["name"] == "Acme Corp"
    assert client.get(f"/p/acme?token={token}").status_code == 404  # the JSON only
    newer = services.rotate_read_token(None, page)
    db.session.commit()
    assert client.get(f"{url}?token={token}").status_code == 404
    assert client.get(f"{url}?token={newer}").status_code == 200
    assert client.get(f"{url}?token={newer}x").status_code == 404


def test_a_pages_read_token_does_not_open_another_page(app, make_page):
    acme = make_page()
    make_page("globex", "Globex", ("mail",))
    token = services.rotate_read_token(None, acme)
    db.session.commit()
    response = app.test_client().get(f"/p/globex/api/v2/summary.json?token={token}")
    assert response.status_code == 404


def test_the_json_says_404_in_json_and_alike_for_a_missing_and_an_unknown_page(app, make_page):
    make_page()
    client = app.test_client()
    answers = [
        client.get("/p/acme/api/v2/summary.json"),
        client.get("/p/acme/api/v2/summary.json?token=wrong"),
        client.get("/p/nowhere/api/v2/summary.json"),
    ]
    for response in answers:
        assert response.status_code == 404
        assert response.mimetype == "application/json"
        assert response.get_json()["error"]["status"] == 404
    assert len({r.get_data() for r in answers}) == 1  # nothing tells the pages apart


def test_every_component_and_incident_in_the_json_names_the_private_page(
    parts, make_page, viewer_client
):
    page = make_page()
    client = viewer_client(page)
    declare_incident(
        None, "Ledger sync delayed", "minor", {parts["ledger"]: "degraded_performance"}
    )
    db.session.commit()
    data = client.get("/p/acme/api/v2/summary.json").get_json()
    assert data["page"]["id"] == page.public_id
    assert {c["page_id"] for c in data["components"]} == {page.public_id}
    incident = data["incidents"][0]
    assert incident["page_id"] == page.public_id
    assert {c["page_id"] for c in incident["components"]} == {page.public_id}


def test_a_resolved_incident_stays_on_the_page_for_a_week_where_its_emails_link(
    parts, make_page, viewer_client, audiences
):
    """Found by a new user: a private page's resolved email said "The full history of this
    incident: /p/acme", and the page no longer showed it."""
    page = make_page()
    client = viewer_client(page)
    incident = declare_incident(
        None,
        "Ledger sync delayed",
        "minor",
        {parts["ledger"]: "degraded_performance"},
        body="Ledger entries arrive late.",
        reviewed=True,
    )
    db.session.commit()
    post_incident_update(None, incident, "resolved", "Ledger entries are on time again.", {})
    db.session.commit()
    html = client.get("/p/acme").get_data(as_text=True)
    assert "Resolved in the last 7 days" in html
    assert f'id="incident-{incident.public_id}"' in html and "Ledger sync delayed" in html
    data = client.get("/p/acme/api/v2/summary.json").get_json()
    assert data["incidents"] == [] and data["status"]["indicator"] == "none"
    # What the page's emails link to is that card.
    sheet = compose(
        None,
        incident,
        status="resolved",
        facts=Facts(summary="Ledger entries are on time again."),
        audiences=[page.audience_key],
    )
    url = sheet_context(sheet, page.audience_key)["incident"]["url"]
    assert url.endswith(f"/p/acme#incident-{incident.public_id}")
    # A week later it has left the page.
    db.session.get(Incident, incident.id).resolved_at = utcnow() - timedelta(days=8)
    db.session.commit()
    bump_page_version()
    db.session.commit()
    assert "Ledger sync delayed" not in client.get("/p/acme").get_data(as_text=True)
