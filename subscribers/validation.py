"""Checking and normalising addresses: email, E.164 phone numbers, webhook URLs."""

from __future__ import annotations

import ipaddress
import re
import socket
from urllib.parse import urlsplit

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext

from core.errors import ServiceError


def normalise_email(raw: str) -> str:
    try:
        return validate_email((raw or "").strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise ServiceError(
            gettext("That email address is not valid: %(reason)s", reason=error), "address"
        ) from None


def normalise_phone(raw: str, region: str = "US") -> str:
    """Return the number in E.164 (+14155550100); a number without + is read in ``region``."""
    text = (raw or "").strip()
    try:
        number = phonenumbers.parse(text, None if text.startswith("+") else region)
    except phonenumbers.NumberParseException:
        raise ServiceError(
            gettext(
                "%(number)s is not a phone number. Use the international format, "
                "e.g. +44 7911 123456.",
                number=repr(text),
            ),
            "address",
        ) from None
    if not phonenumbers.is_valid_number(number):
        raise ServiceError(
            gettext("%(number)s is not a valid phone number.", number=repr(text)), "address"
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# NAT64 (RFC 6052): the IPv6 address stands for the IPv4 address in its last 32 bits.
NAT64 = ipaddress.ip_network("64:ff9b::/96")


class HostNotFound(ServiceError):
    """The host name does not resolve (perhaps only for now)."""


def _embedded_ipv4(
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address,
) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries and leads to, if any (mapped, NAT64,
    6to4): ``::ffff:127.0.0.1`` reaches 127.0.0.1, so that is what must be checked."""
    if ip.version != 6:
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip.sixtofour


def _forbidden_ip(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    inner = _embedded_ipv4(ip)
    if inner is not None and _forbidden_ip(inner):
        return True
    if inner is not None and ip.sixtofour is None:
        # Mapped and NAT64 addresses are judged by the IPv4 address they reach (the
        # IPv6 prefixes themselves count as reserved).
        return False
    return (
        not ip.is_global  # also shared address space 100.64.0.0/10, TEST-NETs, ...
        or ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def resolve_host(
    host: str, port: int | None = None
) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """The addresses ``host`` resolves to, in the resolver's order of preference."""
    try:
        infos = socket.getaddrinfo(host, port or 443, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        raise HostNotFound(f"The host {host!r} does not resolve.", "address") from None
    addresses = []
    for info in infos:
        ip = ipaddress.ip_address(info[4][0].split("%")[0])
        if ip not in addresses:
            addresses.append(ip)
    if not addresses:
        raise HostNotFound(f"The host {host!r} does not resolve.", "address")
    return addresses


def connect_address(host: str, port: int | None = None, *, allow_private: bool = False) -> str:
    """Resolve ``host`` once and return the address to connect to.

    Unless ``allow_private``, every address the name has must be public. Connecting to
    the returned address (not to the name, which a second lookup could turn into
    127.0.0.1: DNS rebinding) makes the address checked the address connected to.
    """
    addresses = resolve_host(host, port)
    if not allow_private:
        for ip in addresses:
            if _forbidden_ip(ip):
                raise ServiceError(
                    f"Webhooks cannot go to {host} ({ip}): private, loopback and link-local "
                    "addresses are refused.",
                    "address",
                )
    return str(addresses[0])


def check_public_host(host: str, port: int | None = None) -> str:
    """Refuse a host that resolves to a private, loopback, link-local, shared or
    otherwise non-global address; return the address to connect to.

    Checked at sign-up and again before every send, since DNS can change in between.
    """
    return connect_address(host, port, allow_private=False)


def normalise_webhook_url(raw: str, allow_private: bool) -> str:
    url = (raw or "").strip()
    parts = urlsplit(url)
    if parts.scheme != "https":
        raise ServiceError(gettext("Webhook URLs must start with https://."), "address")
    if not parts.hostname:
        raise ServiceError(gettext("That webhook URL has no host."), "address")
    if parts.username or parts.password:
        raise ServiceError(gettext("Webhook URLs cannot carry a user name or password."), "address")
    if len(url) > 500:
        raise ServiceError(gettext("Webhook URLs can be at most 500 characters."), "address")
    if not allow_private:
        check_public_host(parts.hostname, parts.port)
    return url


SLACK_ID = re.compile(r"^[CGDUW][A-Z0-9]{8,12}$")


def normalise_slack_id(raw: str) -> str:
    """A Slack channel id (C…, G…) or user id (U…, W…: a direct message), as Slack shows
    it under the channel's or the member's details; names change, ids do not."""
    value = (raw or "").strip().upper()
    if not SLACK_ID.match(value):
        raise ServiceError(
            "Give the Slack channel id (like C0123456789, under the channel's details) or a "
            "member id (like U0123456789) for a direct message, not a name.",
            "address",
        )
    return value


def normalise(channel: str, raw: str, *, region: str, allow_private: bool) -> str:
    """The address in its one canonical form for ``channel``, or a ServiceError."""
    if channel == "email":
        return normalise_email(raw)
    if channel == "sms":
        return normalise_phone(raw, region)
    if channel == "webhook":
        return normalise_webhook_url(raw, allow_private)
    if channel == "slack":
        return normalise_slack_id(raw)
    if channel == "chat_webhook":
        from subscribers.channels.chat_webhook import normalise_chat_webhook_url

        return normalise_chat_webhook_url(raw, allow_private)
    raise ServiceError(
        f"Unknown channel {channel!r}; use email, sms, webhook, slack or chat_webhook.", "channel"
    )
