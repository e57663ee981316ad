"""What each address received against what it should have.

Every message the SMTP sink and the Twilio fake received is recognised by its words:
an audience's text of one update (compared with the drafts the API returned), a team's
notice (roll call, roll call asked again, all-clear, resolved: told apart by the
template's subject), an escalation alert, or a staff notice (the last three compared with
the broadcasts Herald wrote). Then, per address, the recognised messages must be exactly
the ones the drill expects for that person: nothing missing, nothing twice, nothing meant
for another audience or team. Links differ per recipient, so every URL is compared as
"<url>"."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from .seed import APPROVER, LEAD, Person

URL = re.compile(r"https?://\S+|\[%(?:unsubscribe|manage)_url%\]")


def words(text: str) -> str:
    return " ".join(URL.sub("<url>", text or "").split())


def team_phase(subject: str) -> str | None:
    """The team notice a subject belongs to (the teams' templates' subjects)."""
    if subject.startswith("Roll call for "):
        return "roll_call_again" if ", asked again:" in subject else "roll_call"
    if ": your services are operational (" in subject:
        return "all_clear"
    if subject.startswith("Resolved: ") and "(for " in subject:
        return "resolved"
    return None


@dataclass(frozen=True)
class Received:
    channel: str
    address: str
    subject: str  # "" for SMS
    text: str  # the plain-text body, or the SMS


@dataclass
class Known:
    """A message the drill can recognise: its label and its words per channel."""

    label: tuple
    subject: str
    email: str  # words of the body (a received plain text must start with them)
    sms: str


@dataclass
class Findings:
    problems: list[str] = field(default_factory=list)
    by_label: Counter = field(default_factory=Counter)
    staff: int = 0

    def add(self, problem: str) -> None:
        self.problems.append(problem)


def known_messages(sheets: list[dict[str, dict]], broadcasts: list[dict]) -> list[Known]:
    """The audience texts from the API's drafts (per update, per audience) and the
    teams', escalation and staff notices from Herald's broadcasts."""
    found = []
    for number, drafts in enumerate(sheets):
        for audience, draft in drafts.items():
            found.append(
                Known(
                    ("update", number, audience),
                    draft["email_subject"],
                    words(draft["email_body"]),
                    words(draft["sms_text"]),
                )
            )
    for b in broadcasts:
        if b["team"]:
            label = ("team", b["team"], team_phase(b["subject"]) or f"unknown:{b['subject']}")
        elif b["kind"] == "escalation":
            label = ("escalation", b["audience"])
        elif b["audience"] == "staff":
            label = ("staff", b["id"])
        else:
            continue  # the audience texts: recognised from the drafts, not from Herald
        found.append(Known(label, b["subject"], words(b["text"]), words(b["sms"])))
    return found


def recognise(message: Received, known: list[Known]) -> list[tuple]:
    text = words(message.text)
    if message.channel == "sms":
        return [k.label for k in known if k.sms and text == k.sms]
    return [
        k.label
        for k in known
        if message.subject == k.subject and k.email and text.startswith(k.email)
    ]


def expected_for(person: Person, updates: int, team_phases: dict, escalated: set) -> Counter:
    wanted = Counter(("update", n, person.audience) for n in range(updates))
    if person.audience in escalated:
        wanted[("escalation", person.audience)] += 1
    if person.team:
        for phase in team_phases[person.team]:
            wanted[("team", person.team, phase)] += 1
    return wanted


def compare(
    received: list[Received],
    persons: list[Person],
    known: list[Known],
    *,
    updates: int,
    team_phases: dict[str, list[str]],
    escalated: set[str],
) -> Findings:
    findings = Findings()
    staff = {LEAD, APPROVER}
    by_address: dict[tuple[str, str], list[Received]] = {}
    for message in received:
        by_address.setdefault((message.channel, message.address), []).append(message)
    for person in persons:
        wanted = expected_for(person, updates, team_phases, escalated)
        got: Counter = Counter()
        for message in by_address.pop((person.channel, person.address), []):
            labels = recognise(message, known)
            if not labels:
                findings.add(
                    f"{person.address} ({person.audience}): unrecognised {message.channel} "
                    f"{message.subject or message.text[:60]!r}"
                )
                continue
            # Identical texts (two audiences, same words) are right for either.
            label = next((lab for lab in labels if wanted[lab] > got[lab]), labels[0])
            got[label] += 1
            findings.by_label[label[:1] + label[2:3] if label[0] == "update" else label[:1]] += 1
        for label, count in (wanted - got).items():
            findings.add(f"{person.address} ({person.audience}): missing {label} ×{count}")
        for label, count in (got - wanted).items():
            findings.add(f"{person.address} ({person.audience}): not for them {label} ×{count}")
    for (channel, address), messages in by_address.items():
        for message in messages:
            labels = recognise(message, known)
            if address in staff and labels and all(lab[0] == "staff" for lab in labels):
                findings.staff += 1
                continue
            findings.add(f"{address}: {channel} to an address the drill never subscribed {labels}")
    return findings


def team_truth(received: list[Received], persons: list[Person], expect: dict) -> list[str]:
    """Each roll call email names the team's components that are not operational, with
    their status as the drill set it up (``expect``: team -> phase -> [(name, label)])."""
    problems = []
    team_of = {p.address: p.team for p in persons if p.team and p.channel == "email"}
    for message in received:
        team = team_of.get(message.address)
        phase = team_phase(message.subject) if team else None
        if phase is None:
            continue
        for name, label in expect.get(team, {}).get(phase, []):
            if f"{name}: {label}" not in message.text:
                problems.append(
                    f"{team}'s {phase} email does not say {name!r} is {label!r}: "
                    f"{words(message.text)[:300]!r}"
                )
    return problems
