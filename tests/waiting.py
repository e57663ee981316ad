"""Waiting for something another process or thread does: poll until it holds, and fail
with what was awaited if it never does. A limit on waiting, never a measure of speed."""

from __future__ import annotations

import time


def wait_until(condition, timeout: float, what: str, interval: float = 0.02) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(interval)
