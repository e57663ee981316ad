"""The fakes as pytest fixtures (registered in tests/conftest.py), one fresh fake per
test: ``fake_sendgrid``, ``fake_twilio``, ``smtp_sink``, ``webhook_receiver`` (HTTPS,
``.ca_path``), ``sendgrid_signer`` (event webhook keys), ``twilio_signer`` and ``dns``
(made-up names, see tests/fakes/dns.py)."""

from __future__ import annotations

import socket

import pytest

from tests.fakes import (
    EventWebhookSigner,
    FakeSendGrid,
    FakeTwilio,
    SmtpSink,
    TwilioSigner,
    WebhookReceiver,
)
from tests.fakes.dns import Resolver


@pytest.fixture
def fake_sendgrid():
    with FakeSendGrid() as fake:
        yield fake


@pytest.fixture
def fake_twilio():
    with FakeTwilio() as fake:
        yield fake


@pytest.fixture
def smtp_sink():
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
def webhook_receiver():
    with WebhookReceiver() as receiver:
        yield receiver


@pytest.fixture(scope="session")
def sendgrid_signer():
    return EventWebhookSigner()


@pytest.fixture
def twilio_signer():
    return TwilioSigner("test-auth-token")


@pytest.fixture
def dns(monkeypatch):
    table = Resolver()
    monkeypatch.setattr(socket, "getaddrinfo", table.getaddrinfo)
    return table
