"""SMS pacing: at most HERALD_SMS_RATE segments a second, shared by the sending threads
of a process (and by every worker through Redis when Celery runs on Redis)."""

from __future__ import annotations

import threading
import time


class TokenBucket:
    """Blocking token bucket; ``rate`` 0 means no limit."""

    def __init__(self, rate: float, burst: float | None = None):
        self.rate = rate
        self.capacity = max(1.0, burst if burst is not None else rate)
        self.tokens = self.capacity
        self.updated = time.monotonic()
        self.lock = threading.Lock()

    def acquire(self, amount: float = 1.0) -> float:
        """Wait until ``amount`` tokens are available; returns the seconds waited."""
        if self.rate <= 0:
            return 0.0
        waited = 0.0
        # A message of more segments than the burst waits for a full bucket, then leaves it
        # in debt: every segment is paid for, so the rate holds however long the message.
        needed = min(amount, self.capacity)
        while True:
            with self.lock:
                now = time.monotonic()
                self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
                self.updated = now
                if self.tokens >= needed:
                    self.tokens -= amount
                    return waited
                pause = (needed - self.tokens) / self.rate
            time.sleep(pause)
            waited += pause


class RedisWindow:
    """A fixed one-second window in Redis, for limits shared across machines."""

    def __init__(self, url: str, rate: float, key: str = "herald:sms-rate"):
        import redis

        self.client = redis.Redis.from_url(url)
        self.rate, self.key = rate, key

    def acquire(self, amount: float = 1.0) -> float:
        if self.rate <= 0:
            return 0.0
        waited = 0.0
        while True:
            second = int(time.time())
            key = f"{self.key}:{second}"
            used = self.client.incrbyfloat(key, amount)
            self.client.expire(key, 5)
            if used <= self.rate or used == amount:
                return waited
            self.client.incrbyfloat(key, -amount)
            pause = second + 1 - time.time()
            time.sleep(max(pause, 0.01))
            waited += max(pause, 0.01)
