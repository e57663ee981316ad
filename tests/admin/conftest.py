"""Fixtures for the staff-area tests.

Each request runs in its own application context, as in production. The shared ``app``
fixture keeps an application context pushed for the whole test, and a test client
request would reuse it: ``g`` (the signed-in user, the CSRF token) and the database
session would then leak from one client's request into the next, so a second client in
the same test would appear signed in as the first. Running each request in an empty
``contextvars`` context makes Flask push a fresh application context with its own
session.
"""

from __future__ import annotations

import contextvars
import html
from html.parser import HTMLParser

import pytest
from flask.testing import FlaskClient

from app.extensions import db

_ISOLATED = contextvars.ContextVar("isolated_request", default=False)


class IsolatedClient(FlaskClient):
    def open(self, *args, **kwargs):
        if _ISOLATED.get():  # a redirect followed inside the isolated request
            return super().open(*args, **kwargs)

        def run():
            _ISOLATED.set(True)
            return FlaskClient.open(self, *args, **kwargs)

        response = contextvars.Context().run(run)
        db.session.expire_all()  # the test's session then reads what the request committed
        return response


@pytest.fixture(autouse=True)
def isolated_requests(app):
    app.test_client_class = IsolatedClient


class _Forms(HTMLParser):
    """Collects each <form> with the values a browser would submit unchanged."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._textarea: str | None = None

    def _add(self, name, value):
        if self.forms and name:
            self.forms[-1]["fields"].append((name, value))

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action"), "fields": []})
        elif tag == "input":
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self._add(attrs.get("name"), attrs.get("value", "on"))
            elif kind not in ("submit", "button", "reset"):
                self._add(attrs.get("name"), attrs.get("value") or "")
        elif tag == "select":
            self._select, self._options = attrs.get("name"), []
        elif tag == "option" and self._select is not None:
            self._options.append((attrs.get("value", ""), "selected" in attrs))
        elif tag == "textarea":
            self._textarea = attrs.get("name")
            self._add(self._textarea, "")

    def handle_data(self, data):
        if self._textarea is not None:
            name, value = self.forms[-1]["fields"].pop()
            self.forms[-1]["fields"].append((name, value + data))

    def handle_endtag(self, tag):
        if tag == "select" and self._select is not None:
            chosen = [v for v, selected in self._options if selected] or [
                v for v, _ in self._options[:1]
            ]
            for value in chosen:
                self._add(self._select, value)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            name, value = self.forms[-1]["fields"].pop()
            # A browser drops the newline that follows <textarea> (WTForms writes one).
            self.forms[-1]["fields"].append((name, value.removeprefix("\r").removeprefix("\n")))
            self._textarea = None


def form_fields(html: str, action: str | None = None) -> dict:
    """The fields of the form posting to ``action`` (None: the page's own main form) as a
    browser would send them untouched; names that repeat map to lists."""
    parser = _Forms()
    parser.feed(html)
    for form in parser.forms:
        if form["action"] == action:
            data: dict = {}
            for name, value in form["fields"]:
                if name in data:
                    previous = data[name]
                    data[name] = (
                        [*previous, value]
                        if isinstance(previous, list)
                        else [
                            previous,
                            value,
                        ]
                    )
                else:
                    data[name] = value
            return data
    raise AssertionError(f"no form with action {action!r} on the page")


@pytest.fixture
def fill():
    """``fill(client, url, action=None, **changes)``: load ``url``, take the form's values
    as rendered, apply ``changes`` and return the data to post (and the URL to post to)."""

    def fill_in(client, url: str, action: str | None = None, **changes):
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        data = form_fields(response.get_data(as_text=True), action)
        for name, value in changes.items():
            if value is None:
                data.pop(name, None)
            else:
                data[name] = value
        return data

    return fill_in


def page_text(response) -> str:
    """The response body with HTML entities decoded, for checking messages."""
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def text():
    return page_text
