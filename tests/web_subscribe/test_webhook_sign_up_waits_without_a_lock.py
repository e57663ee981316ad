"""The webhook sign-up's test delivery goes out before anything is written, to the
address that was checked, and gives up at PROVIDER_TIMEOUT however slowly the receiver
trickles its answer; meanwhile other writers (publishing, the worker) are not blocked."""

from __future__ import annotations

import socket
import threading

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from app.models import Component
from config import load_config
from core.db import db
from tests.fakes import WebhookReceiver
from tests.fakes.trickle import TricklingReceiver

NAME = "hooks.example.test"


def text_of(response) -> str:
    return response.get_data(as_text=True)


def test_a_trickling_receiver_is_given_up_on_in_time_and_blocks_no_writer(
    app, browser, counts, database_url
):
    app.config["PROVIDER_TIMEOUT"] = 1.5
    with TricklingReceiver(phase="status", interval=0.1) as hook:
        app.config["WEBHOOK_CA_BUNDLE"] = hook.ca_path
        browser.get("/subscribe")  # the CSRF token, before the sign-up runs in a thread
        result: dict = {}

        def sign_up():
            with app.app_context():
                result["response"] = browser.sign_up("webhook", hook.url_for())

        thread = threading.Thread(target=sign_up)
        thread.start()
        try:
            assert hook.got_request.wait(5), "the test delivery never arrived"
            # While the receiver holds the test delivery, another connection writes;
            # it must not wait for a lock (SQLite: it would fail in 0.1 s).
            options = {"timeout": 0.1} if database_url.startswith("sqlite") else {}
            other = create_engine(database_url, connect_args=options)
            try:
                with Session(other) as session:
                    session.add(Component(name="Written meanwhile"))
                    session.commit()
            finally:
                other.dispose()
            assert "response" not in result  # the sign-up was still waiting
            # The answer would take minutes at this pace; the sign-up hangs up at the limit.
            assert hook.hung_up.wait(5)
        finally:
            thread.join(15)
        assert not thread.is_alive()

    response = result["response"]
    assert response.status_code == 400
    assert (
        "The test delivery to that URL did not succeed: it must answer with a 2xx status "
        "within 1.5 seconds." in text_of(response)
    )
    assert counts() == (0, 0, 0)
    assert db.session.scalar(select(Component.name)) == "Written meanwhile"


def test_the_test_delivery_goes_to_the_checked_address_under_the_url_s_name(
    app, browser, dns, subscriber_of
):
    # Private addresses are allowed here (testing settings), so the name may lead to
    # 127.0.0.1; it is resolved once and the connection goes to that address, while the
    # name stays the Host header, the TLS server name and the name the certificate is
    # checked against.
    assert app.config["WEBHOOK_ALLOW_PRIVATE"]
    with WebhookReceiver(names=(NAME,)) as hook:
        server_names: list[str | None] = []
        hook.tls.sni_callback = lambda _sock, name, _context: server_names.append(name)
        app.config["WEBHOOK_CA_BUNDLE"] = hook.ca_path
        dns[NAME] = ["127.0.0.1"]
        url = f"https://{NAME}:{hook.port}/hooks/status"

        response = browser.sign_up("webhook", url)

        assert response.status_code == 200, text_of(response)
        assert "Your webhook is subscribed" in text_of(response)
        [request] = hook.requests
        assert request.headers["Host"] == f"{NAME}:{hook.port}"
        assert server_names == [NAME]
    assert dns.lookups == {NAME: 1}
    assert subscriber_of(url, "webhook").state == "active"


@pytest.mark.parametrize(
    "answer", [["100.100.100.200"], ["::ffff:127.0.0.1"], ["93.184.216.34", "10.0.0.7"]]
)
def test_production_refuses_names_that_lead_inside(app, browser, dns, counts, answer):
    production = load_config(
        {"HERALD_ENV": "production", "HERALD_SECRET_KEY": "x" * 32}, instance_path="/tmp"
    )
    app.config["WEBHOOK_ALLOW_PRIVATE"] = production["WEBHOOK_ALLOW_PRIVATE"]
    dns[NAME] = answer
    response = browser.sign_up("webhook", f"https://{NAME}/hook")
    assert response.status_code == 400
    assert "private, loopback and link-local addresses are refused" in text_of(response)
    assert counts() == (0, 0, 0)


@pytest.mark.parametrize(
    "url", ["https://100.100.100.200/hook", "https://[::ffff:169.254.169.254]/hook"]
)
def test_production_refuses_shared_and_mapped_literals(app, browser, counts, url):
    app.config["WEBHOOK_ALLOW_PRIVATE"] = False
    response = browser.sign_up("webhook", url)
    assert response.status_code == 400
    assert "addresses are refused" in text_of(response)
    assert counts() == (0, 0, 0)


def test_every_failure_gets_the_same_message(app, browser, receiver, counts):
    """Refused, redirected, unreachable, untrusted: the person sees one message, so the
    form tells nothing about which hosts and ports answer and how."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"https://127.0.0.1:{probe.getsockname()[1]}/hook"
    pages = []
    for status in (500, 404, 302):
        receiver.status = status
        pages.append(browser.sign_up("webhook", receiver.url))
    pages.append(browser.sign_up("webhook", closed))
    app.config["WEBHOOK_CA_BUNDLE"] = ""
    pages.append(browser.sign_up("webhook", receiver.url))

    def error_of(page) -> str:
        html = text_of(page)
        start = html.index("The test delivery")
        return html[start : html.index("<", start)]

    assert {page.status_code for page in pages} == {400}
    assert {error_of(page) for page in pages} == {
        "The test delivery to that URL did not succeed: it must answer with a 2xx status "
        "within 5 seconds."
    }
    assert counts() == (0, 0, 0)
