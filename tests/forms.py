"""Reading forms as a browser would submit them: the ``fill`` and ``text`` fixtures, for
every test that posts a staff or public form (registered in tests/conftest.py)."""

from __future__ import annotations

import html
from html.parser import HTMLParser

import pytest


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


def form_fields(page: str, action: str | None = None) -> dict:
    """The fields of the form posting to ``action`` (None: the page's own main form) as a
    browser would send them untouched; a name that repeats maps to a list."""
    parser = _Forms()
    parser.feed(page)
    for form in parser.forms:
        if form["action"] == action:
            data: dict = {}
            for name, value in form["fields"]:
                if name not in data:
                    data[name] = value
                elif isinstance(data[name], list):
                    data[name].append(value)
                else:
                    data[name] = [data[name], value]
            return data
    raise AssertionError(f"no form with action {action!r} on the page")


@pytest.fixture
def fill():
    """``fill(client, url, action=None, **changes)``: load ``url``, take the values of the
    form posting to ``action`` as rendered, apply ``changes`` (None removes a field, as
    unticking a box does) and return the data to post."""

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
