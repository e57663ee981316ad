"""The one way Herald builds a Slack Web API client, so every caller (the delivery
channel, the Slack app's routes and tasks) gets the same base URL, timeout and retry
policy from the settings.

No retry handler for rate limits: slack_sdk's RateLimitErrorRetryHandler sleeps in the
calling thread for Retry-After seconds, which would hold a worker's claim (or a web
request) hostage. A 429 raises SlackApiError instead and the caller turns it into a
RETRY outcome with ``retry_after`` (see ``retry_after``), so the outbox reschedules it.
Connection errors keep slack_sdk's default single quick retry.
"""

from __future__ import annotations

from collections.abc import Mapping

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler

DEFAULT_API_BASE = "https://slack.com/api/"
NOT_CONFIGURED = "Slack is not configured (HERALD_SLACK_BOT_TOKEN)"
# Said to staff who add a Slack destination (or choose Slack as an audience's default
# channel) while nothing of Slack is active: every delivery would fail.
NOT_SET_UP = (
    "Slack is not set up: set HERALD_SLACK_SIGNING_SECRET and HERALD_SLACK_BOT_TOKEN "
    "(see README, Slack)."
)


def configured(config: Mapping) -> bool:
    """Whether Herald may call Slack: the app is set up (bot token and signing secret;
    both or nothing of Slack is active)."""
    return bool(config.get("SLACK_BOT_TOKEN")) and bool(config.get("SLACK_SIGNING_SECRET"))


def slack_client(config: Mapping) -> WebClient:
    """A WebClient for the bot token in ``config`` (a Flask config or any mapping)."""
    base = config.get("SLACK_API_BASE") or DEFAULT_API_BASE
    return WebClient(
        token=config.get("SLACK_BOT_TOKEN") or None,
        base_url=base if base.endswith("/") else base + "/",
        timeout=int(max(1, round(float(config.get("PROVIDER_TIMEOUT") or 10)))),
        retry_handlers=[ConnectionErrorRetryHandler(max_retry_count=1)],
    )


def error_code(error: SlackApiError) -> str:
    """Slack's error code (``channel_not_found`` …) of a failed call; ``ratelimited``
    for a 429, ``http_<status>`` for an answer that is not Slack's JSON."""
    response = error.response
    if response is not None and response.status_code == 429:
        return "ratelimited"
    try:
        code = response.get("error") if response is not None else None
    except (AttributeError, TypeError, ValueError):
        code = None
    if code:
        return str(code)
    return f"http_{getattr(response, 'status_code', 0)}"


def retry_after(error: SlackApiError, default: float = 1.0) -> float | None:
    """Seconds to wait before calling again after a 429 (Slack's Retry-After), or None
    when the error was not a rate limit."""
    response = error.response
    if response is None or response.status_code != 429:
        return None
    headers = {k.lower(): v for k, v in (response.headers or {}).items()}
    value = headers.get("retry-after")
    if isinstance(value, list):
        value = value[0] if value else None
    try:
        return max(0.0, float(value))
    except (TypeError, ValueError):
        return default
