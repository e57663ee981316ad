"""When a feed's mentions in the last 15 minutes exceed its threshold and no incident is
open, one incident is suggested (never declared, never public); a continuing surge adds
to it instead of suggesting again; with an incident open, nothing is suggested."""

from __future__ import annotations

from sqlalchemy import select

from app.incidents.services import declare_incident
from app.models import Incident, SuggestedIncident
from app.signals.fetch import Fetched
from app.signals.listening import create_feed
from app.signals.listening_items import handle
from core.db import db
from tests.signals.listening_feeds import forum_search, mastodon_hashtag, minutes_ago


def complaints(count: int, start: int = 0, minutes: float = 2) -> Fetched:
    items = [
        {
            "id": str(5000 + n),
            "author": f"user{n}",
            "text": f"<p>Checkout is broken again ({n}) &lt;b&gt;help&lt;/b&gt;</p>",
            "at": minutes_ago(minutes),
        }
        for n in range(start, start + count)
    ]
    return Fetched(200, mastodon_hashtag(items), "", "", False)


def suggestions() -> list[SuggestedIncident]:
    return list(db.session.scalars(select(SuggestedIncident).order_by(SuggestedIncident.id)))


def test_a_surge_over_the_threshold_suggests_one_incident_for_the_component(
    app, audiences, make_component
):
    checkout = make_component("Checkout")
    feed = create_feed(
        None, "Mastodon", "https://social.example.org/tags/x.atom", alert_threshold=3
    )
    db.session.commit()

    handle(feed, complaints(3))
    assert suggestions() == []  # at the threshold, not over it

    handle(feed, complaints(1, start=3))
    db.session.commit()
    (suggestion,) = suggestions()
    assert suggestion.origin == "listening" and suggestion.state == "open"
    assert suggestion.key.startswith(f"listening:{feed.id}:")
    assert suggestion.name == "Customers are reporting problems with Checkout"
    assert suggestion.impact == "minor"
    assert suggestion.component_statuses == {str(checkout.id): "degraded_performance"}
    assert "4 mentions in Mastodon" in suggestion.facts
    # Plain text: the toot's markup is gone; what its author typed (an escaped "<b>") stays
    # as the characters they typed.
    assert "<p>" not in suggestion.facts
    assert "- Checkout is broken again (3) <b>help</b>" in suggestion.facts
    assert suggestion.link.startswith("https://social.example.org/@user")
    assert db.session.scalar(select(Incident)) is None  # suggested, never declared

    handle(feed, complaints(5, start=10))
    db.session.commit()
    (again,) = suggestions()
    assert again.id == suggestion.id and "9 mentions" in again.facts


def test_old_items_do_not_make_a_surge(app, audiences, make_component):
    make_component("Checkout")
    feed = create_feed(
        None, "Mastodon", "https://social.example.org/tags/x.atom", alert_threshold=2
    )
    db.session.commit()

    handle(feed, complaints(6, minutes=40))
    db.session.commit()

    assert suggestions() == []


def test_a_surge_about_the_page_names_the_page_and_no_component(app, audiences):
    feed = create_feed(None, "Forum", "https://forum.example.net/search.rss", alert_threshold=1)
    db.session.commit()
    posts = [
        {"guid": str(n), "title": f"Herald Status down? #{n}", "at": minutes_ago(1)}
        for n in range(2)
    ]

    handle(feed, Fetched(200, forum_search(posts), "", "", False))
    db.session.commit()

    (suggestion,) = suggestions()
    assert suggestion.name == "Customers are reporting problems with Herald Status"
    assert suggestion.component_statuses == {}


def test_no_suggestion_while_an_incident_is_open(app, audiences, make_component, make_user):
    checkout = make_component("Checkout")
    declare_incident(
        make_user("admin"),
        "Checkout errors",
        "minor",
        {checkout: "degraded_performance"},
        deliver_notifications=False,
    )
    feed = create_feed(
        None, "Mastodon", "https://social.example.org/tags/x.atom", alert_threshold=2
    )
    db.session.commit()

    assert handle(feed, complaints(8)) == 8
    db.session.commit()

    assert suggestions() == []
