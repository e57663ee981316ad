"""An incident's or a maintenance window's page, and the history, in each language: each
label once, and the approved English update texts (and postmortems) marked as English
for readers, screen readers and browsers of a page in another language."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from app.i18n import COOKIE
from app.incidents.postmortems import save_postmortem
from app.incidents.services import declare_incident, post_incident_update
from app.maintenance.services import schedule_maintenance
from core.db import db


def page(client, path, language):
    response = client.get(path, headers={"Accept-Language": language})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def meta_line(html: str) -> str:
    """The words of the line under the page's heading (status, kind, window)."""
    line = re.search(r'<p class="meta">(.*?)</p>', html, re.S).group(1)
    return " ".join(re.sub(r"<[^>]+>", " ", line).split())


@pytest.fixture
def window(make_component):
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    maintenance = schedule_maintenance(
        None,
        "Database upgrade",
        start,
        start + timedelta(hours=2),
        [make_component("API")],
        body="Upgrading the database.",
    )
    db.session.commit()
    return maintenance


@pytest.fixture
def incident(make_component):
    declared = declare_incident(
        None,
        "Slow logins",
        "major",
        {make_component("API"): "partial_outage"},
        body="We are looking at slow logins.",
        started_at=datetime(2026, 12, 3, 9, 30, tzinfo=UTC),
        reviewed=True,
    )
    db.session.commit()
    return declared


@pytest.mark.parametrize(
    ("language", "starts"),
    [
        ("en", "Scheduled Maintenance ·"),
        ("de", "Geplant Wartung ·"),
        ("es", "Programado Mantenimiento ·"),
    ],
)
def test_a_scheduled_window_s_page_says_scheduled_once(client, window, language, starts):
    line = meta_line(page(client, f"/maintenance/{window.public_id}", language))
    assert line.startswith(starts)
    assert "Scheduled Scheduled" not in line and "Geplant Geplante" not in line
    assert "Programado Mantenimiento programado" not in line


@pytest.mark.parametrize(("language", "note"), [("de", "(auf Englisch)"), ("es", "(en inglés)")])
@pytest.mark.parametrize("path", ["/", "/incidents/{id}"])
def test_an_english_update_on_a_page_in_another_language_is_marked_english(
    client, incident, language, note, path
):
    html = page(client, path.format(id=incident.public_id), language)
    body = re.search(r'<div class="body"([^>]*)>\s*(.*?)</div>', html, re.S)
    assert body.group(1) == ' lang="en"' and "slow logins" in body.group(2)
    assert html.count(note) == html.count('<div class="body" lang="en">') >= 1


def test_the_english_page_marks_nothing(client, incident):
    html = page(client, f"/incidents/{incident.public_id}", "en")
    assert '<div class="body">' in html and 'lang="en">' not in html.split("<body", 1)[1]
    assert "(in English)" not in html


@pytest.mark.parametrize(("language", "note"), [("de", "(auf Englisch)"), ("es", "(en inglés)")])
def test_the_history_marks_its_english_excerpts_in_another_language(
    client, incident, language, note
):
    client.set_cookie(COOKIE, language)
    response = client.get("/history")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    excerpt = re.search(r'<div class="excerpt"([^>]*)>\s*(.*?)</div>', html, re.S)
    assert excerpt.group(1) == ' lang="en"' and "slow logins" in excerpt.group(2)
    # Marked once, at the end of the line above the excerpt it is about.
    line = re.search(r'<p class="meta">(.*?)</p>\s*<div class="excerpt"', html, re.S).group(1)
    assert line.endswith(f' · <span class="in-english">{note}</span>')
    assert html.count(note) == 1


def test_the_english_history_marks_nothing(client, incident):
    html = page(client, "/history", "en")
    assert re.search(r'<div class="excerpt">\s*<p>We are looking at slow logins.', html)
    assert "(in English)" not in html and 'lang="en">' not in html.split("<body", 1)[1]


def test_a_published_postmortem_on_a_german_page_is_marked_english(client, incident):
    post_incident_update(None, incident, "resolved", "Logins are fast again.", reviewed=True)
    save_postmortem(None, incident, "A full **disk** slowed the logins.", publish=True)
    db.session.commit()
    html = page(client, f"/incidents/{incident.public_id}", "de")
    postmortem = html.split('<section class="postmortem"', 1)[1]
    assert '<h2 id="pm-h">Nachbetrachtung</h2>' in postmortem
    assert '<span class="in-english">(auf Englisch)</span></p>' in postmortem
    body = re.search(r'<div class="postmortem-body" lang="en">(.*?)</div>', postmortem, re.S)
    assert "A full <strong>disk</strong> slowed the logins." in body.group(1)
    english = page(client, f"/incidents/{incident.public_id}", "en")
    assert '<div class="postmortem-body"><p>A full <strong>disk</strong>' in english
    assert "(in English)" not in english
