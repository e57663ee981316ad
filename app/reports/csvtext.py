"""Reports as CSV text: a header and rows, each value in a cell of its own. A cell that a
spreadsheet would run as a formula (component names, page names and addresses are typed
by people) is quoted as text with a leading apostrophe, as the subscribers' export does
(subscribers/csv_export.py): a phone number ("+" then digits) and any other number are
left as they are."""

from __future__ import annotations

import csv
import io
import re

from subscribers.csv_io import FORMULA_START, PHONE

NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def _cell(value) -> str:
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_START) and not (PHONE.fullmatch(text) or NUMBER.fullmatch(text)):
        return "'" + text
    return text


def csv_text(header, rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return out.getvalue()
