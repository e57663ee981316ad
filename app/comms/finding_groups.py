"""The same finding in several channels of one draft, counted once.

The checks run over each text of a draft (page, email subject and body, SMS), so one
jargon word or one blaming sentence written in every channel is found once per channel.
A finding is the same when its severity, its check (``code``) and the words it is about
are: the counts shown on a draft and its set, and an override, are per such finding,
and it lists the channels it appears in.
"""

from __future__ import annotations

from app.comms.checks import FIELD_LABELS
from app.comms.phases import FIELDS
from app.models import Draft


def finding_key(finding: dict) -> str:
    """Identifies one finding in one channel (as an override is stored)."""
    return f"{finding['code']}:{finding['field']}:{finding['start']}"


def draft_texts(draft: Draft) -> dict[str, str]:
    return {name: getattr(draft, name) or "" for name in FIELDS}


def _same(finding: dict, texts: dict[str, str]) -> tuple[str, str, str]:
    text = texts.get(finding["field"], "")
    words = text[finding["start"] : finding["end"]] if finding["end"] > finding["start"] else ""
    return finding["severity"], finding["code"], " ".join(words.split()).casefold()


def group_findings(findings: list[dict], texts: dict[str, str]) -> list[list[dict]]:
    """The findings grouped by sameness, in the order they were first found."""
    groups: dict[tuple[str, str, str], list[dict]] = {}
    for finding in findings:
        groups.setdefault(_same(finding, texts), []).append(finding)
    return list(groups.values())


def channels(group: list[dict]) -> str:
    """Where a finding appears: "page text, email" (each channel once)."""
    labels = dict.fromkeys(FIELD_LABELS.get(f["field"], f["field"]) for f in group)
    return ", ".join(labels)


def same_keys(findings: list[dict], key: str, texts: dict[str, str]) -> list[str]:
    """The keys of the finding ``key`` names in every channel it appears in."""
    for group in group_findings(findings, texts):
        keys = [finding_key(f) for f in group]
        if key in keys:
            return keys
    return []
