"""The labelled corpus (tests/comms/corpus/drafts.jsonl): every hard case, a text the
checks once judged wrongly, gets exactly its labels. bench/checks.py measures the rest."""

from __future__ import annotations

import pytest

from tests.comms.corpuskit import TARGETED, add_people, found_labels, load

ENTRIES = load()
HARD = [e for e in ENTRIES if e.hard]


def test_the_corpus_is_large_and_covers_every_audience_and_targeted_label():
    assert len(ENTRIES) >= 200
    assert {e.audience for e in ENTRIES} == {"customer", "press", "internal"}
    for label in TARGETED:
        assert sum(label in e.labels for e in ENTRIES) >= 10, label
        assert sum(label not in e.labels for e in HARD) >= 5  # hard negatives too


@pytest.fixture
def people(app):
    add_people()


@pytest.mark.parametrize("entry", HARD, ids=[f"line{e.line}" for e in HARD])
def test_a_hard_case_gets_its_labels(people, entry):
    assert found_labels(entry) == set(entry.labels), entry.text
