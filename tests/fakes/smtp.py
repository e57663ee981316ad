"""A local SMTP sink (aiosmtpd) that keeps what it receives.

with SmtpSink() as sink:                      # sink.host, sink.port
    sink.refuse("gone@example.com", 550)      # RCPT TO answered 550 (or 4xx)
    sink.script_data("451 4.3.0 try later")   # the next DATA is answered so
    sink.script_mail("530 5.7.0 Authentication required", after=2)  # the third MAIL FROM
    ...
    sink.messages[0].message["Subject"]       # email.message.EmailMessage
    sink.messages[0].recipients, .sender, .raw, .connection
    sink.connections                          # SMTP connections opened since start

SmtpSink(login=("user", "secret")) offers AUTH (without TLS) and accepts only that pair.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.fakes.base import free_port


@dataclass(frozen=True)
class Received:
    sender: str
    recipients: list[str]
    raw: bytes
    message: EmailMessage
    connection: int  # 1 for the first connection since start, 2 for the next ...


class _Handler:
    def __init__(self, sink: SmtpSink):
        self.sink = sink

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        sink = self.sink
        with sink._lock:
            scripted = sink._mail_replies.popleft() if sink._mail_replies else None
        if scripted:  # "" accepts this one (script_mail(..., after=n))
            return scripted
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        refusal = self.sink.refused.get(address.lower())
        if refusal is not None:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        sink = self.sink
        with sink._lock:
            scripted = sink._data_replies.popleft() if sink._data_replies else None
        if scripted is not None:
            return scripted
        raw = envelope.original_content or envelope.content
        received = Received(
            envelope.mail_from,
            list(envelope.rcpt_tos),
            raw,
            message_from_bytes(raw, policy=policy.default),
            getattr(server, "herald_connection", 0),
        )
        with sink._lock:
            sink.messages.append(received)
        return "250 2.0.0 Message accepted for delivery"


class _Controller(Controller):
    def __init__(self, sink: SmtpSink, **kwargs):
        self.sink = sink
        super().__init__(_Handler(sink), **kwargs)

    def factory(self):
        server = super().factory()  # one per connection
        with self.sink._lock:
            self.sink.connections += 1
            server.herald_connection = self.sink.connections
        return server


class SmtpSink:
    def __init__(
        self, host: str = "127.0.0.1", port: int | None = None, login: tuple[str, str] | None = None
    ):
        self.host = host
        self.port = port or free_port()
        self.login = login
        self.messages: list[Received] = []
        self.connections = 0
        self.refused: dict[str, str] = {}
        self._data_replies: deque[str] = deque()
        self._mail_replies: deque[str] = deque()
        self._lock = threading.Lock()
        self._controller: _Controller | None = None

    def start(self) -> SmtpSink:
        # aiosmtpd's own start-up check fails with port=0: the port is chosen beforehand.
        options = {}
        if self.login is not None:
            options = {
                "authenticator": self._authenticate,
                "auth_require_tls": False,
            }
        self._controller = _Controller(
            self, hostname=self.host, port=self.port, server_hostname="sink.test", **options
        )
        self._controller.start()
        with self._lock:
            self.connections = 0  # forget the controller's own start-up probe
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> SmtpSink:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def refuse(self, address: str, code: int = 550, text: str | None = None) -> SmtpSink:
        """Answer ``RCPT TO:<address>`` with ``code`` (4xx: try later, 5xx: never)."""
        default = "4.2.1 Mailbox busy, try later" if code < 500 else "5.1.1 No such user here"
        self.refused[address.lower()] = f"{code} {text or default}"
        return self

    def script_data(self, reply: str, times: int = 1) -> SmtpSink:
        """Answer the next DATA command(s) with ``reply`` ("451 4.3.0 ...") instead of
        accepting the message."""
        with self._lock:
            self._data_replies.extend([reply] * times)
        return self

    def script_mail(self, reply: str, times: int = 1, after: int = 0) -> SmtpSink:
        """Answer the next MAIL FROM command(s) with ``reply`` ("530 5.7.0 Authentication
        required", "553 5.7.1 Sender not allowed") instead of accepting the sender; with
        ``after``, accept that many first."""
        with self._lock:
            self._mail_replies.extend([""] * after + [reply] * times)
        return self

    def _authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        expected = tuple(part.encode() for part in self.login or ())
        given = (
            (auth_data.login, auth_data.password) if isinstance(auth_data, LoginPassword) else ()
        )
        return AuthResult(success=bool(expected) and given == expected, handled=False)

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()
            self.refused.clear()
            self._data_replies.clear()
            self._mail_replies.clear()
            self.connections = 0

    def to(self, address: str) -> list[Received]:
        return [m for m in self.messages if address in m.recipients]
