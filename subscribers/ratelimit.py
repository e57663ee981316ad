"""SMS pacing: at most HERALD_SMS_RATE segments a second, shared by the sending threads
of a process (and by every worker through Redis when Celery runs on Redis).

The counting is the ``limits`` library's moving window (the same library that counts the
sign-in and sign-up limits); this module only waits for room in it.
"""

from __future__ import annotations

import time
from fractions import Fraction

from limits import RateLimitItemPerSecond
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

# The shortest wait between two looks at a full window, so that a send that finds the
# window full exactly at its reset time does not spin.
MIN_PAUSE = 0.01


class SegmentPace:
    """Blocks each send until its segments fit in a moving window of ``rate`` segments a
    second; ``rate`` 0 means no limit. ``storage_url`` is a ``limits`` storage URL:
    ``memory://`` counts in this process, ``redis://…`` in every process that shares it."""

    def __init__(self, rate: float, storage_url: str = "memory://", key: str = "herald-sms"):
        self.rate, self.key = rate, key
        if rate > 0:
            # A fractional rate becomes whole segments over whole seconds: 0.5 is one
            # segment every 2 s, 2.5 is five every 2 s.
            per = Fraction(rate).limit_denominator(60)
            self.item = RateLimitItemPerSecond(per.numerator, per.denominator)
            self.window = MovingWindowRateLimiter(storage_from_string(storage_url))

    def acquire(self, segments: int = 1) -> float:
        """Wait until every segment of a message has a place in the window (one at a
        time, so a message longer than a second's worth still goes, at the rate);
        returns the seconds waited."""
        if self.rate <= 0:
            return 0.0
        waited = 0.0
        for _ in range(max(1, segments)):
            while not self.window.hit(self.item, self.key):
                reset = self.window.get_window_stats(self.item, self.key).reset_time
                pause = max(reset - time.time(), MIN_PAUSE)
                time.sleep(pause)
                waited += pause
        return waited
