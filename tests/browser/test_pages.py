"""The pages in a real browser: the public page (with and without JavaScript), an
incident page, and a responder declaring an incident that then shows publicly (its
message, while customers need approval, only on the internal page).

The server holds the demo data (Brightwave) for the whole session. The declaring test
adds a minor incident on Webhooks, which leaves the page indicator at "minor", so the
tests pass in any order.
"""

from __future__ import annotations

import re
import uuid

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or, in CI, fails) and says why
    expect = None

from app.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser

PUBLIC_GROUPS = ["Customer-facing", "API & integrations", "Payments", "Third-party vendors"]
PUBLIC_COMPONENTS = 14  # the demo's 20 components less the 6 internal ones
ACTIVE_INCIDENT = "Slower card authorisations in the EU"
DAYS = 90


def pseudo_after(locator) -> str:
    """The computed ``content`` of an element's ::after: the CSS tooltip's text."""
    return locator.evaluate("element => getComputedStyle(element, '::after').content")


def check_public_page(page) -> None:
    """The banner, the component groups and each component's 90 uptime bars."""
    banner = page.locator("section.banner")
    expect(banner).to_have_class(re.compile(r"\bind-minor\b"))
    expect(banner.locator("h1")).to_have_text("Minor Service Outage")
    expect(banner.locator("time")).to_have_text(re.compile(r"\d{4}, \d\d:\d\d UTC"))

    expect(page.get_by_role("heading", name="Active incidents")).to_be_visible()
    expect(page.locator("article.event").filter(has_text=ACTIVE_INCIDENT)).to_be_visible()

    groups = page.locator("section.components li.group > details")
    expect(groups.locator("> summary .name")).to_have_text(PUBLIC_GROUPS)
    for group in groups.all():
        expect(group).to_have_attribute("open", "")
    # Internal components and a group of nothing but internal components stay off.
    listed = page.locator("section.components")
    expect(listed.get_by_text("Infrastructure", exact=True)).to_have_count(0)
    expect(listed.get_by_text("Primary database", exact=True)).to_have_count(0)

    components = page.locator("section.components li.comp")
    expect(components).to_have_count(PUBLIC_COMPONENTS)
    card_payments = components.filter(has=page.locator(".name", has_text="Card payments"))
    expect(card_payments.locator(".st")).to_have_text("▼ Degraded performance")
    website = components.filter(has=page.locator(".name", has_text="Website"))
    expect(website.locator(".st")).to_have_text("✓ Operational")
    expect(website.locator("ol.bars")).to_have_attribute(
        "aria-label", "Website: 100% uptime over the past 90 days"
    )

    bars = page.locator("ol.bars")
    expect(bars).to_have_count(PUBLIC_COMPONENTS)
    assert bars.evaluate_all("lists => lists.map(l => l.children.length)") == (
        [DAYS] * PUBLIC_COMPONENTS
    )
    expect(bars.first.locator("li")).to_have_count(DAYS)
    expect(bars.locator("[data-t]")).to_have_count(DAYS * PUBLIC_COMPONENTS)
    # Bars of days with an outage are coloured and link to the incident.
    rest_api = components.filter(has=page.locator(".name", has_text="REST API"))
    expect(
        rest_api.locator("li.major > a[data-t*='API unavailable in the EU region']")
    ).to_have_attribute("href", re.compile(r"^/incidents/\w+$"))
    expect(page.locator("footer")).to_contain_text("Staff sign-in")


def check_tooltip(page, bar) -> str:
    """Hovering ``bar`` shows its ``data-t`` text through CSS ::after, and only then."""
    text = bar.get_attribute("data-t")
    assert text
    page.mouse.move(0, 0)
    assert pseudo_after(bar) == "none"
    bar.hover()
    assert pseudo_after(bar) == f'"{text}"'
    return text


def test_public_page_shows_banner_groups_bars_and_tooltips(page, watch, live_server):
    traffic = watch(page)
    page.goto("/")
    expect(page).to_have_title("Herald Status")
    check_public_page(page)

    # An ordinary day: the <li> carries the tooltip.
    website_bars = page.get_by_role("listitem").filter(
        has=page.locator(".name", has_text="Website")
    )
    today = website_bars.locator("ol.bars > li").last
    assert re.fullmatch(r"\d{1,2} \w{3} \d{4}: 100%", check_tooltip(page, today))

    # An incident day: the link carries it, naming the incident.
    incident_day = page.locator("ol.bars a[data-t*='API unavailable in the EU region']")
    tip = check_tooltip(page, incident_day)
    assert "major outage" in tip
    assert incident_day.get_attribute("aria-label") == tip

    assert traffic.urls[0] == f"{live_server.url}/"
    assert any("/static/herald.css" in url for url in traffic.urls)
    assert traffic.outside() == [], "the page loaded something from elsewhere"
    assert traffic.failures == []


def test_public_page_works_without_javascript(no_js_page, watch):
    page = no_js_page
    traffic = watch(page)
    page.goto("/")
    # The one script is the local-time enhancement: not run here, and not needed.
    expect(page.locator("script")).to_have_count(1)
    expect(page.locator("script")).to_have_attribute(
        "src", re.compile(r"^/static/localtime\.js\?v=\w+$")
    )
    check_public_page(page)

    # The CSS tooltip needs no script.
    check_tooltip(page, page.locator("ol.bars > li[data-t]").nth(45))

    # Groups fold and unfold with <details>, no script either.
    group = page.locator("li.group > details").first
    first_component = group.locator("li.comp").first
    expect(first_component).to_be_visible()
    group.locator("> summary").click()
    expect(group).not_to_have_attribute("open", "")
    expect(first_component).to_be_hidden()
    group.locator("> summary").click()
    expect(first_component).to_be_visible()

    # A bar of an incident day is a plain link to the incident page.
    page.locator("ol.bars a[data-t*='API unavailable in the EU region']").click()
    expect(page).to_have_url(re.compile(r"/incidents/\w+$"))
    expect(page.locator("h1")).to_have_text("API unavailable in the EU region")

    assert traffic.outside() == []
    assert traffic.failures == []


def test_incident_page_shows_its_timeline(page, watch):
    traffic = watch(page)
    page.goto("/")
    page.locator("article.event h3 a", has_text=ACTIVE_INCIDENT).click()
    expect(page).to_have_url(re.compile(r"/incidents/\w+$"))
    expect(page).to_have_title(re.compile(f"^{ACTIVE_INCIDENT} · "))

    article = page.locator("article.event-page")
    expect(article.locator("h1")).to_have_text(ACTIVE_INCIDENT)
    expect(article.locator(".meta")).to_contain_text("Minor impact")
    expect(article.locator(".meta")).to_contain_text("Identified")
    expect(article.locator("ul.affected > li")).to_have_text(
        [
            re.compile(r"Card payments\s+▼ Degraded performance"),
            re.compile(r"Fraud screening\s+▼ Degraded performance"),
            re.compile(r"Card processor\s+▼ Degraded performance"),
        ]
    )

    # The timeline, newest update first, each with its status, time and message.
    entries = article.locator("ol.timeline > li")
    expect(entries).to_have_count(2)
    expect(entries.locator(".when strong")).to_have_text(["Identified", "Investigating"])
    expect(entries.nth(0).locator(".body")).to_contain_text("fraud screening nodes")
    expect(entries.nth(1).locator(".body")).to_contain_text("Card authorisations in the EU")
    for time in entries.locator("time").all():
        expect(time).to_have_attribute("datetime", re.compile(r"^\d{4}-\d\d-\d\dT"))
        expect(time).to_have_text(re.compile(r"UTC$"))

    # A resolved incident: its whole timeline and its published postmortem.
    page.get_by_role("link", name="History").first.click()
    page.get_by_role("link", name="API unavailable in the EU region").first.click()
    article = page.locator("article.event-page")
    expect(article.locator("h1")).to_have_text("API unavailable in the EU region")
    expect(article.locator("ol.timeline > li .when strong")).to_have_text(
        ["Resolved", "Monitoring", "Identified", "Investigating"]
    )
    expect(article.locator("ol.timeline")).to_contain_text("configuration change to our load")
    expect(page.get_by_role("heading", name="Postmortem")).to_be_visible()
    expect(article.locator(".postmortem")).to_contain_text("What we are changing")

    assert traffic.outside() == []
    assert traffic.failures == []


def test_responder_declares_an_incident_that_the_public_page_shows(page, watch):
    """The incident and its component's status show publicly at once; the responder's
    message (customers need approval) only on the internal page."""
    traffic = watch(page)
    name = f"Webhook deliveries failing {uuid.uuid4().hex[:6]}"
    message = "Webhook events are not being delivered. No events are lost; we are investigating."

    # Staff pages need a sign-in.
    page.goto("/admin/incidents/new")
    expect(page).to_have_url(re.compile(r"/login\?next=/admin/incidents/new$"))
    expect(page.get_by_role("heading", name="Staff sign-in")).to_be_visible()
    page.get_by_label("Email").fill("responder@example.com")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    # Back on the declare form, signed in.
    expect(page).to_have_url(re.compile(r"/admin/incidents/new$"))
    expect(page.locator("footer")).to_contain_text("signed in as responder@example.com")
    expect(page.get_by_role("heading", name="Declare an incident")).to_be_visible()
    page.get_by_label("Incident name").fill(name)
    page.get_by_label("Message (Markdown)").fill(message)
    webhooks = page.get_by_label("Webhooks", exact=True)
    expect(webhooks).to_have_attribute("name", re.compile(r"^component-\d+$"))
    assert webhooks.get_attribute("id") == webhooks.get_attribute("name")
    webhooks.select_option("degraded_performance")
    page.get_by_role("button", name="Declare incident").click()

    # The demo's customers need approval: the message is internal until the comms lead
    # publishes a public text through the composer.
    expect(page.locator(".flashes")).to_have_text(
        f"Declared {name}. Customers need approval: this message goes to the internal page; "
        "use the composer for the public text."
    )
    expect(page.locator("h1")).to_have_text(name)
    expect(page.locator("main")).to_contain_text("Webhooks: Degraded performance")

    # The internal page shows the responder's message.
    page.goto("/internal")
    internal_event = page.locator("article.event").filter(has_text=name)
    expect(internal_event.locator(".timeline .body")).to_have_text(message)

    # The public page lists it at once, with the component's status and a neutral line
    # in place of the message.
    page.goto("/")
    event = page.locator("article.event").filter(has_text=name)
    expect(event).to_be_visible()
    meta = event.locator(".meta:not(.empty-times)")
    expect(meta).to_contain_text("Investigating")
    expect(meta).to_contain_text("Affects Webhooks")
    # Before the first public text: when it started (and the next update, if promised).
    expect(event.locator(".meta.empty-times")).to_contain_text("Started")
    expect(event.locator("p.empty")).to_have_text(
        "We are looking into this. Updates will be posted here."
    )
    expect(event).not_to_contain_text("Webhook events are not being delivered")
    webhooks_row = page.locator("li.comp").filter(has=page.locator(".name", has_text="Webhooks"))
    expect(webhooks_row.locator(".st")).to_have_text("▼ Degraded performance")
    expect(page.locator("article.event").filter(has_text=ACTIVE_INCIDENT)).to_be_visible()

    # So does the public JSON.
    response = page.request.get("/api/v2/incidents/unresolved.json")
    assert response.ok
    assert response.headers["content-type"].startswith("application/json")
    incidents = {incident["name"]: incident for incident in response.json()["incidents"]}
    assert ACTIVE_INCIDENT in incidents
    declared = incidents[name]
    assert declared["status"] == "investigating"
    assert declared["impact"] == "minor"
    assert [c["name"] for c in declared["components"]] == ["Webhooks"]
    assert declared["components"][0]["status"] == "degraded_performance"
    assert declared["incident_updates"] == []
    assert "Webhook events are not being delivered" not in response.text()

    # Its public page, linked from the page, shows the same.
    event.locator("h3 a").click()
    expect(page.locator("article.event-page h1")).to_have_text(name)
    expect(page.locator("article.event-page ol.timeline > li")).to_have_count(0)
    expect(page.locator("article.event-page p.empty")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("Webhook events are not being delivered")

    assert traffic.outside() == [], "a page loaded something from elsewhere"
    assert traffic.failures == []
