"""Draft checks benchmark: recall and precision of the checks on the labelled corpus.

    .venv/bin/python bench/checks.py [--show] [--corpus PATH] [--labels A,B]

Runs ``app.comms.checks.check_texts`` over every text of tests/comms/corpus/drafts.jsonl
(as a draft's page text, for its audience, status and fact sheet) in a throw-away SQLite
database that knows the corpus's staff and teams. Prints, per label, how many texts it
caught (labelled and found), false (found, not labelled) and missed (labelled, not
found), with recall and precision; then the time per draft; and last the line
``checks: recall <R> precision <P> (<N> texts)`` over the five targeted labels (blame,
speculation, jargon, acknowledgement, next update). ``--show`` lists every text wrongly
judged. ``--corpus PATH`` runs another corpus file of the same format instead;
``--labels`` counts only the labels named (heldout7.jsonl was labelled to other rules for
next update and acknowledgement, so it measures blame, speculation and jargon).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
os.environ.setdefault("HERALD_ENV", "testing")

from app import create_app  # noqa: E402
from app.models import Base  # noqa: E402
from core.db import db  # noqa: E402
from tests.comms import corpuskit  # noqa: E402
from tests.comms.corpuskit import LABELS, TARGETED, add_people, found_labels, load  # noqa: E402


def ratio(part: int, whole: int) -> float:
    return part / whole if whole else 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="store_true", help="list every text wrongly judged")
    parser.add_argument(
        "--corpus", metavar="PATH", help="a corpus file to run instead of drafts.jsonl"
    )
    parser.add_argument(
        "--labels",
        metavar="A,B",
        help="count only these labels (a corpus labelled to other rules for the rest)",
    )
    args = parser.parse_args()
    counted = set(args.labels.split(",")) if args.labels else set(LABELS.values())
    unknown = counted - set(LABELS.values())
    if unknown:
        parser.error(f"unknown labels: {', '.join(sorted(unknown))}")
    if args.corpus:
        corpuskit.CORPUS = os.path.abspath(args.corpus)
    entries = load()
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/checks.db", "SECRET_KEY": "bench"}
        )
        with app.app_context():
            Base.metadata.create_all(db.engine)
            add_people()
            found_labels(entries[0])  # warm up: the jargon list, the regular expressions
            start = time.perf_counter()
            results = [(entry, found_labels(entry)) for entry in entries]
            per_draft = (time.perf_counter() - start) / len(entries)
            db.session.remove()
            db.engine.dispose()
    totals = {"caught": 0, "false": 0, "missed": 0}
    for label in [label for label in dict.fromkeys(LABELS.values()) if label in counted]:
        caught = sum(label in e.labels and label in got for e, got in results)
        false = sum(label not in e.labels and label in got for e, got in results)
        missed = sum(label in e.labels and label not in got for e, got in results)
        if label in TARGETED:
            totals["caught"] += caught
            totals["false"] += false
            totals["missed"] += missed
        print(
            f"{label:16} caught {caught:3}  false {false:3}  missed {missed:3}  "
            f"recall {ratio(caught, caught + missed):.2f}  "
            f"precision {ratio(caught, caught + false):.2f}"
        )
        if args.show:
            for entry, got in results:
                if (label in entry.labels) != (label in got):
                    what = "missed" if label in entry.labels else "false"
                    print(f"    {what} (line {entry.line}): {entry.text[:110]}")
    print(f"time per draft: {per_draft * 1000:.2f} ms")
    recall = ratio(totals["caught"], totals["caught"] + totals["missed"])
    precision = ratio(totals["caught"], totals["caught"] + totals["false"])
    print(f"checks: recall {recall:.2f} precision {precision:.2f} ({len(entries)} texts)")


if __name__ == "__main__":
    main()
