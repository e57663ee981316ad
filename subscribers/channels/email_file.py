"""Development email: each message written as an .eml file under instance/outbox/."""

from __future__ import annotations

import os
from email.errors import MessageError

from subscribers.channels.base import FAILED, SENT, Channel, Content, Outcome, Outgoing
from subscribers.channels.mail import build_email


class FileEmail(Channel):
    kind = "email"
    name = "email:file"
    batch_size = 500

    def __init__(self, directory: str, sender: str):
        self.directory = directory
        self.sender = sender
        os.makedirs(directory, exist_ok=True)

    def send(self, content: Content, batch: list[Outgoing]) -> list[Outcome]:
        outcomes = []
        for item in batch:
            try:
                message = build_email(content, item, self.sender)
            except (ValueError, MessageError) as error:
                # A header with a line break, say: no retry can ever build it.
                error_text = f"The email cannot be built: {error}"
                outcomes.append(Outcome(item.delivery_id, FAILED, error=error_text))
                continue
            name = f"{item.delivery_id:09d}.eml"
            temporary = os.path.join(self.directory, f".{name}.tmp")
            with open(temporary, "wb") as handle:
                handle.write(message.as_bytes())
            os.replace(temporary, os.path.join(self.directory, name))
            outcomes.append(Outcome(item.delivery_id, SENT, provider_id=f"file:{name}"))
        return outcomes
