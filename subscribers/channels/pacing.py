"""Pacing per destination: chat services limit how fast one room may be posted to
(Slack about one message a second per channel, Google Chat 60 a minute per space), not
how fast Herald sends overall.

Each destination has a next free slot; a send takes the slot (the next one moves on by
the interval) and waits until it comes. The slots live in the sending process: the
embedded worker has one sender per channel, so that is every send; with several Celery
workers each paces its own sends and the service's 429 with Retry-After catches the
rest (the delivery is rescheduled, not lost).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

FORGET_AFTER = 300.0  # seconds: slots this far in the past are dropped


class DestinationPace:
    def __init__(
        self,
        interval: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.interval = interval
        self.clock, self.sleep = clock, sleep
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def reserve(self, destination: str) -> float:
        """Take the next slot for ``destination``; returns the seconds until it."""
        if self.interval <= 0:
            return 0.0
        with self._lock:
            now = self.clock()
            if len(self._next) > 10_000:
                self._next = {k: v for k, v in self._next.items() if v > now - FORGET_AFTER}
            slot = max(now, self._next.get(destination, now))
            self._next[destination] = slot + self.interval
            return slot - now

    def release(self, destination: str) -> None:
        """Give a slot back: the send did not happen (too late in the claim's lease)."""
        with self._lock:
            if destination in self._next:
                self._next[destination] -= self.interval

    def wait(self, destination: str, deadline: float | None = None) -> bool:
        """Wait for the next slot; False (nothing waited, slot given back) when the slot
        would come after ``deadline`` (a time.monotonic() value)."""
        pause = self.reserve(destination)
        if deadline is not None and self.clock() + pause > deadline:
            self.release(destination)
            return False
        if pause > 0:
            self.sleep(pause)
        return True
