"""Reading a vendor's status document or a public feed: one conditional GET with the same
protections as outgoing webhooks (the address checked is the address connected to, one
deadline for the whole exchange, no proxies), a size cap, and every failure turned into a
``FetchError`` whose text is shown to staff as the source's last error.

Runs in the poller's threads: it touches no database and no app context, so whether
private addresses are allowed is passed in (``allow_private``) or read from the app
config when called inside one.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests

from core.errors import ServiceError
from subscribers.channels import webhook_http

USER_AGENT = "Herald-Status-Poller/1"
DEFAULT_MAX_BYTES = 2 * 1024 * 1024

_local = threading.local()  # one keep-alive session per polling thread


class FetchError(Exception):
    """The document could not be had; ``str(error)`` says why, for staff to read."""


@dataclass(frozen=True)
class Fetched:
    status: int
    body: bytes
    etag: str
    last_modified: str
    not_modified: bool


def fetch(
    url: str,
    *,
    etag: str = "",
    last_modified: str = "",
    timeout: float = 10.0,
    max_bytes: int = DEFAULT_MAX_BYTES,
    allow_private: bool | None = None,
) -> Fetched:
    """GET ``url``, conditionally when ``etag``/``last_modified`` are known. A 304 comes
    back as ``not_modified`` with the validators kept; anything but 200 or 304 is a
    FetchError, as are redirects (a status URL that moved should be edited, not
    followed to wherever it now points)."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError("The URL must start with http:// or https:// and name a host.")
    if allow_private is None:
        allow_private = _configured_allow_private()
    headers = {"User-Agent": USER_AGENT, "Accept": "application/json, application/xml, */*"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        response, body = webhook_http.request(
            _session(),
            "GET",
            url,
            headers=headers,
            allow_private=allow_private,
            verify=True,
            timeout=timeout,
            max_body=max_bytes,
            decode=True,
        )
    except requests.Timeout as error:  # the deadline, or a socket timeout just before it
        raise FetchError(f"Timed out: no complete answer within {timeout:g} seconds.") from error
    except ServiceError as error:  # unresolvable host, or a private address refused
        raise FetchError(
            error.message.replace("Webhooks cannot go", "Cannot fetch from")
        ) from error
    except requests.RequestException as error:
        raise FetchError(f"Could not connect: {_short(error)}") from error
    status = response.status_code
    new_etag = response.headers.get("ETag", "") or ""
    new_modified = response.headers.get("Last-Modified", "") or ""
    if status == 304:
        return Fetched(304, b"", new_etag or etag, new_modified or last_modified, True)
    if status != 200:
        raise FetchError(f"The server answered HTTP {status}.")
    if len(body) > max_bytes:
        raise FetchError(f"The document is larger than {max_bytes // 1024} KiB.")
    return Fetched(200, body, new_etag, new_modified, False)


def _configured_allow_private() -> bool:
    from flask import current_app, has_app_context

    if has_app_context():
        return bool(current_app.config.get("WEBHOOK_ALLOW_PRIVATE", False))
    return False


def _session() -> requests.Session:
    session = getattr(_local, "session", None)
    if session is None:
        session = _local.session = webhook_http.new_session()
    return session


def _short(error: Exception) -> str:
    text = str(error) or type(error).__name__
    return text if len(text) <= 300 else text[:297] + "..."
