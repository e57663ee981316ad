"""Shared test helpers for the delivery side: a scriptable in-process channel and
shortcuts for making subscribers and broadcasts."""

from __future__ import annotations

from subscribers.channels.base import SENT, Channel, Content, Outcome, Outgoing


class ScriptedChannel(Channel):
    """A channel whose outcomes the test decides: by address, else ``default``.

    The real channels are tested against local fake providers elsewhere; this one
    isolates the outbox and retry logic from any transport.
    """

    name = "scripted"

    def __init__(self, kind: str = "email", batch_size: int = 100):
        self.kind = kind
        self.batch_size = batch_size
        self.sent: list[tuple[int, str, str]] = []  # (broadcast id, address, subject)
        self.script: dict[str, list[dict]] = {}
        self.batches: list[int] = []

    def plan(self, address: str, *outcomes: dict) -> None:
        """Queue outcomes for an address: dicts of Outcome fields without delivery_id."""
        self.script.setdefault(address, []).extend(outcomes)

    def send(self, content: Content, batch: list[Outgoing]) -> list[Outcome]:
        self.batches.append(len(batch))
        results = []
        for item in batch:
            planned = self.script.get(item.address)
            fields = planned.pop(0) if planned else {"status": SENT, "provider_id": "ok"}
            if fields["status"] == SENT:
                self.sent.append((content.broadcast_id, item.address, content.subject))
            results.append(Outcome(item.delivery_id, **fields))
        return results
