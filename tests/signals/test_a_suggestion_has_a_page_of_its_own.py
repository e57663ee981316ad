"""The suggestion notices link to the suggestion's own page, which says what became of
it: open (Declare and Dismiss), declared (its incident), dismissed (by whom, why), or
closed by itself when its signal cleared. Found by a new user: a suggestion closed itself
when the vendor recovered, and the emailed link pointed at a dashboard anchor that was
no longer there."""

from __future__ import annotations

import pytest

from app.signals.alerts import ingest_alertmanager
from app.signals.suggestions import declare_suggestion, dismiss_suggestion
from core.db import db
from tests.comms.worldkit import build_world
from tests.signals.alert_payloads import alertmanager, am_alert
from tests.signals.alert_setup import integration, suggestions
from tests.signals.suggestion_world import delivered, vendor_suggestion


@pytest.fixture
def world(app, audiences):
    return build_world()


def page(client, suggestion) -> str:
    response = client.get(f"/admin/suggested-incidents/{suggestion.public_id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_notice_links_to_the_suggestions_page(world):
    suggestion = vendor_suggestion(world)
    notices = [d for d in delivered() if d["channel"] == "email"]
    assert notices
    url = f"https://status.example.com/admin/suggested-incidents/{suggestion.public_id}"
    assert all(url in d["text"] for d in notices)


def test_open_declared_and_dismissed_each_say_so(world, staff, make_user):
    responder = make_user("responder", name="Riley Responder")
    client = staff(responder)
    open_one = vendor_suggestion(world)
    # Another vendor's, on another component (declaring the first covers Card payments).
    other = vendor_suggestion(
        world,
        key="vendor:other",
        name="Acme: slow API",
        component_statuses={world.components["API"].id: "degraded_performance"},
    )
    html = page(client, open_one)
    assert '<h2 id="state-h">Open</h2>' in html and ">Declare</button>" in html
    assert ">Declare</button>" not in page(staff(make_user("viewer")), open_one)
    incident = declare_suggestion(responder, open_one)
    db.session.commit()
    html = page(client, open_one)
    assert "Declared" in html and f'href="/admin/incidents/{incident.id}"' in html
    assert "by Riley Responder" in html and ">Declare</button>" not in html

    dismiss_suggestion(responder, other, "Acme's own test: ignore")
    db.session.commit()
    html = page(client, other)
    assert "Dismissed" in html and "by Riley Responder" in html
    assert "“Acme&#39;s own test: ignore”" in html


def test_a_suggestion_closed_by_its_signal_clearing_says_so(app, make_component, staff, make_user):
    make_component("API")
    made, _ = integration(min_firing_seconds=0, min_clear_seconds=0)
    for status in ("firing", "resolved"):
        alert = am_alert("ApiDown", status=status, severity="critical", herald_component="API")
        ingest_alertmanager(made, alertmanager(alert))
        db.session.commit()
    db.session.expire_all()
    [suggestion] = suggestions()
    assert (suggestion.state, suggestion.decided_by_id) == ("dismissed", None)
    html = page(staff(make_user("responder")), suggestion)
    assert "Closed by itself" in html and "its signal cleared" in html
    assert "Dismissed" not in html and ">Declare</button>" not in html


def test_an_unknown_suggestion_is_404(world, staff, make_user):
    client = staff(make_user("responder"))
    assert client.get("/admin/suggested-incidents/nosuchid").status_code == 404
    assert client.get("/admin/suggested-incidents/" + "x" * 40).status_code == 404
