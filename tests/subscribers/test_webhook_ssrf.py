"""Subscriber webhooks cannot be pointed inside: every address a name has must be public
(shared address space and IPv4-mapped addresses included), the connection goes to the
address that was checked (no second lookup to rebind), environment proxies are never
used, and a receiver that trickles its answer is cut off at the time limit."""

from __future__ import annotations

import ipaddress
import socket

import pytest
import urllib3.util.connection

from core.errors import ServiceError
from subscribers.channels.base import FAILED, RETRY, SENT
from subscribers.channels.webhook import Webhook
from subscribers.validation import (
    HostNotFound,
    _forbidden_ip,
    check_public_host,
    normalise_webhook_url,
)
from tests.fakes import WebhookReceiver
from tests.fakes.trickle import TricklingReceiver
from tests.subscribers.channelkit import content, outgoing

NAME = "hooks.example.test"


@pytest.fixture
def connections(monkeypatch):
    """Every (address, port) urllib3 opens a TCP connection to."""
    seen: list[tuple[str, int]] = []
    real = urllib3.util.connection.create_connection

    def create_connection(address, *args, **kwargs):
        seen.append(address)
        return real(address, *args, **kwargs)

    monkeypatch.setattr(urllib3.util.connection, "create_connection", create_connection)
    return seen


def send(channel: Webhook, url: str):
    try:
        [outcome] = channel.send(content(), outgoing([url]))
    finally:
        channel.close()
    return outcome


# The addresses ---------------------------------------------------------------------

REFUSED = [
    "127.0.0.1",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",  # cloud metadata
    "100.100.100.200",  # shared address space 100.64.0.0/10 (a cloud's metadata)
    "100.64.0.1",
    "0.0.0.0",
    "192.0.2.10",  # TEST-NET-1
    "198.18.0.1",  # benchmarking
    "224.0.0.1",
    "240.0.0.1",
    "255.255.255.255",
    "::1",
    "::",
    "fe80::1",
    "fc00::1",
    "2001:db8::1",
    "ff02::1",
    "::ffff:127.0.0.1",  # IPv4-mapped: judged by the IPv4 address
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "::ffff:100.100.100.200",
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "2002:7f00:1::1",  # 6to4 of 127.0.0.1
]
ALLOWED = ["8.8.8.8", "93.184.216.34", "2001:4860:4860::8888", "::ffff:8.8.8.8"]


@pytest.mark.parametrize("address", REFUSED)
def test_non_public_addresses_are_forbidden(address):
    assert _forbidden_ip(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ALLOWED)
def test_public_addresses_are_allowed(address):
    assert not _forbidden_ip(ipaddress.ip_address(address))


def literal(address: str) -> str:
    return f"[{address}]" if ":" in address else address


@pytest.mark.parametrize("address", REFUSED)
def test_a_sign_up_with_an_ip_literal_inside_is_refused(app, address):
    with pytest.raises(ServiceError, match="addresses are refused"):
        normalise_webhook_url(f"https://{literal(address)}/hook", allow_private=False)


def test_a_decimal_ip_literal_is_checked_as_the_address_it_is(app):
    with pytest.raises(ServiceError, match=r"\(127\.0\.0\.1\)"):
        normalise_webhook_url("https://2130706433/hook", allow_private=False)


@pytest.mark.parametrize(
    "answer",
    [
        ["100.100.100.200"],
        ["93.184.216.34", "10.0.0.5"],  # one private answer among public ones is enough
        ["::ffff:127.0.0.1"],
        ["2001:4860:4860::8888", "fd00::1"],
    ],
)
def test_a_name_with_any_non_public_address_is_refused(app, dns, answer):
    dns[NAME] = answer
    with pytest.raises(ServiceError, match="addresses are refused"):
        check_public_host(NAME, 443)


def test_a_public_name_gives_the_address_to_connect_to(app, dns):
    dns[NAME] = ["93.184.216.34", "93.184.216.35"]
    assert check_public_host(NAME, 443) == "93.184.216.34"
    dns["mapped.example.test"] = ["::ffff:93.184.216.34"]
    mapped = check_public_host("mapped.example.test", 443)
    assert ipaddress.ip_address(mapped) == ipaddress.ip_address("::ffff:93.184.216.34")


@pytest.mark.parametrize("address", ["100.100.100.200", "::ffff:127.0.0.1", "10.9.8.7"])
def test_the_channel_refuses_non_public_addresses_without_connecting(app, connections, address):
    channel = Webhook(timeout=0.5, allow_private=False)
    outcome = send(channel, f"https://{literal(address)}/hook")
    assert outcome.status == FAILED and outcome.subscriber_action == "quarantine"
    assert "addresses are refused" in outcome.error
    assert connections == []


def test_a_name_that_now_leads_inside_is_refused_at_send_time(app, dns, connections):
    dns[NAME] = ["169.254.169.254"]
    outcome = send(Webhook(timeout=0.5, allow_private=False), f"https://{NAME}/hook")
    assert outcome.status == FAILED and outcome.subscriber_action == "quarantine"
    assert connections == []


def test_a_name_that_does_not_resolve_is_retried_not_quarantined(app, dns, connections):
    dns[NAME] = []
    outcome = send(Webhook(timeout=0.5, allow_private=False), f"https://{NAME}/hook")
    assert outcome.status == RETRY and outcome.subscriber_action == "count_failure"
    with pytest.raises(HostNotFound):
        check_public_host(NAME)


# The connection goes to the checked address -----------------------------------------


def test_the_connection_goes_to_the_resolved_address_with_the_name_for_host_and_tls(
    app, dns, connections
):
    with WebhookReceiver(names=(NAME,)) as hook:
        server_names: list[str | None] = []
        hook.tls.sni_callback = lambda _sock, name, _context: server_names.append(name)
        dns[NAME] = ["127.0.0.1"]
        url = f"https://{NAME}:{hook.port}/herald"
        outcome = send(Webhook(timeout=2, allow_private=True, verify=hook.ca_path), url)

        assert outcome.status == SENT
        [request] = hook.requests
        assert request.path == "/herald"
        assert request.headers["Host"] == f"{NAME}:{hook.port}"
        assert server_names == [NAME]  # TLS SNI
        assert dns.lookups == {NAME: 1}  # resolved once, by the check; never again
        assert connections == [("127.0.0.1", hook.port)]


def test_the_certificate_is_checked_against_the_name_not_the_address(app, dns):
    # The receiver's certificate is valid for 127.0.0.1 (the address connected to) but
    # not for the name in the URL: that must fail.
    with WebhookReceiver() as hook:
        dns["other.example.test"] = ["127.0.0.1"]
        channel = Webhook(timeout=2, allow_private=True, verify=hook.ca_path)
        outcome = send(channel, f"https://other.example.test:{hook.port}/herald")
        assert outcome.status == RETRY
        assert "CERTIFICATE_VERIFY_FAILED" in outcome.error or "hostname" in outcome.error
        assert hook.requests == []


def test_dns_rebinding_cannot_move_the_connection_inside(app, dns, monkeypatch):
    # Public for the check, loopback for any later lookup.
    answers = iter([["93.184.216.34"]])
    dns[NAME] = lambda: next(answers, ["127.0.0.1"])
    tried: list[tuple[str, int]] = []

    def no_network(address, *args, **kwargs):
        tried.append(address)
        raise OSError("no route to host (test)")

    monkeypatch.setattr(urllib3.util.connection, "create_connection", no_network)
    outcome = send(Webhook(timeout=0.5, allow_private=False), f"https://{NAME}/hook")
    assert outcome.status == RETRY
    assert tried == [("93.184.216.34", 443)]
    assert dns.lookups == {NAME: 1}


def test_keep_alive_connections_are_not_shared_between_names(app, dns, connections):
    with WebhookReceiver(names=(NAME, "second.example.test")) as hook:
        dns[NAME] = dns["second.example.test"] = ["127.0.0.1"]
        channel = Webhook(timeout=2, allow_private=True, verify=hook.ca_path, concurrency=1)
        try:
            for name in (NAME, NAME, "second.example.test"):
                [outcome] = channel.send(
                    content(), outgoing([f"https://{name}:{hook.port}/herald"])
                )
                assert outcome.status == SENT
        finally:
            channel.close()
        assert [r.headers["Host"].split(":")[0] for r in hook.requests] == [
            NAME,
            NAME,
            "second.example.test",
        ]
    assert len(connections) == 2  # the first name's connection was reused, once


# No proxies, and a deadline -------------------------------------------------------------


def test_environment_proxies_are_never_used(app, monkeypatch, webhook_receiver):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        nowhere = f"http://127.0.0.1:{probe.getsockname()[1]}"
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "ALL_PROXY"):
        monkeypatch.setenv(name, nowhere)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    channel = Webhook(timeout=2, allow_private=True, verify=webhook_receiver.ca_path)
    assert send(channel, webhook_receiver.url_for()).status == SENT
    assert len(webhook_receiver.requests) == 1


@pytest.mark.parametrize("phase", ["status", "body"])
def test_a_trickling_receiver_is_cut_off_at_the_time_limit(app, phase):
    with TricklingReceiver(phase=phase, interval=0.1) as hook:
        channel = Webhook(timeout=0.6, allow_private=True, verify=hook.ca_path)
        outcome = send(channel, hook.url_for())
        assert hook.requests == 1
        # Each byte comes well within the read timeout; only the overall limit ends it
        # (the whole answer would take minutes): Herald hangs up mid-answer.
        assert hook.hung_up.wait(5)
    assert outcome.status == RETRY and outcome.subscriber_action == "count_failure"
    assert "no complete answer within 0.6 seconds" in outcome.error
