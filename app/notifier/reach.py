"""How many people a set of drafts will reach when published, per audience and channel,
counted with the outbox's own matching and writing nothing: the figures the lead sees
and confirms before publishing, and the API's publish answer repeats."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.models import Draft, FactSheet
from app.status.effective import dependents_of
from subscribers.audiences import get_audience
from subscribers.outbox import reach_by_channel

CHANNEL_ORDER = ("email", "sms", "webhook")


@dataclass
class Reach:
    draft: Draft
    notified: bool
    channels: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.channels.values())

    @property
    def words(self) -> str:
        """ "2 by email, 1 by SMS", or "not notified"."""
        if not self.notified:
            return "not notified"
        if not self.total:
            return "nobody subscribed"
        labels = {"email": "by email", "sms": "by SMS", "webhook": "by webhook"}
        return ", ".join(
            f"{self.channels[c]} {labels.get(c, 'by ' + c)}"
            for c in sorted(self.channels, key=_channel_rank)
            if self.channels[c]
        )


def _channel_rank(channel: str) -> int:
    return CHANNEL_ORDER.index(channel) if channel in CHANNEL_ORDER else len(CHANNEL_ORDER)


def components_told_about(sheet: FactSheet) -> list[int]:
    """The components the set's broadcasts will be about: the incident's affected ones
    once the set's statuses are applied, and those that depend on them (as the notifier
    chooses them when the set is published)."""
    ids = {link.component_id for link in sheet.incident.affected}
    ids |= {int(cid) for cid in sheet.components or {}}
    return sorted(ids | dependents_of(ids))


def reach_of(sheet: FactSheet, notify: dict[str, bool] | None = None) -> list[Reach]:
    """Per live draft of the set: whether publishing notifies its audience and how many
    addresses it reaches per channel now. ``notify`` overrides the drafts' switches, as
    the API's publish request may."""
    switches = notify or {}
    component_ids = components_told_about(sheet)
    found = []
    for draft in sheet.drafts:
        if draft.state == "discarded":
            continue
        notified = switches.get(draft.audience_key, draft.notify)
        channels = (
            reach_by_channel(get_audience(draft.audience_key), component_ids) if notified else {}
        )
        found.append(Reach(draft, notified, channels))
    return found
