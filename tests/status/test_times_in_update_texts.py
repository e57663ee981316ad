"""Times Herald wrote in an update's text, in the page's zone, are marked as <time> for
the pages' script; other text and other zones' times stay as written."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from markupsafe import Markup

from app.status.text_times import mark_times

BERLIN = ZoneInfo("Europe/Berlin")


def test_a_time_in_the_pages_zone_is_marked_with_its_moment():
    html = Markup("<p><strong>Next update:</strong> by 8 Dec 2026, 02:00 UTC.</p>")
    assert mark_times(html, ZoneInfo("Etc/UTC")) == Markup(
        '<p><strong>Next update:</strong> by <time datetime="2026-12-08T02:00:00.000+00:00">'
        "8 Dec 2026, 02:00 UTC</time>.</p>"
    )


def test_summer_and_winter_names_of_one_zone_each_read_back_exactly():
    html = Markup("<p>From 1 Jul 2026, 14:30 CEST until 8 Dec 2026, 09:05 CET</p>")
    marked = str(mark_times(html, BERLIN))
    assert '<time datetime="2026-07-01T14:30:00.000+02:00">1 Jul 2026, 14:30 CEST</time>' in marked
    assert '<time datetime="2026-12-08T09:05:00.000+01:00">8 Dec 2026, 09:05 CET</time>' in marked


def test_what_is_not_a_time_in_the_pages_zone_stays_as_written():
    for text in (
        "<p>by 8 Dec 2026, 02:00 PST</p>",  # another zone: not ours to convert
        "<p>by 31 Feb 2026, 02:00 UTC</p>",  # no such day
        "<p>8 Dec 2026 at 02:00</p>",  # not Herald's layout
        # Within a tag's attribute: the tag is kept whole.
        '<p><a href="https://x.example/?at=8 Dec 2026, 02:00 UTC">the log</a></p>',
    ):
        assert mark_times(Markup(text), ZoneInfo("Etc/UTC")) == Markup(text), text
