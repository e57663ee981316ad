"""What the benchmark reads back from Herald while it runs:

- ``PollLog``: every few seconds, the vendor sources as the management API lists them;
  each distinct ``last_polled_at`` of a source is one poll, with the error it left;
- ``StaffPage``: the internal status page as a signed-in staff member sees it (the
  sign-in form with its CSRF token, then the session cookie), and one component's
  status on it.
"""

from __future__ import annotations

import html
import http.client
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode

from drillkit.client import Api


def _epoch(stamp: str | None) -> float | None:
    if not stamp:
        return None
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


@dataclass
class SourceSeen:
    """One source's polls as sampled: poll time → the error it left ("" when none)."""

    polls: dict[float, str] = field(default_factory=dict)
    state: str = "new"


class PollLog:
    """Samples ``GET /api/v1/vendor-sources`` every ``every`` seconds in a thread."""

    def __init__(self, api: Api, every: float = 4.0) -> None:
        self.api, self.every = api, every
        self.sources: dict[str, SourceSeen] = {}
        self.samples = 0
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="bench-polllog", daemon=True)

    def sample(self) -> None:
        listed = self.api.get("/api/v1/vendor-sources")["vendor_sources"]
        with self._lock:
            self.samples += 1
            for source in listed:
                seen = self.sources.setdefault(source["id"], SourceSeen())
                seen.state = source["state"]
                at = _epoch(source["last_polled_at"])
                if at is not None and at not in seen.polls:
                    seen.polls[at] = source["last_error"] or ""

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            try:
                self.sample()
            except Exception as error:  # noted, and the sampling goes on
                self.failures.append(f"{type(error).__name__}: {error}")

    def __enter__(self) -> PollLog:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join(timeout=30)


_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class StaffPage:
    """The internal page for one signed-in staff member (cookies kept by hand: the
    production session cookie is Secure, which a browser would refuse over http)."""

    def __init__(self, port: int, email: str, password: str) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        status, body = self._request("GET", "/login")
        match = _CSRF.search(body)
        if status != 200 or not match:
            raise RuntimeError(f"the sign-in page answered {status} without a CSRF token")
        form = urlencode({"csrf_token": match.group(1), "email": email, "password": password})
        status, _ = self._request(
            "POST", "/login", form, {"Content-Type": "application/x-www-form-urlencoded"}
        )
        if status != 302:
            raise RuntimeError(f"signing in answered {status}")

    def _request(self, method: str, path: str, body=None, headers=None) -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    key, _, rest = value.partition("=")
                    self.cookies[key.strip()] = rest.split(";", 1)[0]
            return response.status, text
        finally:
            connection.close()

    def component_status(self, name: str) -> str | None:
        """The status badge next to ``name`` on the internal page (None when absent)."""
        status, page = self._request("GET", "/internal")
        if status != 200:
            raise RuntimeError(f"the internal page answered {status}")
        at = page.find(f'<span class="name">{html.escape(name)}')
        if at < 0:
            return None
        match = re.compile(r'class="st st-([a-z_]+)"').search(page, at)
        return match.group(1) if match else None

    def wait_for(self, name: str, status: str, deadline: float, every: float = 0.2):
        """The moment (time.time()) the page first shows ``name`` as ``status``."""
        while time.time() < deadline:
            if self.component_status(name) == status:
                return time.time()
            time.sleep(every)
        return None
