"""Outgoing HTTP to subscribers' webhooks: to the address that was checked, within a
wall-clock time limit, never through a proxy.

Three things that plain ``requests`` does not give:

- **The address checked is the address connected to.** The URL's host name is
  resolved once (subscribers.validation.connect_address), checked, and the connection
  goes to that IP: a name that resolves to a public address for the check and to
  127.0.0.1 a moment later (DNS rebinding) cannot reach the inside. The name still
  drives everything else: the ``Host`` header, TLS SNI and the certificate check. The
  adapter asks urllib3 for a pool on the IP with ``server_hostname`` set to the name;
  urllib3 keys its pools on both, so keep-alive never mixes names or addresses.
- **A deadline for the whole exchange.** ``requests``' timeouts are per socket read: a
  receiver that trickles a byte a second holds a request for as long as it likes. A
  timer shuts the request's socket down when the time is up, whatever phase (TLS
  handshake, status line, headers, body) it is in; then DeadlineExceeded is raised.
  At most MAX_BODY bytes of the answer are read.
- **No environment proxies** (``trust_env = False``): a subscriber's URL must not be
  able to make Herald talk through the operator's proxy.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from http.cookiejar import DefaultCookiePolicy
from urllib.parse import urlsplit

import requests
import urllib3.exceptions
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from subscribers.validation import connect_address

CONNECT_TIMEOUT = 3.05
MAX_BODY = 4096  # bytes of an answer read at most; the rest is dropped with the connection
USER_AGENT = "Herald-Webhooks/1"


class DeadlineExceeded(requests.Timeout):
    """The receiver did not answer completely within the time limit."""


_current = threading.local()  # the _Deadline of the request this thread is making


class _Deadline:
    """Shuts a request's sockets down when its time is up.

    The watched sockets are duplicates (``socket.fromfd``) of the connection's socket:
    shutting a duplicate down ends the connection for every descriptor, including the
    TLS socket that wraps the original, and a duplicate is ours to close, so a number
    reused by another connection is never touched.
    """

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.expired = False
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def watch(self, sock: socket.socket) -> None:
        try:
            duplicate = socket.fromfd(sock.fileno(), sock.family, sock.type)
        except OSError:
            return
        with self._lock:
            self._sockets.append(duplicate)
            if self.expired:
                _shut(duplicate)

    def _expire(self) -> None:
        # Under the lock: a duplicate is never closed (and its number reused) while it
        # is being shut down.
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)

    def __enter__(self) -> _Deadline:
        _current.deadline = self
        self._timer.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._timer.cancel()
        _current.deadline = None
        with self._lock:
            for sock in self._sockets:
                sock.close()
            self._sockets = []


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


def _watched(sock: socket.socket | None) -> None:
    deadline = getattr(_current, "deadline", None)
    if deadline is not None and sock is not None:
        deadline.watch(sock)


class _HTTPConnection(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        _watched(sock)  # before the TLS handshake, which a receiver can trickle too
        return sock


class _HTTPSConnection(HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        _watched(sock)
        return sock


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection

    def _get_conn(self, timeout=None):
        conn = super()._get_conn(timeout)
        _watched(conn.sock)  # a kept-alive connection (a new one is watched on connect)
        return conn


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection

    def _get_conn(self, timeout=None):
        conn = super()._get_conn(timeout)
        _watched(conn.sock)
        return conn


class PinnedAdapter(HTTPAdapter):
    """Sends a prepared request that carries ``connect_to`` (an IP address) to that
    address; the URL's host name stays the TLS server name (SNI and certificate check).
    Proxies are never used."""

    def init_poolmanager(self, connections, maxsize, block=False, **pool_kwargs) -> None:
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}

    def get_connection_with_tls_context(self, request, verify, proxies=None, cert=None):
        host_params, pool_kwargs = self.build_connection_pool_key_attributes(request, verify, cert)
        address = getattr(request, "connect_to", None)
        if address:
            if host_params["scheme"] == "https":
                pool_kwargs["server_hostname"] = host_params["host"]
            host_params["host"] = address
        return self.poolmanager.connection_from_host(**host_params, pool_kwargs=pool_kwargs)


def new_session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # no HTTP(S)_PROXY, no .netrc, no REQUESTS_CA_BUNDLE
    session.proxies = {}
    session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))  # keep none
    session.headers["User-Agent"] = USER_AGENT
    adapter = PinnedAdapter()
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def post(
    session: requests.Session,
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    allow_private: bool,
    verify: bool | str,
    timeout: float,
) -> requests.Response:
    """POST ``body`` to ``url`` and return the answer (its status and headers; the body
    is read, at most MAX_BODY bytes, and dropped).

    Raises a ServiceError when the host does not resolve (HostNotFound) or, unless
    ``allow_private``, resolves to an address that is not public; DeadlineExceeded when
    the whole exchange takes more than ``timeout`` seconds; other
    ``requests.RequestException``s for connection, TLS and protocol failures.
    Redirects are never followed.
    """
    response, _ = request(
        session,
        "POST",
        url,
        body=body,
        headers=headers,
        allow_private=allow_private,
        verify=verify,
        timeout=timeout,
    )
    return response


def request(
    session: requests.Session,
    method: str,
    url: str,
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    allow_private: bool,
    verify: bool | str,
    timeout: float,
    max_body: int = MAX_BODY,
    decode: bool = False,
) -> tuple[requests.Response, bytes]:
    """One request with the guarantees above; returns the answer and at most
    ``max_body + 1`` bytes of its body (one more than allowed tells the caller the body
    was too long without reading the rest). ``decode`` undoes a gzip or deflate
    ``Content-Encoding`` and counts the decoded bytes, so a small compressed answer
    cannot grow past the limit. Raises as ``post`` does."""
    prepared = session.prepare_request(
        requests.Request(method, url, data=body, headers=headers or {})
    )
    parts = urlsplit(prepared.url)
    prepared.connect_to = connect_address(
        parts.hostname or "", parts.port, allow_private=allow_private
    )
    prepared.headers["Host"] = parts.netloc.rpartition("@")[2]
    response = None
    with _Deadline(timeout) as deadline:
        try:
            response = session.send(
                prepared,
                stream=True,
                timeout=(min(CONNECT_TIMEOUT, timeout), timeout),
                verify=verify,
                proxies={},
                allow_redirects=False,
            )
            content = _read_some(response, max_body + 1, decode)
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as error:
            if deadline.expired:
                raise DeadlineExceeded(f"no complete answer within {timeout:g} seconds") from error
            if isinstance(error, requests.RequestException):
                raise
            raise requests.ConnectionError(error) from error
        finally:
            if response is not None:
                response.close()
        if deadline.expired:
            raise DeadlineExceeded(f"no complete answer within {timeout:g} seconds")
    return response, content


def _read_some(response: requests.Response, limit: int, decode: bool = False) -> bytes:
    chunks: list[bytes] = []
    left = limit
    while left > 0:
        chunk = response.raw.read(min(65536, left), decode_content=decode)
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)
