"""Markdown reduced to plain text for SMS and plain-text emails: no tags, and no HTML
entities either ("&amp;" in a text message is noise)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from flask import render_template

from app.markdown import plain_text, render_markdown


@pytest.mark.parametrize(
    ("markdown", "text"),
    [
        ("Payments & refunds are **slow**.", "Payments & refunds are slow."),
        (
            "Fewer than 5% fail (<5%) and > 1 in 100 retry.",
            "Fewer than 5% fail (<5%) and > 1 in 100 retry.",
        ),
        ('The "card" service\'s queue', 'The "card" service\'s queue'),
        ("AT&amp;T and &copy; and &#8364;5", "AT&T and © and €5"),
        ("Type <b>bold</b> here", "Type <b>bold</b> here"),  # what was written, as text
        ("[Status](https://example.com/?a=1&b=2)", "Status"),
        ("", ""),
    ],
)
def test_plain_text_has_no_tags_and_no_entities(markdown, text):
    assert plain_text(markdown) == text


def test_html_still_escapes_what_plain_text_decodes():
    html = str(render_markdown("Payments & refunds <script>alert(1)</script>"))
    assert "&amp;" in html and "<script>" not in html


def test_an_sms_and_a_plain_email_read_as_written(app):
    context = {
        "incident": SimpleNamespace(name="Payments & refunds"),
        "status_label": "Investigating",
        "body_text": plain_text("Card payments & refunds fail for <10% of customers."),
        "components": ["Payments"],
        "link": "https://status.example.com/incidents/abc",
        "page_name": "Herald Status",
        "manage_url": "[%manage_url%]",
        "unsubscribe_url": "[%unsubscribe_url%]",
    }
    sms = render_template("notifications/incident_update.sms.txt", **context)
    assert sms.strip() == (
        "Payments & refunds (Investigating): Card payments & refunds fail for <10% of customers."
    )
    text = render_template("notifications/incident_update.txt", **context)
    assert "Card payments & refunds fail for <10% of customers." in text
    assert "&amp;" not in text and "&lt;" not in text
