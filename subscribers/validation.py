"""Checking and normalising addresses: email, E.164 phone numbers, webhook URLs."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from app.errors import ServiceError


def normalise_email(raw: str) -> str:
    try:
        return validate_email((raw or "").strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise ServiceError(f"That email address is not valid: {error}", "address") from None


def normalise_phone(raw: str, region: str = "US") -> str:
    """Return the number in E.164 (+14155550100); a number without + is read in ``region``."""
    text = (raw or "").strip()
    try:
        number = phonenumbers.parse(text, None if text.startswith("+") else region)
    except phonenumbers.NumberParseException:
        raise ServiceError(
            f"{text!r} is not a phone number. Use the international format, e.g. +44 7911 123456.",
            "address",
        ) from None
    if not phonenumbers.is_valid_number(number):
        raise ServiceError(f"{text!r} is not a valid phone number.", "address")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _forbidden_ip(ip: ipaddress._BaseAddress) -> bool:
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def check_public_host(host: str, port: int | None = None) -> None:
    """Refuse a host that resolves to a private, loopback or link-local address.

    Checked at sign-up and again before every send, since DNS can change in between.
    """
    try:
        infos = socket.getaddrinfo(host, port or 443, proto=socket.IPPROTO_TCP)
    except socket.gaierror:
        raise ServiceError(f"The host {host!r} does not resolve.", "address") from None
    for info in infos:
        ip = ipaddress.ip_address(info[4][0].split("%")[0])
        if _forbidden_ip(ip):
            raise ServiceError(
                f"Webhooks cannot go to {host} ({ip}): private, loopback and link-local "
                "addresses are refused.",
                "address",
            )


def normalise_webhook_url(raw: str, allow_private: bool) -> str:
    url = (raw or "").strip()
    parts = urlsplit(url)
    if parts.scheme != "https":
        raise ServiceError("Webhook URLs must start with https://.", "address")
    if not parts.hostname:
        raise ServiceError("That webhook URL has no host.", "address")
    if parts.username or parts.password:
        raise ServiceError("Webhook URLs cannot carry a user name or password.", "address")
    if len(url) > 500:
        raise ServiceError("Webhook URLs can be at most 500 characters.", "address")
    if not allow_private:
        check_public_host(parts.hostname, parts.port)
    return url


def normalise(channel: str, raw: str, *, region: str, allow_private: bool) -> str:
    """The address in its one canonical form for ``channel``, or a ServiceError."""
    if channel == "email":
        return normalise_email(raw)
    if channel == "sms":
        return normalise_phone(raw, region)
    if channel == "webhook":
        return normalise_webhook_url(raw, allow_private)
    raise ServiceError(f"Unknown channel {channel!r}; use email, sms or webhook.", "channel")
