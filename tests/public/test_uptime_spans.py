"""The uptime figures on the public page: true from an outage's first moment, and one per
span of days that a screen may show (90, 60 or 30; herald.css picks the one shown)."""

from __future__ import annotations

import re
from datetime import timedelta

from app.incidents.services import declare_incident
from app.models import utcnow
from app.status.components import set_component_status
from core.db import db


def component_html(client, name: str) -> str:
    html = client.get("/").get_data(as_text=True)
    found = re.search(
        r'<li class="comp">\s*<div class="comp-head">\s*<span class="name">'
        + re.escape(name)
        + r"</span>.*?</li>\s*(?=<li class=\"comp\">|</ul>)",
        html,
        re.S,
    )
    assert found, f"no component {name}"
    return found.group(0)


def legend(html: str) -> dict[str, list[str]]:
    """The legend's texts by span class: {"span-90": ["90 days ago", "99.95% uptime"], …}."""
    shown: dict[str, list[str]] = {}
    for css, text in re.findall(r'<span class="(span-\d+)">([^<]*)</span>', html):
        shown.setdefault(css, []).append(text)
    return shown


def test_a_component_declared_down_a_moment_ago_is_red_today_and_below_100(client, make_component):
    api = make_component("API", at=utcnow() - timedelta(days=100))
    declare_incident(None, "API down", "major", {api: "major_outage"}, body="Down.")
    db.session.commit()
    html = component_html(client, "API")
    bars = re.findall(r"<li( class=\"(\w+)\")?[ >]", html.split('<ol class="bars"')[1])
    assert bars[-1][1] == "major"  # today
    assert "100%" not in html.split('<p class="legend"')[1]
    assert "so far" in html  # today's tooltip: the outage is still going on


def test_the_legend_has_the_uptime_of_each_span_of_days(client, make_component):
    now = utcnow()
    api = make_component("API", at=now - timedelta(days=100))
    outage = now - timedelta(days=45)
    set_component_status(None, api, "major_outage", at=outage)
    set_component_status(None, api, "operational", at=outage + timedelta(hours=6))
    db.session.commit()
    spans = legend(component_html(client, "API"))
    assert spans["span-90"][0] == "90 days ago"
    assert spans["span-60"][0] == "60 days ago"
    assert spans["span-30"] == ["30 days ago", "100% uptime"]  # the outage is older
    ninety = float(spans["span-90"][1].removesuffix("% uptime"))
    sixty = float(spans["span-60"][1].removesuffix("% uptime"))
    assert ninety > sixty  # the same six hours weigh more in fewer days
    assert abs(sixty - 100 * (1 - 6 / (59 * 24 + now.hour + now.minute / 60))) < 0.01


def test_each_screen_width_shows_the_figure_of_the_days_it_shows(client):
    with client.get("/static/herald.css") as response:
        css = response.get_data(as_text=True)
    rules: dict[str, str] = {}
    for width, block in re.findall(r"@media \(max-width: ([\d.]+rem)\) \{(.*?)\n\}", css, re.S):
        rules[width] = rules.get(width, "") + block  # a width may have several blocks
    assert ".legend .span-60, .legend .span-30 { display: none; }" in css
    medium, narrow = rules["52rem"], rules["40rem"]
    assert ".bars li:nth-child(-n+30) { display: none; }" in medium  # 60 bars left
    assert ".legend .span-60 { display: inline; }" in medium
    assert ".bars li:nth-child(-n+60) { display: none; }" in narrow  # 30 bars left
    assert ".legend .span-30 { display: inline; }" in narrow
