"""Only Slack gets in: every request carries Slack's signature of its raw body, is at
most five minutes old, is accepted once, and is small.

Replays: a signed request captured on the way (a proxy log, a leaked capture) stays
valid for Slack's five-minute window. Herald remembers each accepted (timestamp,
signature) pair for that window in a process-local set and refuses it a second time.
Process-local, not a table: the check runs before anything else on every Slack request,
costs no database round trip (the command must answer within 3 s even when the
database is busy), and needs no schema. Its limit: with several web processes a replay
that lands on another process is not caught. Slack itself never re-sends a slash command
or an interaction with the same signature, so a legitimate request is never refused."""

from __future__ import annotations

import threading
import time

from flask import current_app, jsonify, request
from slack_sdk.signature import SignatureVerifier

WINDOW_SECONDS = 300
# Slack's payloads are small; a modal submission with every field filled stays far below.
MAX_BODY = 256 * 1024


class SeenSignatures:
    """A set whose members are forgotten after ``ttl`` seconds; thread-safe."""

    def __init__(self, ttl: float = WINDOW_SECONDS, clock=time.monotonic):
        self.ttl, self.clock = ttl, clock
        self._expiry: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    def first_time(self, key: tuple[str, str]) -> bool:
        """Remember ``key``; False when it was already seen within the window."""
        now = self.clock()
        with self._lock:
            for old in [k for k, t in self._expiry.items() if t <= now]:
                del self._expiry[old]
            expiry = self._expiry.get(key)
            if expiry is not None and expiry > now:
                return False
            self._expiry[key] = now + self.ttl
            return True


_seen = SeenSignatures()


def _refuse(status: int, message: str):
    response = jsonify(error=message)
    response.status_code = status
    return response


def check_request():
    """None when the request is Slack's, unseen and small; else the response to send.
    Reads the raw body first: once ``request.form`` is parsed the raw body is gone."""
    length = request.content_length
    if length is None or length > MAX_BODY:
        return _refuse(413, "The request body is missing a length or is too large.")
    body = request.get_data(cache=True)
    timestamp = request.headers.get("X-Slack-Request-Timestamp")
    signature = request.headers.get("X-Slack-Signature")
    if not timestamp or not signature:
        return _refuse(401, "Not signed by Slack.")
    verifier = SignatureVerifier(current_app.config["SLACK_SIGNING_SECRET"])
    if not verifier.is_valid(body, timestamp, signature):
        return _refuse(401, "Bad or expired Slack signature.")
    if not _seen.first_time((timestamp, signature)):
        return _refuse(401, "This request was already received.")
    return None
