"""The one small interface every channel implements, and what a send can come to."""

from __future__ import annotations

import logging
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field

log = logging.getLogger("subscribers.channels")

SENT, RETRY, FAILED, BOUNCED, SUPPRESSED = "sent", "retry", "failed", "bounced", "suppressed"
# Kinds of message that are a service to the one person they are sent to, not a message
# of a list that person is on: a private page viewer's sign-in link. Such a message
# reaches its address whether or not it is subscribed to anything (not a quarantined
# one: it bounces), and carries no unsubscribe headers (RFC 8058 one-click is for lists).
TRANSACTIONAL_KINDS = frozenset({"page_sign_in"})
LATE = "not sent: the claim's lease was ending; another attempt will follow"


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One claimed delivery, with what the channel needs to address and personalise it."""

    delivery_id: int
    subscriber_id: int
    address: str
    token: str
    secret: str
    attempts: int


@dataclass(frozen=True, slots=True)
class Content:
    """A broadcast's message, as the channels see it."""

    broadcast_id: int
    kind: str
    subject: str
    text: str
    html: str
    sms: str
    webhook_payload: dict
    # A message to one subscriber whatever its state (a confirmation request).
    direct: bool = False
    # Buttons for chat: [{"id", "label", "value", "url"?, "style"?}] (Broadcast.chat_actions).
    chat_actions: tuple = ()

    @property
    def transactional(self) -> bool:
        """A message to one person that is no list's (see TRANSACTIONAL_KINDS)."""
        return self.direct and self.kind in TRANSACTIONAL_KINDS

    def reaches(self, state: str) -> bool:
        """Whether a subscriber in ``state`` is sent this message: an active one is sent
        everything; a pending one only messages to it alone (a confirmation request);
        any but a quarantined one a transactional message."""
        if state == "active":
            return True
        if self.transactional:
            return state != "quarantined"
        return self.direct and state == "pending"


@dataclass(slots=True)
class Outcome:
    delivery_id: int
    status: str  # sent, retry, failed, bounced, suppressed
    provider_id: str = ""
    error: str = ""
    retry_after: float | None = None
    # What the failure says about the subscriber: "unsubscribe" or "quarantine".
    subscriber_action: str | None = None
    extra: dict = field(default_factory=dict)


class Channel(ABC):
    """Sends a batch of deliveries of one broadcast; never raises for a provider error:
    every delivery gets an Outcome (retry later, or permanent)."""

    kind: str = ""
    name: str = ""
    batch_size: int = 100
    # time.monotonic() after which no new send may start: the claim's lease is ending
    # and another worker may take the rows. Set by the sender before each batch.
    deadline: float | None = None

    def too_late(self) -> bool:
        return self.deadline is not None and time.monotonic() > self.deadline

    @abstractmethod
    def send(self, content: Content, batch: list[Outgoing]) -> list[Outcome]: ...

    def send_logged(self, content: Content, batch: list[Outgoing]) -> list[Outcome]:
        """Time and log a batch; an unexpected error becomes a retry for the whole batch,
        so one bad send never stops the rest."""
        started = time.perf_counter()
        try:
            outcomes = self.send(content, batch)
        except Exception as error:  # a bug or an unmapped provider error
            log.exception("%s: batch of %d failed unexpectedly", self.name, len(batch))
            outcomes = [
                Outcome(o.delivery_id, RETRY, error=f"unexpected error: {error}") for o in batch
            ]
        elapsed = time.perf_counter() - started
        log.info("%s: sent %d in %.3f s", self.name, len(batch), elapsed)
        return outcomes

    def close(self) -> None:  # noqa: B027 - most channels hold nothing to release
        """Release connections (called when the worker stops)."""


def personalise(text: str, unsubscribe: str, manage: str) -> str:
    return text.replace("[%unsubscribe_url%]", unsubscribe).replace("[%manage_url%]", manage)


class PooledChannel(Channel):
    """A channel that sends one request per delivery from a pool of threads."""

    def __init__(self, concurrency: int, name: str):
        from concurrent.futures import ThreadPoolExecutor

        self.pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix=name)

    def _send_one(self, content: Content, item: Outgoing) -> Outcome:
        raise NotImplementedError

    def send(self, content: Content, batch: list[Outgoing]) -> list[Outcome]:
        from flask import current_app

        # The pool's threads have no app context of their own; the links need one.
        app = current_app._get_current_object()

        def send_one(item: Outgoing) -> Outcome:
            if self.too_late():
                return Outcome(item.delivery_id, RETRY, error=LATE)
            with app.app_context():
                return self._send_one(content, item)

        return list(self.pool.map(send_one, batch))

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)
