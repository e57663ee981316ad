"""Listening feeds read with real feedparser from a local server: an Atom hashtag
timeline and an RSS 2.0 forum search. Items naming a keyword are kept once, as plain
text, with their component; everything else is left alone; a broken feed is that feed's
error."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models import AuditEvent, ListeningFeed, Mention
from app.signals.fetch import Fetched
from app.signals.listening import create_feed
from app.signals.listening_items import handle, keywords_for, match
from app.signals.polling import poll_due
from core.db import db
from subscribers.worker import periodic_jobs
from tests.signals.listening_feeds import FeedServer, forum_search, mastodon_hashtag, minutes_ago

TOOTS = [
    {
        "id": "1101",
        "author": "maria",
        "text": "<p>Is <a href='#'>#Checkout</a> down for anyone else? "
        "Card payments spin forever</p>",
        "at": minutes_ago(3),
    },
    {
        "id": "1102",
        "author": "tom",
        "text": "<p>Lovely weather today, nothing to report</p>",
        "at": minutes_ago(4),
    },
    {
        "id": "1103",
        "author": "li",
        "text": "<p>The Herald Status page says all good but the mobile app won't load</p>",
        "at": minutes_ago(5),
    },
    {
        "id": "1104",
        "author": "sam",
        "text": "<p>checkouts are my favourite part of shopping</p>",  # not the whole word
        "at": minutes_ago(6),
    },
]
POSTS = [
    {
        "guid": "8812",
        "title": "Login broken since this morning?",
        "body": "<p>Getting a 502 on <b>login</b> every time.</p>",
        "at": minutes_ago(10),
    },
    {
        "guid": "8813",
        "title": "Feature request: dark mode",
        "body": "<p>Would love it.</p>",
        "at": minutes_ago(12),
    },
]


@pytest.fixture
def server():
    with FeedServer() as running:
        yield running


@pytest.fixture
def components(make_component):
    return {
        "checkout": make_component("Checkout"),
        "login": make_component("Login"),
    }


def mentions(feed: ListeningFeed) -> list[Mention]:
    return list(
        db.session.scalars(select(Mention).where(Mention.feed_id == feed.id).order_by(Mention.id))
    )


def test_default_keywords_are_the_page_name_and_component_names(app, server, components):
    url = server.serve(
        "/tags/acmestatus.atom", mastodon_hashtag(TOOTS), content_type="application/atom+xml"
    )
    feed = create_feed(None, "Mastodon #acmestatus", url)
    db.session.commit()

    assert poll_due(ListeningFeed, handle) == 1

    db.session.refresh(feed)
    assert feed.poll_state == "ok" and feed.last_error == ""
    kept = mentions(feed)
    assert [(m.keyword, m.component_id) for m in kept] == [
        ("Checkout", components["checkout"].id),
        ("Herald Status", None),
    ]
    first = kept[0]
    # Text only, markup gone; the link and the time are the toot's own.
    assert first.title == "Is #Checkout down for anyone else? Card payments spin forever"
    assert first.link == "https://social.example.org/@maria/1101"
    assert first.guid == "https://social.example.org/@maria/1101"
    assert abs((first.published_at - TOOTS[0]["at"]).total_seconds()) < 1
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "listening.create"))


def test_custom_keywords_replace_the_defaults_and_match_whole_words_in_any_case(
    app, server, components
):
    url = server.serve("/search.rss", forum_search(POSTS), content_type="application/rss+xml")
    feed = create_feed(None, "Forum search", url, keywords="LOGIN\n502 on login\n  \n")
    db.session.commit()

    poll_due(ListeningFeed, handle)

    kept = mentions(feed)
    assert [(m.guid, m.keyword, m.component_id) for m in kept] == [
        ("forum-8812", "LOGIN", components["login"].id)
    ]
    assert kept[0].title == "Login broken since this morning?"
    assert kept[0].link == "https://forum.example.net/t/8812"
    # The summary was read for the phrase too; a word inside another word never matches.
    words = keywords_for(feed)
    assert match(words, "a 502   ON Login here").text in ("LOGIN", "502 on login")
    assert match(words, "relogin loginx") is None


def test_an_item_seen_again_is_not_stored_twice(app, server, components):
    url = server.serve("/tags/acmestatus.atom", mastodon_hashtag(TOOTS))
    feed = create_feed(None, "Mastodon", url)
    db.session.commit()
    document = Fetched(200, mastodon_hashtag(TOOTS), "", "", False)

    assert handle(feed, document) == 2
    assert handle(feed, document) == 0
    newer = [{"id": "1200", "author": "ann", "text": "Checkout fails", "at": minutes_ago(1)}]
    assert handle(feed, Fetched(200, mastodon_hashtag(newer + TOOTS), "", "", False)) == 1
    db.session.commit()
    assert len(mentions(feed)) == 3


def test_an_unchanged_feed_answers_304_and_nothing_is_read_again(app, server, components):
    url = server.serve("/tags/acmestatus.atom", mastodon_hashtag(TOOTS))
    feed = create_feed(None, "Mastodon", url)
    db.session.commit()
    poll_due(ListeningFeed, handle)
    db.session.refresh(feed)
    assert feed.etag
    feed.next_poll_at = minutes_ago(1)
    db.session.commit()

    poll_due(ListeningFeed, handle)

    assert server.requests[-1][1].get("If-None-Match") == feed.etag
    db.session.refresh(feed)
    assert feed.poll_state == "ok" and len(mentions(feed)) == 2


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<html><body>Sign in to continue</body></html>", "Not an RSS or Atom feed"),
        (b"", "empty document"),
        (b'{"statuses": []}', "Not an RSS or Atom feed"),
    ],
)
def test_a_document_that_is_not_a_feed_marks_the_feed_failing(
    app, server, components, body, reason
):
    url = server.serve("/broken", body)
    feed = create_feed(None, "Broken", url)
    db.session.commit()

    poll_due(ListeningFeed, handle)

    db.session.refresh(feed)
    assert feed.poll_state == "failing" and reason in feed.last_error
    assert mentions(feed) == []


def test_a_server_error_marks_the_feed_failing_and_keeps_nothing(app, server, components):
    url = server.serve("/down", b"oops", status=500)
    feed = create_feed(None, "Down", url)
    db.session.commit()

    poll_due(ListeningFeed, handle)

    db.session.refresh(feed)
    assert feed.poll_state == "failing" and "500" in feed.last_error
    assert mentions(feed) == []


def test_markup_and_script_links_from_strangers_are_kept_as_text_only(app, components):
    feed = create_feed(None, "Hostile", "https://forum.example.net/search.rss")
    db.session.commit()
    hostile = forum_search(
        [
            {
                "guid": "x1",
                "title": "Checkout <script>alert(1)</script><img src=x onerror=alert(2)> is down",
                "link": "javascript:alert(3)",
                "at": minutes_ago(1),
            }
        ]
    )

    assert handle(feed, Fetched(200, hostile, "", "", False)) == 1

    (kept,) = mentions(feed)
    assert "<" not in kept.title and "alert(1)" not in kept.title
    assert kept.title.startswith("Checkout") and kept.title.endswith("is down")
    assert kept.link == ""


def test_the_worker_polls_listening_feeds_on_its_tick(app, server, components):
    url = server.serve("/search.rss", forum_search(POSTS))
    feed = create_feed(None, "Forum search", url, keywords="login")
    db.session.commit()

    job = dict(periodic_jobs(app, slow=True))["listening-feeds"]
    assert job() == 1

    assert [m.guid for m in mentions(feed)] == ["forum-8812"]
    assert job() == 0  # not due again until its interval has passed
