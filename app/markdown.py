"""Markdown that people write, rendered to HTML through an allow-list sanitizer."""

from __future__ import annotations

import html
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_md.enable("table").enable("strikethrough")

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "del",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}


@lru_cache(maxsize=2048)
def render_markdown(text: str) -> Markup:
    """Render Markdown to safe HTML. Headings are demoted (the page owns h1 and h2),
    raw HTML is escaped, and links can only be http, https or mailto."""
    html = _md.render(text or "")
    html = html.replace("<h1>", "<h3>").replace("</h1>", "</h3>")
    html = html.replace("<h2>", "<h4>").replace("</h2>", "</h4>")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener",
    )
    return Markup(clean)


def plain_text(text: str) -> str:
    """Markdown reduced to plain text (for feeds' summaries, SMS and tooltips). The tags
    go and the entities are decoded ("&amp;" is "&" again): the result is text, not HTML,
    so whatever shows it in HTML escapes it there (Jinja's autoescape)."""
    return html.unescape(nh3.clean(_md.render(text or ""), tags=set())).strip()
