"""The internal incident page shows "What people are saying": a server-drawn SVG chart of
mentions per 15 minutes and the latest items, as escaped text; the admin dashboard shows
them when mentions are rising."""

from __future__ import annotations

from app.incidents.services import declare_incident
from app.signals.fetch import Fetched
from app.signals.listening import create_feed
from app.signals.listening_items import handle
from core.db import db
from tests.signals.listening_feeds import forum_search, minutes_ago

HOSTILE = "Checkout <script>alert(1)</script> down <img src=x onerror=alert(2)>"


def store(feed, titles, minutes=2, link="https://forum.example.net/t/{n}"):
    posts = [
        {
            "guid": f"g{n}-{title}",
            "title": title,
            "at": minutes_ago(minutes),
            "link": link.format(n=n),
        }
        for n, title in enumerate(titles)
    ]
    handle(feed, Fetched(200, forum_search(posts), "", "", False))
    db.session.commit()


def test_the_internal_incident_page_shows_mentions_as_text_and_a_chart(
    app, audiences, make_component, make_user, staff
):
    checkout = make_component("Checkout")
    admin = make_user("admin")
    incident = declare_incident(
        admin,
        "Checkout errors",
        "minor",
        {checkout: "degraded_performance"},
        deliver_notifications=False,
    )
    feed = create_feed(
        None,
        "Forum search",
        "https://forum.example.net/search.rss",
        keywords="checkout\nforum words",
    )
    db.session.commit()
    store(feed, [HOSTILE, "Checkout slow for me"], link="javascript:alert({n})")
    store(feed, ["checkout fine again?"], minutes=200)

    page = staff(admin).get(f"/internal/incidents/{incident.public_id}")

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "What people are saying" in html
    assert "<script>alert" not in html and "onerror=alert" not in html.replace("&#34;", "")
    assert "<img src=x" not in html
    assert "javascript:" not in html
    assert "Checkout slow for me" in html and "checkout fine again?" in html
    assert "3 mentions in the last 6 hours" in html
    chart = html[html.index('<svg class="mentions-chart"') : html.index("</svg>")]
    assert chart.count("<rect") == 24 and "<script" not in chart
    assert "Forum search" in html  # the source


def test_the_dashboard_shows_mentions_only_when_they_rise(app, audiences, make_user, staff):
    admin = make_user("admin")
    feed = create_feed(None, "Forum", "https://forum.example.net/search.rss", alert_threshold=50)
    db.session.commit()
    client = staff(admin)

    store(feed, ["Herald Status old news"], minutes=120)
    assert "Mentions are rising" not in client.get("/admin/").get_data(as_text=True)

    store(feed, [f"Herald Status down {n} <b>now</b>" for n in range(4)])
    html = client.get("/admin/").get_data(as_text=True)
    assert "Mentions are rising" in html
    assert "Herald Status down 3 now" in html and "<b>now" not in html


def checkout_incident(make_component, make_user, staff):
    """An open incident on Checkout and a listening feed: (the feed, its internal page)."""
    checkout = make_component("Checkout")
    admin = make_user("admin")
    incident = declare_incident(
        admin,
        "Checkout errors",
        "minor",
        {checkout: "degraded_performance"},
        deliver_notifications=False,
    )
    feed = create_feed(None, "Forum", "https://forum.example.net/search.rss")
    db.session.commit()
    client = staff(admin)
    return feed, lambda: client.get(f"/internal/incidents/{incident.public_id}").get_data(
        as_text=True
    )


def test_an_incident_page_shows_mentions_of_its_own_services(
    app, audiences, make_component, make_user, staff
):
    """Found by a new user: mentions of Payouts were listed on the card incident's page."""
    make_component("Payouts")  # a keyword by default: its mentions are matched to it
    feed, page = checkout_incident(make_component, make_user, staff)
    store(feed, ["Checkout broken again", "Payouts late this week", "Herald Status is slow"])
    html = page()
    assert "Checkout broken again" in html and "Herald Status is slow" in html
    assert "Payouts late this week" not in html
    assert "2 mentions in the last 6 hours" in html and "rising" not in html
    # Payouts is talked about: rising is said of the mentions shown, not of another's.
    store(feed, [f"Payouts late again {n}" for n in range(4)])
    html = page()
    assert "2 mentions in the last 6 hours" in html and "rising" not in html


def test_the_list_holds_only_what_the_count_covers(
    app, audiences, make_component, make_user, staff
):
    """Found by a new user: "4 mentions in the last 6 hours" above five items, the fifth
    eight hours old."""
    feed, page = checkout_incident(make_component, make_user, staff)
    store(feed, ["Checkout broken now"])
    store(feed, ["Checkout broken this morning"], minutes=8 * 60)
    html = page()
    assert "1 mention in the last 6 hours" in html
    assert "Checkout broken now" in html and "Checkout broken this morning" not in html
