"""The core of the local provider fakes: a threaded HTTP/1.1 server on 127.0.0.1 that
answers from a script of canned replies (per endpoint) or with the provider's usual
success, and records every request it gets.

A fake is a context manager: ``with FakeSendGrid() as fake: ... fake.url ...``. It is
built for speed as much as for tests (benchmarks push thousands of requests through it):
keep-alive connections, no per-request logging, small per-request work.
"""

from __future__ import annotations

import contextlib
import json
import select
import socket
import ssl
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

TIMEOUT = "timeout"
ANY = "*"


STATS_PATH = "/__stats"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (at the moment of asking)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(slots=True)
class Reply:
    """A canned answer. ``status`` is an HTTP status or ``"timeout"`` (hold the request
    for ``delay`` seconds, or the fake's ``hang_seconds``, then drop the connection without
    answering). ``extra`` carries provider-specific options (an error code ...)."""

    status: int | str
    body: bytes | str | dict | list | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    extra: dict = field(default_factory=dict)


class Recorded:
    """One request as the fake saw it. ``headers`` is case-insensitive; ``json`` and
        ``form`` parse the body on first use; ``status`` is what the fake answered (0 for a
        scripted timeout), ``reply_headers`` and ``reply_body`` (``reply_json``) what it sent
    back, ``info`` what the fake derived (a message id, a sid ...)."""

    __slots__ = (
        "_parsed",
        "at",
        "body",
        "endpoint",
        "headers",
        "hung_up",
        "info",
        "method",
        "path",
        "query",
        "reply_body",
        "reply_headers",
        "status",
    )

    def __init__(self, method: str, path: str, query: str, headers, body: bytes, endpoint):
        self.method, self.path, self.query = method, path, query
        self.headers, self.body, self.endpoint = headers, body, endpoint
        self.status: int = 0
        self.reply_headers: dict[str, str] = {}
        self.reply_body = b""
        self.at = time.time()
        self.info: dict = {}  # what the fake derived (message id, sid ...)
        # Set when the client closed the connection while a scripted timeout held it:
        # the client gave up, rather than the fake letting go.
        self.hung_up = threading.Event()
        self._parsed = None

    @property
    def json(self):
        if self._parsed is None:
            self._parsed = json.loads(self.body or b"null")
        return self._parsed

    @property
    def form(self) -> dict[str, str]:
        """The urlencoded body; a repeated field keeps its last value."""
        if self._parsed is None:
            self._parsed = dict(parse_qsl(self.body.decode(), keep_blank_values=True))
        return self._parsed

    @property
    def reply_json(self):
        return json.loads(self.reply_body or b"null")

    @property
    def url(self) -> str:
        return self.path + (f"?{self.query}" if self.query else "")

    def __repr__(self) -> str:
        return f"<Recorded {self.method} {self.url} -> {self.status}>"


def encode(body) -> tuple[bytes, str]:
    if body is None:
        return b"", ""
    if isinstance(body, bytes):
        return body, "application/octet-stream"
    if isinstance(body, str):
        return body.encode(), "text/plain; charset=utf-8"
    return json.dumps(body).encode(), "application/json"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: every reply carries Content-Length
    disable_nagle_algorithm = True
    server_version = "HeraldFake/1"

    def _client_hangs_up(self, hold: float, stopping: threading.Event) -> bool:
        """Hold the request for ``hold`` seconds, watching the connection: True as soon
        as the client closes it, False when the hold ends (or the fake stops) first."""
        ends = time.monotonic() + hold
        while not stopping.is_set() and time.monotonic() < ends:
            ready, _, _ = select.select([self.connection], [], [], 0.05)
            if not ready:
                continue
            try:
                if not self.connection.recv(1):
                    return True
            except (OSError, ssl.SSLError):
                return True
        return False

    sys_version = ""

    def log_message(self, format, *args):  # no per-request logging
        pass

    def _dispatch(self) -> None:
        fake: FakeServer = self.server.fake
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path, _, query = self.path.partition("?")
        if path == STATS_PATH:  # counters for benchmarks; never recorded or scripted
            self._reply_stats(fake)
            return
        endpoint = fake.route(self.command, path)
        request = Recorded(self.command, path, query, self.headers, body, endpoint)
        if endpoint is None:
            reply = fake.not_found(request)
        else:
            reply = fake._next(endpoint)
            if reply is None or (
                isinstance(reply.status, int) and reply.status < 300 and reply.body is None
            ):
                # A scripted success without a body is the usual success.
                default = fake.respond(request)
                if reply is not None:
                    if isinstance(default.status, int) and default.status < 300:
                        default.status = reply.status
                    default.delay = reply.delay
                    default.headers.update(reply.headers)
                reply = default
            else:
                reply = fake.scripted(reply, request)
        if reply.status == TIMEOUT:
            fake._record(request)
            if self._client_hangs_up(reply.delay or fake.hang_seconds, fake._stopping):
                request.hung_up.set()
            self.close_connection = True
            return
        payload, content_type = encode(reply.body)
        headers = dict(reply.headers)
        if content_type:
            headers.setdefault("Content-Type", content_type)
        if reply.status not in (204, 304):  # these never carry a body or its length
            headers["Content-Length"] = str(len(payload))
        request.status, request.reply_headers = int(reply.status), headers
        request.reply_body = payload
        fake._record(request)  # before answering: the client never sees an unrecorded reply
        if reply.delay:
            fake._stopping.wait(reply.delay)
        self.send_response(int(reply.status))
        for name, value in headers.items():
            self.send_header(name, value)
        # Headers and body in one write: one packet for a small reply.
        self._headers_buffer.append(b"\r\n")
        if payload and self.command != "HEAD":
            self._headers_buffer.append(payload)
        self.flush_headers()

    def _reply_stats(self, fake: FakeServer) -> None:
        payload = json.dumps(fake.stats()).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _dispatch


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    allow_reuse_address = True

    def __init__(self, fake: FakeServer):
        self.fake = fake
        self.open: set[socket.socket] = set()
        super().__init__(("127.0.0.1", 0), _Handler)

    def finish_request(self, request, client_address):
        fake = self.fake
        with fake._lock:
            fake.connections += 1
        if fake.tls is not None:
            request = fake.tls.wrap_socket(request, server_side=True)
        self.open.add(request)
        try:
            super().finish_request(request, client_address)
        finally:
            self.open.discard(request)
            if fake.tls is not None:
                self.shutdown_request(request)

    def handle_error(self, request, client_address):
        # Clients that hang up (timeouts, TLS refusals) are part of the tests.
        pass


class FakeServer:
    """Subclasses define ``route`` (method and path to an endpoint name, or None for a
    404), ``respond`` (the usual success, with the provider's own validation) and
    ``scripted`` (turn a canned error into the provider's error shape)."""

    name = "fake"
    hang_seconds = 5.0  # a scripted "timeout" holds the request this long (or until stop)

    def __init__(self, *, tls: ssl.SSLContext | None = None, record: bool = True):
        self.tls = tls
        self.record = record
        self.requests: list[Recorded] = []
        self.connections = 0
        self._scripts: dict[str, deque[Reply]] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        # What the provider accepted (recipients), and when the first and last were.
        self.accepted_count = 0
        self.first_accepted_at: float | None = None
        self.last_accepted_at: float | None = None

    def accepted(self, recipients: int) -> None:
        """Count recipients the provider accepted (a 2xx for them)."""
        now = time.time()
        with self._lock:
            self.accepted_count += recipients
            if self.first_accepted_at is None:
                self.first_accepted_at = now
            self.last_accepted_at = now

    def stats(self) -> dict:
        with self._lock:
            return {
                "accepted": self.accepted_count,
                "first": self.first_accepted_at,
                "last": self.last_accepted_at,
            }

    # life cycle -------------------------------------------------------------------------

    def start(self):
        self._stopping.clear()
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"fake-{self.name}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._stopping.set()
        self._server.shutdown()
        for connection in list(self._server.open):
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        self._server.server_close()
        self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "start the fake first"
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        scheme = "https" if self.tls is not None else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    # scripting --------------------------------------------------------------------------

    def script(
        self,
        status: int | str,
        *,
        body=None,
        headers: dict[str, str] | None = None,
        delay: float = 0.0,
        times: int = 1,
        endpoint: str = ANY,
        **extra,
    ):
        """Queue a reply for the next request to ``endpoint`` (any endpoint by default).
        A 2xx without a body means the usual success; an error without a body gets the
        provider's error shape. Returns the fake, so calls chain."""
        with self._lock:
            queue = self._scripts.setdefault(endpoint, deque())
            queue.extend(
                Reply(status, body, dict(headers or {}), delay, dict(extra)) for _ in range(times)
            )
        return self

    def pending(self, endpoint: str | None = None) -> int:
        """How many scripted replies are still waiting (for one endpoint, or in all)."""
        with self._lock:
            if endpoint is not None:
                return len(self._scripts.get(endpoint, ()))
            return sum(len(queue) for queue in self._scripts.values())

    def clear(self) -> None:
        """Forget the script and the recorded requests."""
        with self._lock:
            self._scripts.clear()
            self.requests.clear()

    def _next(self, endpoint: str) -> Reply | None:
        with self._lock:
            for key in (endpoint, ANY):
                queue = self._scripts.get(key)
                if queue:
                    return queue.popleft()
        return None

    def _record(self, request: Recorded) -> None:
        if self.record:
            with self._lock:
                self.requests.append(request)

    def requests_to(self, endpoint: str) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if r.endpoint == endpoint]

    # provider behaviour -----------------------------------------------------------------

    def route(self, method: str, path: str) -> str | None:
        raise NotImplementedError

    def respond(self, request: Recorded) -> Reply:
        raise NotImplementedError

    def scripted(self, reply: Reply, request: Recorded) -> Reply:
        return reply

    def not_found(self, request: Recorded) -> Reply:
        return Reply(404, {"error": f"no such endpoint: {request.method} {request.path}"})
