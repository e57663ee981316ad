"""SMTP: one connection for many messages; 4xx is retried, 5xx is permanent."""

from __future__ import annotations

import smtplib
import ssl

from subscribers.channels.base import (
    BOUNCED,
    RETRY,
    SENT,
    Channel,
    Content,
    Outcome,
    Outgoing,
)
from subscribers.channels.mail import build_email


def _by_code(delivery_id: int, code: int, text: str) -> Outcome:
    if 400 <= code < 500:
        return Outcome(delivery_id, RETRY, error=f"SMTP {code}: {text}")
    # 5xx: the server refuses for good (no such user, policy): a hard bounce.
    return Outcome(
        delivery_id, BOUNCED, error=f"SMTP {code}: {text}", subscriber_action="quarantine"
    )


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
        if self.starttls:
            connection.starttls(context=ssl.create_default_context())
        if self.username:
            connection.login(self.username, self.password)
        return connection

    def send(self, content: Content, batch: list[Outgoing]) -> list[Outcome]:
        outcomes: list[Outcome] = []
        try:
            connection = self._connect()
        except (OSError, smtplib.SMTPException) as error:
            return [
                Outcome(i.delivery_id, RETRY, error=f"SMTP connection failed: {error}")
                for i in batch
            ]
        try:
            for index, item in enumerate(batch):  # noqa: B007 - read after a disconnect
                try:
                    refused = connection.send_message(build_email(content, item, self.sender))
                except smtplib.SMTPRecipientsRefused as error:
                    code, text = next(iter(error.recipients.values()))
                    outcomes.append(_by_code(item.delivery_id, code, _text(text)))
                    continue
                except smtplib.SMTPResponseException as error:
                    outcomes.append(
                        _by_code(item.delivery_id, error.smtp_code, _text(error.smtp_error))
                    )
                    if error.smtp_code == 421:  # the server is closing the connection
                        raise smtplib.SMTPServerDisconnected("421") from error
                    continue
                if refused:
                    code, text = next(iter(refused.values()))
                    outcomes.append(_by_code(item.delivery_id, code, _text(text)))
                else:
                    outcomes.append(Outcome(item.delivery_id, SENT, provider_id="smtp"))
        except (TimeoutError, smtplib.SMTPServerDisconnected, OSError) as error:
            done = {o.delivery_id for o in outcomes}
            outcomes.extend(
                Outcome(i.delivery_id, RETRY, error=f"SMTP connection lost: {error}")
                for i in batch[index:]
                if i.delivery_id not in done
            )
        finally:
            try:
                connection.quit()
            except (smtplib.SMTPException, OSError):
                connection.close()
        return outcomes


def _text(value) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)
