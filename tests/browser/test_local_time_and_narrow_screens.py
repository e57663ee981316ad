"""In a real browser: times in the visitor's time zone when script runs (the page's zone
as served without it), and on narrower screens an uptime figure for the days shown."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or, in CI, fails) and says why
    expect = None

pytestmark = pytest.mark.browser

VISITOR_ZONE = "Asia/Tokyo"  # the page's zone is Etc/UTC (the default)


@pytest.fixture
def open_page(browser, live_server):
    """``open_page(**context_options)``: a page in a fresh context of its own."""
    contexts = []

    def start(**options):
        context = browser.new_context(base_url=live_server.url, **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield start
    for context in contexts:
        context.close()


def in_zone(iso: str, zone: str) -> str:
    return f"{datetime.fromisoformat(iso).astimezone(ZoneInfo(zone)):%-d %b %Y, %H:%M}"


def test_times_are_shown_in_the_visitors_time_zone_with_both_zones_named(open_page, watch):
    page = open_page(timezone_id=VISITOR_ZONE)
    traffic = watch(page)
    page.goto("/")
    updated = page.locator("section.banner time")
    served = updated.get_attribute("datetime")
    expect(updated).to_have_text(f"{in_zone(served, VISITOR_ZONE)} GMT+9")
    expect(updated).to_have_attribute("title", re.compile(r"\d\d:\d\d UTC$"))
    expect(page.locator("footer")).to_contain_text(
        "Times are shown in your time zone (Asia/Tokyo); this page's time zone is Etc/UTC."
    )
    for when in page.locator("ol.timeline time").all():
        expect(when).to_have_text(f"{in_zone(when.get_attribute('datetime'), VISITOR_ZONE)} GMT+9")
    # Times inside the update texts ("Next update by …") too, not only the headers (found
    # by a new user: the headers were in her zone, the texts under them in UTC).
    in_texts = page.locator("ol.timeline .body time")
    assert in_texts.count() >= 1
    expect(in_texts.first).to_have_text(
        f"{in_zone(in_texts.first.get_attribute('datetime'), VISITOR_ZONE)} GMT+9"
    )
    expect(in_texts.first).to_have_attribute("title", re.compile(r"\d\d:\d\d UTC$"))
    # The demo's upcoming maintenance window: both ends in the visitor's zone, named once.
    window = page.locator("[data-window-start]").first
    start = window.get_attribute("data-window-start")
    end = window.get_attribute("data-window-end")
    expect(window).to_have_text(
        re.compile(
            rf"^{re.escape(in_zone(start, VISITOR_ZONE))}( GMT\+9)? – "
            rf"({re.escape(in_zone(end, VISITOR_ZONE))}|"
            rf"{re.escape(in_zone(end, VISITOR_ZONE).split(', ')[1])}) GMT\+9$"
        )
    )
    expect(window).to_have_attribute("title", re.compile(r"UTC$"))
    assert traffic.failures == []  # the script loads under the CSP and throws nothing

    page.goto("/history")
    first = page.locator("ul.history time").first
    expect(first).to_have_text(f"{in_zone(first.get_attribute('datetime'), VISITOR_ZONE)} GMT+9")


def test_without_script_times_stay_in_the_pages_zone(open_page):
    page = open_page(timezone_id=VISITOR_ZONE, java_script_enabled=False)
    page.goto("/")
    updated = page.locator("section.banner time")
    expect(updated).to_have_text(f"{in_zone(updated.get_attribute('datetime'), 'UTC')} UTC")
    expect(page.locator("footer")).to_contain_text("Times are shown in Etc/UTC.")


def test_a_visitor_in_the_pages_zone_sees_the_page_unchanged(open_page):
    page = open_page(timezone_id="Etc/UTC")
    page.goto("/")
    expect(page.locator("section.banner time")).to_have_text(re.compile(r"\d\d:\d\d UTC$"))
    expect(page.locator("footer")).to_contain_text("Times are shown in Etc/UTC.")


@pytest.mark.parametrize(("width", "days"), [(1280, 90), (760, 60), (375, 30)])
def test_each_screen_width_shows_the_uptime_of_the_days_it_shows(open_page, width, days):
    page = open_page(viewport={"width": width, "height": 900})
    page.goto("/")
    rest_api = page.locator("li.comp").filter(has=page.locator(".name", has_text="REST API"))
    bars = rest_api.locator("ol.bars > li")
    assert bars.evaluate_all("items => items.filter(i => i.offsetWidth > 0).length") == days
    visible = rest_api.locator(".legend span").evaluate_all(
        "spans => spans.filter(s => s.offsetWidth > 0).map(s => s.textContent)"
    )
    tips = bars.evaluate_all(
        "items => items.map(i => (i.querySelector('[data-t]') || i).dataset.t)"
    )
    assert visible[0] == f"{days} days ago" and visible[-1] == "Today"
    assert re.fullmatch(r"\d+(\.\d+)?% uptime", visible[1])
    # The figure shown is the one of the bars shown: an outage day among the hidden bars
    # only does not lower it.
    shown_days = tips[-days:]
    if all(": 100%" in tip for tip in shown_days):
        assert visible[1] == "100% uptime"
    else:
        assert visible[1] != "100% uptime"


@pytest.mark.parametrize("language", ["en", "es", "de"])
def test_a_groups_marker_stays_on_the_line_of_its_name_on_a_narrow_screen(open_page, language):
    """At 390 px in Spanish, "Payments" beside "Rendimiento degradado" once left the
    open-group marker alone on a line above the name."""
    page = open_page(
        viewport={"width": 390, "height": 900}, extra_http_headers={"Accept-Language": language}
    )
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    names = page.locator(".group summary .name")
    assert names.count() >= 4
    lines = names.evaluate_all(
        """names => names.map(name => {
            const range = document.createRange();
            range.selectNodeContents(name);
            const text = range.getBoundingClientRect(), box = name.getBoundingClientRect();
            // The marker (::before) is not in the range: alone on a line, it would put
            // the name's words a line below the top of a box two lines high.
            return [name.textContent, (text.top - box.top) / text.height, box.height / text.height];
        })"""
    )
    for name, lines_above, lines_high in lines:
        assert lines_above < 0.5 and lines_high < 1.5, (name, lines_above, lines_high)
    # The badge beside a name that leaves it no room goes under it, whole.
    badges = page.locator(".group summary > .st")
    assert all(h < 30 for h in badges.evaluate_all("bs => bs.map(b => b.offsetHeight)"))
