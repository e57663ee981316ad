"""The language switch in a real browser, without JavaScript: a reader presses
"Deutsch" in the footer of the public page, the page (and the next one) comes back in
German, and pressing "English" brings English back. The demo's page (Brightwave) is
served for the whole session."""

from __future__ import annotations

import re

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or, in CI, fails) and says why
    expect = None

pytestmark = pytest.mark.browser


def test_a_reader_switches_the_page_to_german_and_back(no_js_page, watch):
    page = no_js_page
    traffic = watch(page)
    page.goto("/history")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Incident history", level=1)).to_be_visible()

    switch = page.locator("footer form.lang")
    switch.get_by_role("button", name="Deutsch").click()
    # Back on the page it was on, now in German.
    expect(page).to_have_url(re.compile(r"/history$"))
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_role("heading", name="Störungsverlauf", level=1)).to_be_visible()
    expect(switch.get_by_role("button", name="Deutsch")).to_have_attribute("aria-pressed", "true")

    # The choice is kept: the next page is German too, dates included.
    page.get_by_role("link", name="Status", exact=True).click()
    expect(page.locator("section.components h2")).to_have_text("Komponenten")
    expect(page.locator("section.banner time")).to_have_text(
        re.compile(r"^\d{1,2}\. \w+\.? \d{4}, \d\d:\d\d \w+")
    )
    expect(page.get_by_role("link", name="Updates abonnieren")).to_be_visible()
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["herald_lang"]["value"] == "de" and cookies["herald_lang"]["httpOnly"]

    switch.get_by_role("button", name="English").click()
    expect(page.locator("section.components h2")).to_have_text("Components")
    assert traffic.failures == [] and traffic.outside() == []
