"""Counts on staff pages, in audit entries and logs read as English: "1 error",
"2 errors", never "error(s)"."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.words import counted

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("count", "noun", "plural", "words"),
    [
        (0, "error", None, "0 errors"),
        (1, "error", None, "1 error"),
        (2, "audience", None, "2 audiences"),
        (1, "thing", None, "1 thing"),
        (3, "entry", "entries", "3 entries"),
    ],
)
def test_a_count_takes_the_noun_in_its_number(count, noun, plural, words):
    assert counted(count, noun, plural) == words


def test_no_page_message_or_log_line_writes_a_noun_as_noun_s():
    # A count then "noun(s)": "{n} error(s)", "{{ n }} recipient(s)", "3 thing(s)" (not a
    # call such as str(s), nor "http(s)").
    noun_s = re.compile(r"[\d}] [a-z]+\(s\)")
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for folder in ("app", "core", "subscribers", "templates")
        for path in sorted((ROOT / folder).rglob("*"))
        if path.suffix in {".py", ".html", ".txt", ".md"}
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if noun_s.search(line)
    ]
    assert found == []
