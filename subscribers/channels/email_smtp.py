"""SMTP: one connection for many messages.

What a refusal means depends on what was refused. Only a refused recipient (RCPT TO) says
something about the subscriber: 5xx is a hard bounce (quarantine), 4xx a retry. A refused
message (DATA: spam, size) fails that one message; a refused sender (MAIL FROM: login
missing, sender not allowed), a failed login, relaying denied, a 421 or a dropped
connection are the server's or the configuration's trouble: the rest of the batch is
retried and no subscriber is touched.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from email.errors import MessageError

from subscribers.channels.base import (
    BOUNCED,
    FAILED,
    RETRY,
    SENT,
    Channel,
    Content,
    Outcome,
    Outgoing,
)
from subscribers.channels.mail import build_email

# "554 5.7.1 Relay access denied", "550 Relaying denied", "unable to relay" (and not an
# address or a host name that happens to contain the word).
RELAY_REFUSED = re.compile(r"(?<![\w.@-])relay(?:ing|ed)?(?![\w.@-])", re.IGNORECASE)


class _RetryTheRest(Exception):
    """Nothing more can go through this connection (or this configuration): this
    delivery and the rest of the batch are retried, with ``reason`` as their error."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _recipient_refused(delivery_id: int, code: int, text: str) -> Outcome:
    """RCPT TO refused: the one answer that is about the recipient."""
    error = f"SMTP {code}: {text}"
    if code == 421:  # the server is closing the connection
        raise _RetryTheRest(error)
    if 400 <= code < 500:
        return Outcome(delivery_id, RETRY, error=error)
    if code == 530 or RELAY_REFUSED.search(re.sub(r"<[^>]*>", "", text)):
        # "530 authentication required", "554 5.7.1 Relay access denied": the server
        # refuses us, not this address; quarantining would empty the list.
        raise _RetryTheRest(f"{error} (the server refuses to relay: check the SMTP login)")
    if 500 <= code < 600:
        # No such user, mailbox disabled, domain without mail: a hard bounce.
        return Outcome(delivery_id, BOUNCED, error=error, subscriber_action="quarantine")
    return Outcome(delivery_id, RETRY, error=error)


class SmtpEmail(Channel):
    kind = "email"
    name = "email:smtp"

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        *,
        username: str = "",
        password: str = "",
        starttls: bool = False,
        timeout: float = 10.0,
        batch_size: int = 100,
    ):
        self.host, self.port, self.sender = host, port, sender
        self.username, self.password, self.starttls = username, password, starttls
        self.timeout = timeout
        self.batch_size = batch_size

    def _connect(self) -> smtplib.SMTP:
        connection = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            if self.starttls:
                connection.starttls(context=ssl.create_default_context())
            if self.username:
                connection.login(self.username, self.password)
        except BaseException:
            connection.close()
            raise
        return connection

    def send(self, content: Content, batch: list[Outgoing]) -> list[Outcome]:
        outcomes: list[Outcome] = []
        try:
            connection = self._connect()
        except smtplib.SMTPAuthenticationError as error:
            reason = (
                f"SMTP login refused ({error.smtp_code}: {_text(error.smtp_error)}): "
                "check HERALD_SMTP_USERNAME and HERALD_SMTP_PASSWORD"
            )
            return [Outcome(i.delivery_id, RETRY, error=reason) for i in batch]
        except (OSError, smtplib.SMTPException) as error:
            return [
                Outcome(i.delivery_id, RETRY, error=f"SMTP connection failed: {error}")
                for i in batch
            ]
        index = 0
        try:
            for index, item in enumerate(batch):  # noqa: B007 - read after a disconnect
                outcomes.append(self._send_one(connection, content, item))
        except _RetryTheRest as stop:
            _retry_the_rest(outcomes, batch[index:], stop.reason)
        except (TimeoutError, smtplib.SMTPServerDisconnected, OSError) as error:
            _retry_the_rest(outcomes, batch[index:], f"SMTP connection lost: {error}")
        finally:
            try:
                connection.quit()
            except (smtplib.SMTPException, OSError):
                connection.close()
        return outcomes

    def _send_one(self, connection: smtplib.SMTP, content: Content, item: Outgoing) -> Outcome:
        try:
            message = build_email(content, item, self.sender)
        except (ValueError, MessageError) as error:
            # A header with a line break, say: no retry can ever build it.
            return Outcome(item.delivery_id, FAILED, error=f"The email cannot be built: {error}")
        try:
            refused = connection.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            refused = error.recipients
        except smtplib.SMTPSenderRefused as error:
            # MAIL FROM refused (530 authentication required, 553 sender not allowed):
            # every message would be; nothing is wrong with the subscribers.
            raise _RetryTheRest(
                f"SMTP {error.smtp_code} refused the sender {_text(error.sender)}: "
                f"{_text(error.smtp_error)} (check HERALD_MAIL_FROM and the SMTP login)"
            ) from error
        except smtplib.SMTPDataError as error:
            code, text = error.smtp_code, _text(error.smtp_error)
            if code == 421:
                raise _RetryTheRest(f"SMTP {code}: {text}") from error
            if 400 <= code < 500:
                return Outcome(item.delivery_id, RETRY, error=f"SMTP {code}: {text}")
            # The message itself was refused (spam, size, content): this message fails;
            # the address is fine.
            return Outcome(
                item.delivery_id, FAILED, error=f"SMTP {code}: the message was refused: {text}"
            )
        except smtplib.SMTPResponseException as error:  # HELO/EHLO refused
            raise _RetryTheRest(f"SMTP {error.smtp_code}: {_text(error.smtp_error)}") from error
        except smtplib.SMTPNotSupportedError as error:
            # An international address and a server without SMTPUTF8.
            return Outcome(item.delivery_id, FAILED, error=f"SMTP: {error}")
        if not refused:
            return Outcome(item.delivery_id, SENT, provider_id="smtp")
        code, text = next(iter(refused.values()))
        return _recipient_refused(item.delivery_id, code, _text(text))


def _retry_the_rest(outcomes: list[Outcome], rest: list[Outgoing], reason: str) -> None:
    done = {o.delivery_id for o in outcomes}
    outcomes.extend(
        Outcome(i.delivery_id, RETRY, error=reason) for i in rest if i.delivery_id not in done
    )


def _text(value) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)
