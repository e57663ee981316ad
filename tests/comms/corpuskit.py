"""The labelled corpus of draft texts (tests/comms/corpus/drafts.jsonl) and what the
checks say about each one; used by the corpus test and by bench/checks.py.

Each line: ``text``; ``audience``: customer, press or internal (the engineering
audience: technical, may speculate); ``status`` (default identified); ``first``: the
incident's first update; ``promised``: the fact sheet has a next-update time (default
true); ``labels``: what the checks should find; ``hard``: a case the checks once got
wrong.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from app import accounts
from app.comms.checks import check_texts
from app.comms.context import Facts
from core.db import db

CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "drafts.jsonl")
NOW = datetime(2026, 11, 28, 14, 0, tzinfo=UTC)
AUDIENCES = {
    "customer": ("customers", "plain"),
    "press": ("press", "plain"),
    "internal": ("engineering", "technical"),
}
# The label in the corpus for each finding code of the checks.
LABELS = {
    "blame": "blame",
    "speculation": "speculation",
    "jargon": "jargon",
    "no_acknowledgement": "acknowledgement",
    "no_next_update": "next_update",
    "placeholder": "placeholder",
    "contradiction": "contradiction",
}
TARGETED = ("blame", "speculation", "jargon", "acknowledgement", "next_update")
# Staff and teams the checks know by name (from the database), as in a real install.
STAFF = ("Jordan Smith", "Priya Natarajan")
TEAMS = ("Payments", "Platform", "Identity")


@dataclass(frozen=True)
class Entry:
    line: int
    text: str
    audience: str
    status: str
    first: bool
    promised: bool
    labels: frozenset[str]
    hard: bool


def load() -> list[Entry]:
    with open(CORPUS, encoding="utf-8") as handle:
        return [
            Entry(
                line=number,
                text=row["text"],
                audience=row["audience"],
                status=row.get("status", "identified"),
                first=row.get("first", False),
                promised=row.get("promised", True),
                labels=frozenset(row["labels"]),
                hard=row.get("hard", False),
            )
            for number, row in enumerate(map(json.loads, handle), start=1)
        ]


def add_people() -> None:
    """The staff and teams the corpus's texts name."""
    for team in TEAMS:
        accounts.create_team(None, team)
    for number, name in enumerate(STAFF):
        accounts.create_user(
            None, f"staff{number}@example.com", "responder", "a long password 1", name=name
        )
    db.session.commit()


def found_labels(entry: Entry) -> set[str]:
    """The labels the checks give one corpus text, as its page text."""
    audience, tone = AUDIENCES[entry.audience]
    findings = check_texts(
        {
            "page_text": entry.text,
            "email_subject": "Card payments",
            "email_body": "",
            "sms_text": "",
        },
        audience_key=audience,
        tone=tone,
        status=entry.status,
        facts=Facts(next_update_at=NOW + timedelta(hours=1) if entry.promised else None),
        first_update=entry.first,
        sms_max_segments=2,
        page_max_chars=1500,
        now=NOW,
    )
    return {LABELS[f.code] for f in findings if f.code in LABELS}
