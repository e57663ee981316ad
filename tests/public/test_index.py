"""The public status page at ``/``: what a customer sees, and what they must never see."""

from __future__ import annotations

import gzip
import re
from datetime import timedelta

import pytest

from app.demo import seed_demo
from app.incidents.services import declare_incident, post_incident_update
from app.maintenance.services import schedule_maintenance
from app.models import utcnow
from app.status.components import add_dependency, set_component_status
from core.db import db

BADGE = (
    r'<span class="st st-(\w+)"><span class="ic" aria-hidden="true">([^<]+)</span> ([^<]+)</span>'
)


def page(client, url: str = "/") -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def badge_of(html: str, name: str) -> tuple[str, str, str]:
    """(status, icon, label) of the component or group called ``name``."""
    found = re.search(re.escape(name) + r"</span>\s*" + BADGE, html)
    assert found, f"no status badge for {name}"
    return found.groups()


def bars_of(html: str, name: str) -> str:
    found = re.search(
        r'<ol class="bars" aria-label="' + re.escape(name) + r': [^"]*">(.*?)</ol>', html, re.S
    )
    assert found, f"no uptime bars for {name}"
    return found.group(1)


def banner(html: str) -> str:
    return re.search(r'<h1 id="banner-h">([^<]+)</h1>', html).group(1)


@pytest.mark.parametrize(
    ("status", "impact", "wording"),
    [
        ("operational", None, "All Systems Operational"),
        ("degraded_performance", None, "Partially Degraded Service"),
        ("degraded_performance", "minor", "Minor Service Outage"),
        ("partial_outage", None, "Partial System Outage"),
        ("degraded_performance", "major", "Partial System Outage"),
        ("major_outage", None, "Major System Outage"),
        ("degraded_performance", "critical", "Major System Outage"),
        ("under_maintenance", None, "Service Under Maintenance"),
    ],
)
def test_the_banner_uses_statuspage_wording_for_each_state(
    client, make_component, status, impact, wording
):
    api = make_component("API")
    if impact:
        declare_incident(
            None, "Slow API", impact, {api: status}, body="Looking into it.", reviewed=True
        )
    else:
        set_component_status(None, api, status)
    db.session.commit()
    html = page(client)
    assert banner(html) == wording
    assert client.get("/api/v2/status.json").get_json()["status"]["description"] == wording


def test_active_incidents_are_listed_newest_first_with_their_newest_update_first(
    client, make_component
):
    api, web = make_component("API"), make_component("Website")
    now = utcnow()
    older = declare_incident(
        None,
        "Older trouble",
        "minor",
        {web: "degraded_performance"},
        body="Website is slow.",
        started_at=now - timedelta(hours=2),
        reviewed=True,
    )
    newer = declare_incident(
        None,
        "Newer trouble",
        "major",
        {api: "partial_outage"},
        body="First we noticed errors.",
        started_at=now - timedelta(minutes=30),
        reviewed=True,
    )
    post_incident_update(
        None, newer, "identified", "Then we found the cause.", at=now, reviewed=True
    )
    db.session.commit()
    html = page(client)
    section = html[html.index('id="incidents-h"') :]
    assert section.index("Newer trouble") < section.index("Older trouble")
    assert html.index("Then we found the cause.") < html.index("First we noticed errors.")
    assert f'href="/incidents/{newer.public_id}"' in html
    assert f'href="/incidents/{older.public_id}"' in html
    assert "Major impact" in html and "Identified" in html


def test_a_resolved_incident_leaves_the_active_list(client, make_component):
    api = make_component("API")
    incident = declare_incident(
        None, "Blip", "minor", {api: "partial_outage"}, body="Errors.", reviewed=True
    )
    db.session.commit()
    assert "Active incidents" in page(client)
    post_incident_update(None, incident, "resolved", "All good.", reviewed=True)
    db.session.commit()
    html = page(client)
    assert "Active incidents" not in html
    assert banner(html) == "All Systems Operational"


def test_maintenance_in_progress_and_upcoming_are_shown_in_their_own_sections(
    client, make_component
):
    db_component = make_component("Database")
    now = utcnow()
    schedule_maintenance(
        None,
        "Index rebuild",
        now - timedelta(minutes=5),
        now + timedelta(hours=1),
        [db_component],
        body="Rebuilding indexes.",
    )
    schedule_maintenance(
        None,
        "Failover test",
        now + timedelta(days=2),
        now + timedelta(days=2, hours=1),
        [db_component],
        body="Testing failover.",
    )
    db.session.commit()
    html = page(client)
    in_progress = html[html.index('id="maint-now-h"') : html.index('id="components-h"')]
    upcoming = html[html.index('id="maint-next-h"') :]
    assert "Index rebuild" in in_progress and "In progress" in in_progress
    assert "Failover test" in upcoming and "Scheduled" in upcoming
    assert "Failover test" not in in_progress
    assert banner(html) == "Service Under Maintenance"
    assert badge_of(html, "Database")[0] == "under_maintenance"


def test_a_group_shows_the_worst_status_of_its_components(client, make_component):
    make_component("Card payments", group="Payments")
    payouts = make_component("Payouts", group="Payments")
    refunds = make_component("Refunds", group="Payments")
    set_component_status(None, payouts, "degraded_performance")
    set_component_status(None, refunds, "major_outage")
    db.session.commit()
    html = page(client)
    assert badge_of(html, "Payments") == ("major_outage", "✕", "Major outage")
    assert badge_of(html, "Card payments")[0] == "operational"
    assert badge_of(html, "Payouts")[0] == "degraded_performance"


@pytest.mark.parametrize(
    ("status", "icon", "label"),
    [
        ("operational", "✓", "Operational"),
        ("degraded_performance", "▼", "Degraded performance"),
        ("partial_outage", "!", "Partial outage"),
        ("major_outage", "✕", "Major outage"),
        ("under_maintenance", "⚙", "Under maintenance"),
    ],
)
def test_each_status_is_shown_with_words_and_an_icon_not_colour_alone(
    client, make_component, status, icon, label
):
    api = make_component("API")
    set_component_status(None, api, status)
    db.session.commit()
    assert badge_of(page(client), "API") == (status, icon, label)


def test_each_showcased_component_has_ninety_daily_bars(client, make_component):
    make_component("API", at=utcnow() - timedelta(days=200))
    make_component("Website")
    make_component("Quiet", showcase=False)
    db.session.commit()
    html = page(client)
    assert bars_of(html, "API").count("<li") == 90
    assert bars_of(html, "Website").count("<li") == 90
    assert 'aria-label="Quiet:' not in html
    # A component created today has no data for the days before it existed.
    assert "no data" in bars_of(html, "Website")
    assert "no data" not in bars_of(html, "API")


def test_a_day_with_an_incident_names_it_in_the_tooltip_and_links_to_it(client, make_component):
    now = utcnow()
    api = make_component("API", at=now - timedelta(days=30))
    start = (now - timedelta(days=3)).replace(hour=10, minute=0, second=0, microsecond=0)
    incident = declare_incident(
        None,
        "Database failover",
        "major",
        {api: "major_outage"},
        body="The API is down.",
        started_at=start,
        reviewed=True,
    )
    post_incident_update(
        None, incident, "resolved", "Back up.", at=start + timedelta(hours=1), reviewed=True
    )
    db.session.commit()
    bars = bars_of(page(client), "API")
    day = f"{start:%-d %b %Y}"
    link = re.search(
        r'<li class="(\w+)"><a href="/incidents/'
        + incident.public_id
        + r'" data-t="'
        + re.escape(day)
        + r': ([^"]*)"',
        bars,
    )
    assert link, bars
    assert link.group(1) == "major"
    assert "Database failover" in link.group(2)
    assert "major outage 1 h" in link.group(2)
    assert bars.count("<a href=") == 1  # the other days link nowhere


def test_a_dependency_outage_explains_the_effective_status(client, make_component):
    database = make_component("Database")
    api = make_component("API")
    add_dependency(None, api, database, "hard")
    set_component_status(None, database, "major_outage")
    db.session.commit()
    html = page(client)
    assert badge_of(html, "API")[0] == "major_outage"
    assert '<p class="why">Depends on Database (major outage)</p>' in html


def test_internal_components_and_incidents_never_reach_the_public_page(client, make_component):
    api = make_component("API")
    secret = make_component("Secret ledger", visibility="internal")
    set_component_status(None, secret, "major_outage")
    start = utcnow() - timedelta(days=2)
    declare_incident(
        None,
        "Hidden payroll glitch",
        "critical",
        {api: "degraded_performance"},
        body="Only staff should read this.",
        visibility="internal",
        started_at=start,
        reviewed=True,
    )
    db.session.commit()
    html = page(client)
    assert "Secret ledger" not in html
    assert "Hidden payroll glitch" not in html
    assert "Only staff should read this." not in html
    assert "Active incidents" not in html
    # The public component still shows its real status, without naming the incident.
    assert badge_of(html, "API")[0] == "degraded_performance"
    assert banner(html) == "Partially Degraded Service"


def test_an_internal_dependency_is_not_named_in_a_public_reason(client, make_component):
    database = make_component("Primary database", visibility="internal")
    api = make_component("API")
    add_dependency(None, api, database, "hard")
    set_component_status(None, database, "partial_outage")
    db.session.commit()
    html = page(client)
    assert badge_of(html, "API")[0] == "partial_outage"
    assert "Primary database" not in html
    assert "Primary database" not in client.get("/api/v2/summary.json").get_data(as_text=True)


def test_a_component_shown_only_when_degraded_hides_while_operational(client, make_component):
    make_component("API")
    sms = make_component("SMS delivery", only_show_if_degraded=True)
    db.session.commit()
    assert "SMS delivery" not in page(client)
    set_component_status(None, sms, "partial_outage")
    db.session.commit()
    assert badge_of(page(client), "SMS delivery")[0] == "partial_outage"


def test_a_group_whose_members_are_all_hidden_is_not_shown(client, make_component):
    make_component("API")
    make_component("SMS delivery", group="Vendors", only_show_if_degraded=True)
    db.session.commit()
    assert "Vendors" not in page(client)


def test_the_page_loads_nothing_from_other_hosts(client):
    seed_demo()
    html = page(client)
    urls = re.findall(r'(?:src|href|action)\s*=\s*["\']([^"\']*)["\']', html)
    assert urls
    for url in urls:
        assert url.startswith(("/", "#")) and not url.startswith("//"), url
    assert not re.search(r"https?://", html)
    # What the page loads; a rel="alternate" link (the feeds) names a page, it loads nothing.
    assets = re.findall(
        r'<(?:link|script|img)\b(?![^>]*rel="alternate")[^>]*?(?:href|src)="([^"]+)"', html
    )
    assert any(a.startswith("/static/") for a in assets)
    for asset in assets:
        with client.get(asset) as response:
            assert response.status_code == 200, asset
            text = response.get_data(as_text=True)
        # An SVG's xmlns names a namespace, it fetches nothing; anything else would.
        text = re.sub(r'xmlns(:\w+)?="[^"]*"', "", text)
        assert "http://" not in text and "https://" not in text and "@import" not in text
    assert "default-src 'self'" in client.get("/").headers["Content-Security-Policy"]


def test_the_demo_page_is_small_enough_to_load_fast_on_a_bad_day(client):
    seed_demo()
    body = client.get("/").data
    shown = re.findall(r'<ol class="bars"', body.decode())
    assert len(shown) >= 14
    assert len(body) < 100_000
    assert len(gzip.compress(body)) < 25_000
    served = client.get("/", headers={"Accept-Encoding": "gzip"}).data
    assert len(served) < 25_000
