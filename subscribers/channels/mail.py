"""Composing email: plain text and HTML parts, one-click unsubscribe headers (RFC 8058)
on every message but a transactional one."""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid

from subscribers.channels.base import Content, Outgoing, personalise
from subscribers.links import manage_url, unsubscribe_url

# Folding List-Unsubscribe has broken DKIM at some relays: never fold below 998.
POLICY = SMTP.clone(max_line_length=998)


def sender_domain(sender: str) -> str:
    return sender.rpartition("@")[2].strip("> ") or "localhost"


def build_email(content: Content, item: Outgoing, sender: str) -> EmailMessage:
    unsubscribe, manage = unsubscribe_url(item.token), manage_url(item.token)
    message = EmailMessage(policy=POLICY)
    message["From"] = sender
    message["To"] = item.address
    message["Subject"] = content.subject
    message["Date"] = formatdate(usegmt=True)
    # make_msgid would look up this host's name; the sender's domain is what counts.
    message["Message-ID"] = make_msgid(
        idstring=f"herald.{item.delivery_id}", domain=sender_domain(sender)
    )
    if not content.transactional:
        message["List-Unsubscribe"] = f"<{unsubscribe}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["X-Herald-Delivery"] = str(item.delivery_id)
    message.set_content(personalise(content.text, unsubscribe, manage))
    if content.html:
        message.add_alternative(personalise(content.html, unsubscribe, manage), subtype="html")
        for part in message.iter_parts():
            # The parts are EmailMessages too, which each add a MIME-Version of their own;
            # it belongs in the top-level header only (RFC 2045 section 4).
            del part["MIME-Version"]
    return message
