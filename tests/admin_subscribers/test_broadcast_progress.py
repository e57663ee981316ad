"""Broadcasts in the admin: the list, a progress bar of sent / failed / retrying /
remaining with its numbers, the JSON the page polls, and the delivery list by state."""

from __future__ import annotations

import re

import pytest

from core.db import db
from subscribers.outbox import Message, create_broadcast
from tests.forms import page_text


@pytest.fixture
def running(app, make_subscriber, make_deliveries):
    """A broadcast half way: 3 sent (one delivered), 2 failed, 1 retrying, 2 remaining."""
    people = [make_subscriber(f"p{n}@example.com", "executives") for n in range(8)]
    broadcast = create_broadcast(
        "executives", Message("Payments are failing", "text"), source="incident_update:1"
    )
    broadcast.state = "sending"
    db.session.commit()
    rows = [
        (people[0], "sent", 1, ""),
        (people[1], "sent", 1, ""),
        (people[2], "delivered", 1, ""),
        (people[3], "bounced", 1, "550 5.1.1 user unknown"),
        (people[4], "failed", 8, "gave up after 8 attempts: HTTP 500"),
        (people[5], "queued", 2, "HTTP 429 Too Many Requests"),
        (people[6], "queued", 0, ""),
        (people[7], "sending", 1, ""),
    ]
    make_deliveries(broadcast, rows)
    return broadcast


def numbers(page: str) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r'data-field="(\w+)">(\d+)<', page)}


def test_the_progress_page_shows_the_numbers_and_a_bar(app, viewer, running):
    page = page_text(viewer.get(f"/admin/broadcasts/{running.id}"))

    assert numbers(page) == {"sent": 3, "failed": 2, "retrying": 1, "remaining": 2, "total": 8}
    assert '<progress max="8" value="5"' in page
    widths = dict(re.findall(r'data-seg="(\w+)" x="[\d.]+" y="0" width="([\d.]+)"', page))
    assert widths == {"sent": "37.5", "failed": "25.0", "retrying": "12.5", "remaining": "25.0"}
    assert "State: <strong" in page and ">Sending<" in page


def test_the_page_polls_with_a_script_file_and_refreshes_itself_without_one(app, viewer, running):
    page = page_text(viewer.get(f"/admin/broadcasts/{running.id}"))
    assert re.search(r'<script src="/static/progress\.js\?v=\w+" defer></script>', page)
    assert f'data-progress-url="/admin/broadcasts/{running.id}/progress.json"' in page
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in page
    assert "<script>" not in page and " style=" not in page  # the CSP allows neither
    script = viewer.get("/static/progress.js")
    body = script.get_data()
    script.close()  # a static file response holds the file open until closed
    assert script.status_code == 200
    assert b"setInterval(poll, INTERVAL)" in body and b"INTERVAL = 2000" in body


def test_a_finished_broadcast_stops_refreshing(app, viewer, running):
    running.state = "done"
    db.session.commit()
    page = page_text(viewer.get(f"/admin/broadcasts/{running.id}"))
    assert 'http-equiv="refresh"' not in page
    assert 'data-done="true"' in page


def test_the_progress_json_has_the_numbers_the_page_shows(app, viewer, running):
    response = viewer.get(f"/admin/broadcasts/{running.id}/progress.json")

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    data = response.get_json()
    assert {k: data[k] for k in ("sent", "failed", "retrying", "remaining", "total")} == {
        "sent": 3,
        "failed": 2,
        "retrying": 1,
        "remaining": 2,
        "total": 8,
    }
    assert (data["state"], data["state_label"], data["done"]) == ("sending", "Sending", False)
    assert data["by_state"]["bounced"] == 1
    assert [s["name"] for s in data["segments"]] == ["sent", "failed", "retrying", "remaining"]


def test_the_json_follows_deliveries_as_they_change(app, viewer, running):
    from subscribers.models import Delivery

    for delivery in db.session.query(Delivery).filter(Delivery.state.in_(("queued", "sending"))):
        delivery.state, delivery.attempts = "sent", delivery.attempts + 1
    running.state = "done"
    db.session.commit()
    data = viewer.get(f"/admin/broadcasts/{running.id}/progress.json").get_json()
    assert (data["sent"], data["retrying"], data["remaining"], data["done"]) == (6, 0, 0, True)


def test_the_delivery_list_filters_by_state_and_shows_failure_reasons(app, viewer, running):
    page = page_text(viewer.get(f"/admin/broadcasts/{running.id}?state=bounced"))
    assert "p3@example.com" in page and "550 5.1.1 user unknown" in page
    assert "p0@example.com" not in page

    page = page_text(viewer.get(f"/admin/broadcasts/{running.id}?state=retrying"))
    assert "p5@example.com" in page and "HTTP 429" in page
    assert "p6@example.com" not in page

    page = page_text(viewer.get(f"/admin/broadcasts/{running.id}"))
    assert all(f"p{n}@example.com" in page for n in range(8))


def test_a_broadcast_not_yet_expanded_shows_who_it_will_reach(app, viewer, make_subscriber):
    make_subscriber("boss@example.com", "executives")
    make_subscriber("helpdesk@example.com", "support")
    broadcast = create_broadcast("executives", Message("Heads up", "text"), source="t:9")
    db.session.commit()

    page = page_text(viewer.get(f"/admin/broadcasts/{broadcast.id}"))

    assert "Who will receive it" in page
    assert "boss@example.com" in page and "helpdesk@example.com" not in page
    assert numbers(page)["total"] == 0


def test_the_broadcast_list_shows_audience_kind_recipients_and_progress(app, viewer, running):
    page = page_text(viewer.get("/admin/broadcasts"))
    assert f'href="/admin/broadcasts/{running.id}">Payments are failing</a>' in page
    assert "Executives" in page and "incident" in page
    assert numbers(page) == {"sent": 3, "failed": 2, "retrying": 1, "remaining": 2, "total": 8}
    assert 'class="num">8<' in page


def test_the_staff_navigation_links_the_new_screens(app, viewer):
    page = page_text(viewer.get("/admin/"))
    for link in ("/admin/subscribers", "/admin/subscriber-groups", "/admin/broadcasts"):
        assert f'href="{link}"' in page
