"""A webhook receiver that answers a byte at a time, slowly enough that no per-read
timeout ever fires: the attack that only a wall-clock deadline stops.

    with TricklingReceiver(phase="status") as hook:   # HTTPS with a local CA (trustme)
        hook.url_for("/hook"), hook.ca_path
        hook.got_request.wait(5)                      # a request arrived and is held

``phase="status"`` trickles the status line and headers; ``phase="body"`` sends the
headers at once (200, a long Content-Length) and trickles the body. The trickle goes on
until the client hangs up or the receiver stops.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import ssl
import tempfile
import threading

ANSWER = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n"


class TricklingReceiver:
    def __init__(self, *, phase: str = "status", interval: float = 0.2):
        import trustme

        assert phase in ("status", "body")
        self.phase, self.interval = phase, interval
        ca = trustme.CA()
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1", "localhost").configure_cert(self.context)
        self._directory = tempfile.mkdtemp(prefix="herald-trickle-ca-")
        self.ca_path = os.path.join(self._directory, "ca.pem")
        ca.cert_pem.write_to_path(self.ca_path)
        self.got_request = threading.Event()
        self.hung_up = threading.Event()  # the client closed before the answer was out
        self.requests = 0
        self.bytes_sent = 0
        self._stopping = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._threads: list[threading.Thread] = []

    @property
    def port(self) -> int:
        return self._listener.getsockname()[1]

    def url_for(self, path: str = "/hook") -> str:
        return f"https://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> TricklingReceiver:
        thread = threading.Thread(target=self._accept, daemon=True, name="fake-trickle")
        thread.start()
        self._threads.append(thread)
        return self

    def __exit__(self, *exc_info) -> None:
        self._stopping.set()
        with contextlib.suppress(OSError):
            self._listener.close()
        for thread in self._threads:
            thread.join(timeout=5)
        shutil.rmtree(self._directory, ignore_errors=True)

    def _accept(self) -> None:
        self._listener.settimeout(0.05)
        while not self._stopping.is_set():
            try:
                connection, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            thread = threading.Thread(target=self._serve, args=(connection,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _serve(self, raw: socket.socket) -> None:
        with contextlib.suppress(OSError, ssl.SSLError), raw:
            raw.settimeout(5)
            with self.context.wrap_socket(raw, server_side=True) as connection:
                self._trickle(connection)

    def _trickle(self, connection: ssl.SSLSocket) -> None:
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = connection.recv(4096)
            if not chunk:
                return
            received += chunk
        head, _, body = received.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        while len(body) < length:
            chunk = connection.recv(4096)
            if not chunk:
                return
            body += chunk
        self.requests += 1
        self.got_request.set()
        if self.phase == "body":
            connection.sendall(ANSWER)
            drip = b"x" * 100000
        else:
            drip = ANSWER
        for byte in drip:
            if self._stopping.wait(self.interval):
                return
            try:
                connection.sendall(bytes([byte]))
            except (OSError, ssl.SSLError):
                self.hung_up.set()
                return
            self.bytes_sent += 1
