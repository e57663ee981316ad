"""Checks on every draft: findings with a severity and the place in the text.

Errors block publishing; warnings can be published only with a recorded reason.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import select

from app.comms.audience_keys import TEAM_SMS_ROOM, TEAMS, is_external
from app.comms.blame import all_blame
from app.comms.context import Facts
from app.comms.next_update import passed_next_updates, tells_next_update
from app.comms.outage_now import outage_now
from app.comms.phrases import (
    ACKNOWLEDGE,
    APOLOGY,
    CAUSE_KNOWN,
    CONDITIONAL,
    NEGATED,
    PARTIAL_AFTER,
    PARTIAL_BEFORE,
    PLACEHOLDER,
    PLAIN_USES,
    RESOLVED_WORDS,
    SPECULATION,
    UNRESOLVED_WORDS,
    in_link,
    jargon_pattern,
    used_as_name,
)
from app.comms.punctuation import DOUBLED
from app.comms.team_status import team_line_room
from app.models import Team, User, utcnow
from app.textrules import CONTROL, control_character
from app.timeutil import page_zone
from core.db import db
from core.vocab import DEFAULT_LANGUAGE, LANGUAGE_NAMES, LANGUAGES
from subscribers.channels.segments import segment_count
from subscribers.models import Subscriber

ERROR, WARNING = "error", "warning"
TEXT_FIELDS = ("page_text", "email_subject", "email_body", "sms_text")
FIELD_LABELS = {
    "page_text": "page text",
    "email_subject": "email subject",
    "email_body": "email",
    "sms_text": "SMS",
    "facts": "facts",
    # The SMS other languages' readers get (app.comms.translated_checks).
    **{
        f"sms_text:{language}": f"SMS in {LANGUAGE_NAMES[language]}"
        for language in LANGUAGES
        if language != DEFAULT_LANGUAGE
    },
}


@dataclass(frozen=True)
class Finding:
    severity: str
    code: str
    message: str
    field: str
    start: int = 0
    end: int = 0

    @property
    def key(self) -> str:
        """Identifies the finding for an override: what, where, and the words found."""
        return f"{self.code}:{self.field}:{self.start}"

    def as_dict(self) -> dict:
        return asdict(self)


def known_people() -> list[str]:
    """Names of staff and internal subscribers: naming them in a message assigns blame."""
    names = set(db.session.scalars(select(User.name).where(User.name != "")))
    names |= set(
        db.session.scalars(
            select(Subscriber.name).where(Subscriber.name != "", Subscriber.source == "staff")
        )
    )
    return sorted({n.strip() for n in names if len(n.strip()) >= 3}, key=len, reverse=True)


def team_names() -> list[str]:
    return sorted(db.session.scalars(select(Team.name)), key=len, reverse=True)


def _partial(text: str, start: int, end: int) -> bool:
    """Whether a recovery is said of part of the service (earlier in the sentence, or
    qualified after it): "most payments are back to normal, but some are still slow"."""
    return bool(
        PARTIAL_BEFORE.search(text, max(0, start - 60), start) or PARTIAL_AFTER.search(text, end)
    )


def _each(pattern: re.Pattern, text: str):
    for match in pattern.finditer(text):
        yield match.start(), match.end(), match.group(0)


def check_texts(
    texts: dict[str, str],
    *,
    audience_key: str,
    tone: str,
    status: str,
    facts: Facts,
    first_update: bool,
    sms_max_segments: int,
    page_max_chars: int,
    now: datetime | None = None,
) -> list[Finding]:
    """Every finding for one draft's texts."""
    now = now or utcnow()
    found: list[Finding] = []
    external = is_external(audience_key)
    people = known_people()
    teams = team_names()
    caused_by_team = (
        re.compile(
            r"\b(?:caused|broken|triggered)\s+by\s+(?:the\s+)?(?:"
            + "|".join(re.escape(t) for t in teams)
            + r")(?:\s+team)?\b",
            re.IGNORECASE,
        )
        if teams
        else None
    )
    person = (
        re.compile(r"\b(?:" + "|".join(re.escape(p) for p in people) + r")\b") if people else None
    )
    for field in TEXT_FIELDS:
        text = texts.get(field) or ""
        label = FIELD_LABELS[field]
        for start, end, words, kind in all_blame(text, person, caused_by_team):
            found.append(_blame_finding(kind, label, field, start, end, words))
        if external:
            for start, end, words in _each(SPECULATION, text):
                found.append(
                    Finding(
                        WARNING,
                        "speculation",
                        f"Speculation in the {label}: \u201c{words}\u201d. Say what you know.",
                        field,
                        start,
                        end,
                    )
                )
        if tone == "plain":
            for start, end, words in _each(jargon_pattern(), text):
                if (
                    PLAIN_USES.match(text, start)
                    or used_as_name(text, start, end)
                    or in_link(text, start)
                ):
                    continue
                found.append(
                    Finding(
                        WARNING,
                        "jargon",
                        f"Jargon in the {label}: "
                        f"\u201c{words}\u201d. Use words this audience "
                        "knows.",
                        field,
                        start,
                        end,
                    )
                )
        for start, end, words in _each(DOUBLED, text):
            found.append(
                Finding(
                    WARNING,
                    "double_punctuation",
                    f"Doubled punctuation in the {label}: \u201c{words}\u201d.",
                    field,
                    start,
                    end,
                )
            )
        for start, end, words in _each(PLACEHOLDER, text):
            found.append(
                Finding(
                    ERROR,
                    "placeholder",
                    f"An unfilled placeholder in the {label}: \u201c{words}\u201d.",
                    field,
                    start,
                    end,
                )
            )
        if status != "resolved":
            for start, end, words in _each(RESOLVED_WORDS, text):
                if (
                    CONDITIONAL.search(text, max(0, start - 60), start)
                    or NEGATED.search(text, max(0, start - 30), start)
                    or _partial(text, start, end)
                ):
                    continue
                found.append(
                    Finding(
                        ERROR,
                        "contradiction",
                        f"The {label} says \u201c{words}\u201d but the status is {status}.",
                        field,
                        start,
                        end,
                    )
                )
        if status == "investigating":
            # Investigating means the cause is not known yet.
            for start, end, words in _each(CAUSE_KNOWN, text):
                if CONDITIONAL.search(text, max(0, start - 60), start) or NEGATED.search(
                    text, max(0, start - 30), start
                ):
                    continue
                found.append(
                    Finding(
                        WARNING,
                        "contradiction",
                        f"The {label} says \u201c{words}\u201d but the status is "
                        "investigating (the cause is not known yet): choose identified.",
                        field,
                        start,
                        end,
                    )
                )
        if status == "resolved":
            for start, end, words in _each(UNRESOLVED_WORDS, text):
                found.append(
                    Finding(
                        WARNING,
                        "contradiction",
                        f"The {label} says \u201c{words}\u201d but the incident is resolved.",
                        field,
                        start,
                        end,
                    )
                )
            for start, end, words in outage_now(text):
                found.append(
                    Finding(
                        WARNING,
                        "contradiction",
                        f"The {label} says \u201c{words}\u201d as if it were still happening, "
                        "but the incident is resolved: tell it in the past tense "
                        "(\u201cwere unable to\u201d, \u201cfailed between … and …\u201d).",
                        field,
                        start,
                        end,
                    )
                )
    page = texts.get("page_text") or ""
    if not page.strip():
        found.append(Finding(ERROR, "empty", "The page text is empty.", "page_text"))
    if not (texts.get("email_subject") or "").strip():
        found.append(Finding(ERROR, "empty", "The email subject is empty.", "email_subject"))
    subject = texts.get("email_subject") or ""
    breaking = CONTROL.search(subject)
    if breaking is not None:
        # An email header cannot hold it: the email could not be built at all.
        found.append(
            Finding(
                ERROR,
                "subject_not_one_line",
                f"The email subject contains {control_character(subject)}: "
                "a subject must be one line of plain text.",
                "email_subject",
                breaking.start(),
                breaking.end(),
            )
        )
    if len(page) > page_max_chars:
        found.append(
            Finding(
                ERROR,
                "page_too_long",
                f"The page text has {len(page)} characters; this audience allows {page_max_chars}.",
                "page_text",
                page_max_chars,
                len(page),
            )
        )
    sms = texts.get("sms_text") or ""
    # A team's SMS ends with a line about its own services, added when it is sent.
    room = TEAM_SMS_ROOM + 1 if audience_key == TEAMS else 0
    segments = segment_count(sms + team_line_room() if room else sms)
    if segments > sms_max_segments:
        found.append(
            Finding(
                ERROR,
                "sms_too_long",
                f"The SMS takes {segments} segments"
                + (f" with the line about each team's services ({room} characters)" if room else "")
                + f"; this audience allows {sms_max_segments}.",
                "sms_text",
                0,
                len(sms),
            )
        )
    if audience_key == "customers" and (first_update or status == "resolved"):
        for field in ("page_text", "email_body"):
            text = texts.get(field) or ""
            if text and not ACKNOWLEDGE.search(text) and not APOLOGY.search(text):
                found.append(
                    Finding(
                        WARNING,
                        "no_acknowledgement",
                        f"The {FIELD_LABELS[field]} "
                        "neither acknowledges the problem nor apologises.",
                        field,
                        0,
                        0,
                    )
                )
    # Judged on what the reader sees: a time in the fact sheet that the text no longer
    # shows tells nobody, and a time the lead wrote into the text is enough.
    if status != "resolved" and not tells_next_update(page):
        found.append(
            Finding(
                WARNING,
                "no_next_update",
                "The page text does not say when the next update will be: give a "
                "next-update time, or say when people will hear from you next.",
                "facts",
            )
        )
    elif status != "resolved" and not (facts.next_update_at and facts.next_update_at < now):
        # A time the lead typed (the fact sheet's own is checked below).
        for when in passed_next_updates(page, now, page_zone()):
            found.append(
                Finding(
                    WARNING,
                    "next_update_text_past",
                    f"The page text promises the next update at {when}, which has passed: "
                    "give a time still to come.",
                    "facts",
                )
            )
    if facts.eta is not None and facts.eta < now and status != "resolved":
        found.append(Finding(WARNING, "eta_past", "The ETA is in the past.", "facts"))
    if facts.next_update_at is not None and facts.next_update_at < now and status != "resolved":
        found.append(
            Finding(WARNING, "next_update_past", "The next-update time is in the past.", "facts")
        )
    found.sort(
        key=lambda f: (TEXT_FIELDS.index(f.field) if f.field in TEXT_FIELDS else 9, f.start, f.code)
    )
    return found


_BLAME_MESSAGES = {
    "phrase": (
        ERROR,
        "Blame in the {label}: \u201c{words}\u201d. Say what happened, not who did it.",
    ),
    "team": (ERROR, "Blames a team in the {label}: \u201c{words}\u201d."),
    "person": (
        ERROR,
        "Names a person in the {label}: \u201c{words}\u201d. Keep messages about systems, "
        "not people.",
    ),
    "agent": (
        ERROR,
        "Blames people in the {label}: \u201c{words}\u201d. Say what happened to the "
        "system, not who did it.",
    ),
    "maybe": (
        WARNING,
        "May blame a person in the {label}: \u201c{words}\u201d. Say what happened to "
        "the system, not who did it.",
    ),
}


def _blame_finding(kind: str, label: str, field: str, start: int, end: int, words: str) -> Finding:
    severity, message = _BLAME_MESSAGES[kind]
    return Finding(severity, "blame", message.format(label=label, words=words), field, start, end)


def blocking(findings: list[dict], overrides: dict) -> list[dict]:
    """What stops a draft from being published: every error, and every warning that was
    not overridden with a reason."""
    return [
        f
        for f in findings
        if f["severity"] == ERROR or f"{f['code']}:{f['field']}:{f['start']}" not in overrides
    ]
