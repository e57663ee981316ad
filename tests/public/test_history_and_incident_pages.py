"""Incident history by month, the incident and maintenance pages, and the internal page."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.incidents.postmortems import save_postmortem
from app.incidents.services import declare_incident, post_incident_update
from app.maintenance.services import schedule_maintenance
from app.models import utcnow
from app.status.components import add_dependency, set_component_status
from core.db import db


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def month_sections(html: str) -> dict[str, str]:
    """Month label → the HTML of that month's section on a history page."""
    parts = re.split(r'<h2 id="m\d+">([^<]+)</h2>', html)
    return {parts[i]: parts[i + 1].split("</section>")[0] for i in range(1, len(parts), 2)}


def history_page_of(day: date) -> int:
    """Which /history page holds ``day`` (three months a page, page 1 is this month)."""
    today = utcnow().date()
    back = (today.year * 12 + today.month) - (day.year * 12 + day.month)
    return back // 3 + 1


def past_incident(component, name, days_ago, minutes=90, visibility="public", impact="minor"):
    start = utcnow() - timedelta(days=days_ago)
    incident = declare_incident(
        None,
        name,
        impact,
        {component: "partial_outage"},
        body=f"{name}: investigating.",
        started_at=start,
        visibility=visibility,
        reviewed=True,
    )
    post_incident_update(
        None,
        incident,
        "resolved",
        f"{name}: resolved.",
        at=start + timedelta(minutes=minutes),
        reviewed=True,
    )
    return incident


# History ----------------------------------------------------------------------------------


def test_history_lists_each_incident_under_the_month_it_started(client, make_component):
    api = make_component("API")
    recent = past_incident(api, "Recent errors", days_ago=0.1, minutes=60)
    older = past_incident(api, "Older errors", days_ago=40)
    db.session.commit()
    months = month_sections(page(client, "/history"))
    assert len(months) == 3
    this_month = f"{recent.started_at:%B %Y}"
    assert next(iter(months)) == f"{utcnow():%B %Y}"  # page 1 starts with this month
    assert f'href="/incidents/{recent.public_id}"' in months[this_month]
    assert "Recent errors: resolved." in months[this_month]  # the latest update as excerpt
    assert f'href="/incidents/{older.public_id}"' in months[f"{older.started_at:%B %Y}"]
    for label, section in months.items():
        if label not in (this_month, f"{older.started_at:%B %Y}"):
            assert "No incidents reported." in section


def test_history_pages_back_through_older_months(client, make_component):
    api = make_component("API")
    old = past_incident(api, "Ancient outage", days_ago=130)
    db.session.commit()
    expected = history_page_of(old.started_at.date())
    assert expected >= 2
    first = page(client, "/history")
    assert "Ancient outage" not in first
    assert 'rel="next" href="?page=2"' in first
    assert 'rel="prev"' not in first
    found = page(client, f"/history?page={expected}")
    assert f'href="/incidents/{old.public_id}"' in found
    assert f'rel="prev" href="?page={expected - 1}"' in found
    assert 'rel="next"' not in found  # nothing older
    assert "Ancient outage" not in page(client, f"/history?page={expected + 1}")


@pytest.mark.parametrize("bad", ["0", "-1", "abc", "2.5", "401", "99999999999999999999", "²"])
def test_a_history_page_number_that_makes_no_sense_is_not_found(client, bad):
    assert client.get(f"/history?page={bad}").status_code == 404


def test_history_shows_completed_maintenance_but_not_internal_incidents(client, make_component):
    api = make_component("API")
    past_incident(api, "Staff only outage", days_ago=1, visibility="internal")
    start = utcnow() - timedelta(days=1)
    schedule_maintenance(
        None,
        "Kernel patching",
        start,
        start + timedelta(hours=1),
        [api],
        body="Patching.",
        allow_past=True,
    )
    schedule_maintenance(
        None,
        "Future patching",
        start + timedelta(days=5),
        start + timedelta(days=5, hours=1),
        [api],
        body="Later.",
    )
    db.session.commit()
    html = page(client, "/history")
    assert "Kernel patching" in html and "Maintenance" in html
    assert "Future patching" not in html
    assert "Staff only outage" not in html


# Incident pages ---------------------------------------------------------------------------


def test_an_incident_page_shows_the_whole_timeline_components_and_duration(client, make_component):
    api, web = make_component("API"), make_component("Website")
    start = utcnow() - timedelta(hours=5)
    incident = declare_incident(
        None,
        "Checkout errors",
        "major",
        {api: "major_outage", web: "degraded_performance"},
        body="Step one: we see errors.",
        started_at=start,
        reviewed=True,
    )
    steps = [
        (20, "identified", "Step two: a bad deploy."),
        (40, "monitoring", "Step three: rolled back."),
        (90, "resolved", "Step four: all clear."),
    ]
    for minutes, status, body in steps:
        post_incident_update(
            None, incident, status, body, at=start + timedelta(minutes=minutes), reviewed=True
        )
    db.session.commit()
    html = page(client, f"/incidents/{incident.public_id}")
    assert "<h1>Checkout errors</h1>" in html
    positions = [html.index(f"Step {n}") for n in ("four", "three", "two", "one")]
    assert positions == sorted(positions)  # newest first
    for label in ("Resolved", "Monitoring", "Identified", "Investigating"):
        assert f"<strong>{label}</strong>" in html
    affected = html[html.index('id="affected-h"') : html.index('id="updates-h"')]
    assert "API" in affected and "Website" in affected
    assert "Lasted 1 h 30 min" in html
    assert "Major impact" in html


def slow_api_since(make_component, ago: timedelta):
    """An ongoing minor incident on the API, started ``ago``."""
    incident = declare_incident(
        None,
        "Slow API",
        "minor",
        {make_component("API"): "degraded_performance"},
        body="Slow.",
        started_at=utcnow() - ago,
        reviewed=True,
    )
    db.session.commit()
    return incident


def test_an_ongoing_incident_page_says_how_long_it_has_run_and_what_it_did(client, make_component):
    incident = slow_api_since(make_component, timedelta(minutes=30))
    html = page(client, f"/incidents/{incident.public_id}")
    assert "Ongoing for 30 min" in html
    affected = html[html.index('id="affected-h"') : html.index('id="updates-h"')]
    assert "API" in affected and "Degraded performance" in affected and "▼" in affected


def test_an_incident_page_lists_only_the_public_components_it_affects(client, make_component):
    api = make_component("API")
    ledger = make_component("Secret ledger", visibility="internal")
    incident = declare_incident(
        None,
        "Mixed outage",
        "major",
        {api: "partial_outage", ledger: "major_outage"},
        body="Errors.",
        reviewed=True,
    )
    db.session.commit()
    html = page(client, f"/incidents/{incident.public_id}")
    assert "API" in html
    assert "Secret ledger" not in html
    data = client.get("/api/v2/incidents.json").get_data(as_text=True)
    assert "Secret ledger" not in data


def test_the_postmortem_appears_only_once_published(client, make_component):
    api = make_component("API")
    incident = past_incident(api, "Outage", days_ago=2)
    save_postmortem(None, incident, "Draft: **a disk** filled up.", publish=False)
    db.session.commit()
    url = f"/incidents/{incident.public_id}"
    html = page(client, url)
    assert "Postmortem" not in html and "a disk" not in html
    save_postmortem(None, incident, "Final: **a disk** filled up.", publish=True)
    db.session.commit()
    html = page(client, url)
    assert '<h2 id="pm-h">Postmortem</h2>' in html
    assert "Final: <strong>a disk</strong> filled up." in html
    save_postmortem(None, incident, "Final: **a disk** filled up.", publish=False)
    db.session.commit()
    assert "Postmortem" not in page(client, url)


def test_update_text_is_rendered_as_safe_markdown(client, make_component):
    api = make_component("API")
    incident = declare_incident(
        None,
        "Odd input",
        "minor",
        {api: "degraded_performance"},
        body='Use **retries**. <script>alert("x")</script> [docs](javascript:alert(1))',
        reviewed=True,
    )
    db.session.commit()
    html = page(client, f"/incidents/{incident.public_id}")
    assert "<strong>retries</strong>" in html
    assert "<script>" not in html
    assert 'href="javascript:' not in html


def test_an_internal_incident_has_no_public_page(client, make_component):
    api = make_component("API")
    incident = past_incident(api, "Staff only", days_ago=1, visibility="internal")
    db.session.commit()
    response = client.get(f"/incidents/{incident.public_id}")
    assert response.status_code == 404
    assert "Staff only" not in response.get_data(as_text=True)
    assert client.get("/incidents/no-such-incident").status_code == 404


def test_a_maintenance_page_shows_the_window_components_and_plan(client, make_component):
    api = make_component("API")
    start = (utcnow() + timedelta(days=3)).replace(hour=2, minute=0, second=0, microsecond=0)
    window = schedule_maintenance(
        None,
        "Database upgrade",
        start,
        start + timedelta(hours=2),
        [api],
        body="We will upgrade the database.",
    )
    db.session.commit()
    html = page(client, f"/maintenance/{window.public_id}")
    assert "<h1>Database upgrade</h1>" in html
    assert '<span class="tag tag-maint">Scheduled</span> Maintenance ·' in html
    assert f"{start:%-d %b %Y, %H:%M} – 04:00 UTC" in html
    assert "Planned for 2 h" in html
    assert "We will upgrade the database." in html
    components = html[html.index('id="affected-h"') :]
    assert "API" in components
    assert "Under maintenance" not in components  # not before the window starts


@pytest.mark.parametrize("verifying", [False, True])
def test_a_running_maintenance_page_shows_its_components_under_maintenance(
    client, make_component, verifying
):
    from app.maintenance.services import post_maintenance_update

    api = make_component("API")
    start = utcnow() - timedelta(minutes=5)
    window = schedule_maintenance(
        None, "Patch", start, start + timedelta(hours=1), [api], body="Patch.", allow_past=True
    )
    db.session.commit()
    if verifying:
        post_maintenance_update(None, window, "verifying", "Checking the result.")
        db.session.commit()
    html = page(client, f"/maintenance/{window.public_id}")
    assert "Under maintenance" in html[html.index('id="affected-h"') :]


def test_a_completed_maintenance_page_says_how_long_it_lasted(client, make_component):
    api = make_component("API")
    start = utcnow() - timedelta(days=2)
    window = schedule_maintenance(
        None, "Patch", start, start + timedelta(hours=1), [api], body="Patch.", allow_past=True
    )
    db.session.commit()
    html = page(client, f"/maintenance/{window.public_id}")
    assert "Completed" in html and "Lasted 1 h" in html
    assert "Under maintenance" not in html[html.index('id="affected-h"') :]
    assert "The scheduled maintenance has been completed." in html


def test_an_internal_maintenance_window_has_no_public_page(client, make_component):
    api = make_component("API")
    start = utcnow() + timedelta(days=1)
    window = schedule_maintenance(
        None,
        "Quiet work",
        start,
        start + timedelta(hours=1),
        [api],
        body="Internal.",
        visibility="internal",
    )
    db.session.commit()
    assert client.get(f"/maintenance/{window.public_id}").status_code == 404
    assert "Quiet work" not in page(client, "/")


# The internal page ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/internal", "/internal/", "/internal/history", "/internal/incidents/abc"]
)
def test_the_internal_pages_send_anonymous_visitors_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    assert "internal" in response.headers["Location"]


def test_a_signed_in_viewer_sees_internal_components_and_incidents(
    client, make_user, make_component, staff
):
    make_component("API")
    ledger = make_component("Secret ledger", visibility="internal", showcase=False)
    incident = declare_incident(
        None,
        "Ledger lag",
        "minor",
        {ledger: "degraded_performance"},
        body="Ledger replication is behind.",
        visibility="internal",
        reviewed=True,
    )
    db.session.commit()
    viewer = staff(make_user("viewer"))
    response = viewer.get("/internal")
    assert response.status_code == 200
    assert response.headers["Cache-Control"].startswith("private")
    html = response.get_data(as_text=True)
    assert "Secret ledger" in html and "Ledger lag" in html
    assert "Ledger replication is behind." in html
    assert f'href="/internal/incidents/{incident.public_id}"' in html
    # Internal components carry bars on the internal page even when not showcased.
    assert 'aria-label="Secret ledger:' in html
    assert 'aria-label="API:' in html
    # The public page, served from the same cache, is unchanged by the staff visit.
    public = page(client, "/")
    assert "Secret ledger" not in public and "Ledger lag" not in public
    assert "API" in public


def test_the_internal_incident_page_and_history_show_internal_incidents(
    make_user, make_component, staff
):
    api = make_component("API")
    incident = past_incident(api, "Staff only outage", days_ago=1, visibility="internal")
    db.session.commit()
    viewer = staff(make_user("viewer"))
    response = viewer.get(f"/internal/incidents/{incident.public_id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<h1>Staff only outage</h1>" in html
    assert "tag-int" in html and "Lasted 1 h 30 min" in html
    assert response.headers["Cache-Control"].startswith("private")
    history = viewer.get("/internal/history").get_data(as_text=True)
    assert f'href="/internal/incidents/{incident.public_id}"' in history
    assert viewer.get("/internal/incidents/nope").status_code == 404


def test_history_offers_older_pages_when_only_old_maintenance_is_left(client, make_component):
    api = make_component("API")
    start = utcnow() - timedelta(days=130)
    window = schedule_maintenance(
        None, "Old patch", start, start + timedelta(hours=1), [api], body="Old.", allow_past=True
    )
    db.session.commit()
    expected = history_page_of(start.date())
    assert 'rel="next" href="?page=2"' in page(client, "/history")
    assert f'href="/maintenance/{window.public_id}"' in page(client, f"/history?page={expected}")


def test_history_pages_follow_the_page_time_zone_at_month_edges(app, client, make_component):
    app.config["TIME_ZONE"] = "Pacific/Kiritimati"  # UTC+14: local months start a day early
    zone = ZoneInfo("Pacific/Kiritimati")
    api = make_component("API", at=utcnow() - timedelta(days=120))
    today = utcnow().astimezone(zone).date()
    index = today.year * 12 + today.month - 1 - 2  # the oldest month on page 1
    first = date(index // 12, index % 12 + 1, 1)
    start = datetime.combine(first, time(1, 0), zone).astimezone(UTC)  # the day before, in UTC
    incident = past_incident(
        api, "Edge outage", days_ago=(utcnow() - start).total_seconds() / 86400
    )
    db.session.commit()
    html = page(client, "/history")
    assert f'href="/incidents/{incident.public_id}"' in month_sections(html)[f"{first:%B %Y}"]
    assert 'rel="next"' not in html  # nothing is older than this page


def test_staff_see_the_internal_dependency_behind_a_public_outage(
    client, make_user, make_component, staff
):
    database = make_component("Primary database", visibility="internal")
    api = make_component("API")
    add_dependency(None, api, database, "hard")
    set_component_status(None, database, "major_outage")
    db.session.commit()
    html = staff(make_user("viewer")).get("/internal").get_data(as_text=True)
    assert '<p class="why">Depends on Primary database (major outage)</p>' in html
    assert "Primary database" not in page(client, "/")


def test_ongoing_for_never_says_less_than_has_passed_however_the_page_is_cached():
    from app.status.reads import ongoing_for

    start = utcnow()
    for elapsed, said, next_change in (
        (16, "ongoing for less than a minute", 60),
        (59.9, "ongoing for less than a minute", 60),
        (60, "ongoing for 1 min", 120),
        (30 * 60 + 59, "ongoing for 30 min", 31 * 60),
        (2 * 3600 + 5 * 60 + 1, "ongoing for 2 h 5 min", 2 * 3600 + 6 * 60),
        (50 * 3600 + 59 * 60, "ongoing for 2 d 2 h", 51 * 3600),
    ):
        text, changes_at = ongoing_for(start, start + timedelta(seconds=elapsed))
        assert (text, (changes_at - start).total_seconds()) == (said, next_change), elapsed


def test_an_incident_page_is_kept_only_until_its_length_changes(client, make_component):
    incident = slow_api_since(make_component, timedelta(seconds=50))
    assert "Ongoing for less than a minute" in page(client, f"/incidents/{incident.public_id}")
    # Kept for the 10 s left until it has run a minute, not a whole minute more.
    from app.public.routes import render_event

    with client.application.test_request_context("/"):
        kept = render_event("public", "incident", incident.public_id).valid_until
    assert kept == incident.started_at + timedelta(seconds=60)
