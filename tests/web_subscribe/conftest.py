"""Fixtures for the public subscription pages and the provider callbacks.

Each request runs in its own application context (as in production and as in the staff
tests), so the test's session reads what a request committed. Everything the tests need
from providers is here, on 127.0.0.1 only: an HTTPS webhook receiver with a throw-away
certificate, a SendGrid event signer (ECDSA P-256) and a Twilio request signer.
"""

from __future__ import annotations

import base64
import contextvars
import datetime as dt
import ipaddress
import json
import re
import ssl
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from flask.testing import FlaskClient
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from core.db import db
from subscribers.models import Broadcast, Delivery, Subscriber

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
TWILIO_TOKEN = "twilio-test-auth-token"


class IsolatedClient(FlaskClient):
    def open(self, *args, **kwargs):
        response = contextvars.Context().run(super().open, *args, **kwargs)
        db.session.expire_all()
        return response


@pytest.fixture(autouse=True)
def subscription_settings(app):
    app.test_client_class = IsolatedClient
    # Many sign-ups per test; the rate-limit test sets its own, lower rate.
    app.config["SUBSCRIBE_RATE"] = "1000 per minute"
    app.config["SUBSCRIBE_ADDRESS_RATE"] = "1000 per minute"
    app.config["TWILIO_AUTH_TOKEN"] = TWILIO_TOKEN
    app.config["PROVIDER_TIMEOUT"] = 5.0


class Browser:
    """A visitor's test client that fills in the CSRF token as a browser form would."""

    def __init__(self, client):
        self.client = client
        self.token = None

    def get(self, url, **kwargs):
        response = self.client.get(url, **kwargs)
        found = CSRF_RE.search(response.get_data(as_text=True))
        if found:
            self.token = found.group(1)
        return response

    def post(self, url, data=None, **kwargs):
        if self.token is None:
            self.get("/subscribe")
        data = dict(data or {})
        data.setdefault("csrf_token", self.token)
        return self.client.post(url, data=data, **kwargs)

    def sign_up(self, channel: str, address: str, **fields):
        data = {"channel": channel, "address": address, "scope": "all", **fields}
        return self.post("/subscribe", data)


@pytest.fixture
def browser(app):
    return Browser(app.test_client())


def text_of(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def counts(app):
    """Rows of subscribers, broadcasts and deliveries, to show that nothing changed."""

    def count() -> tuple[int, int, int]:
        db.session.expire_all()
        return tuple(
            db.session.scalar(select(func.count()).select_from(model))
            for model in (Subscriber, Broadcast, Delivery)
        )

    return count


@pytest.fixture
def subscriber_of(app):
    def find(address: str, channel: str | None = None) -> Subscriber | None:
        db.session.expire_all()
        query = select(Subscriber).where(Subscriber.address == address)
        if channel:
            query = query.where(Subscriber.channel == channel)
        return db.session.scalar(query)

    return find


@pytest.fixture
def confirmation_of(app):
    """The confirmation broadcast queued for a subscriber (the only thing it may get)."""

    def find(subscriber: Subscriber) -> Broadcast:
        db.session.expire_all()
        return db.session.scalars(
            select(Broadcast)
            .where(Broadcast.subscriber_id == subscriber.id)
            .order_by(Broadcast.id.desc())
        ).first()

    return find


# A webhook receiver on https://127.0.0.1 ------------------------------------------------


def self_signed_certificate(directory) -> tuple[str, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(cert_path), str(key_path)


@dataclass
class Receiver:
    url: str
    status: int = 200
    requests: list[dict] = field(default_factory=list)


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory):
    return self_signed_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def receiver(app, tls_files):
    """An HTTPS server on 127.0.0.1 that records each POST and answers ``status``; the
    app trusts its certificate through WEBHOOK_CA_BUNDLE."""
    cert_path, key_path = tls_files
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            state.requests.append({"headers": dict(self.headers), "body": body})
            self.send_response(state.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"https://127.0.0.1:{server.server_address[1]}/hooks/status"
    app.config["WEBHOOK_CA_BUNDLE"] = cert_path
    yield state
    server.shutdown()
    server.server_close()
    thread.join(5)


# Provider signatures ------------------------------------------------------------------


@dataclass
class SendGridSigner:
    private_key: ec.EllipticCurvePrivateKey
    public_key_b64: str

    def headers(self, body: str, timestamp: str = "1700000000") -> dict[str, str]:
        signature = self.private_key.sign((timestamp + body).encode(), ec.ECDSA(hashes.SHA256()))
        return {
            "X-Twilio-Email-Event-Webhook-Signature": base64.b64encode(signature).decode(),
            "X-Twilio-Email-Event-Webhook-Timestamp": timestamp,
            "Content-Type": "application/json",
        }


@pytest.fixture
def sendgrid(app):
    """A test ECDSA P-256 key pair; the app verifies with its public half."""
    private_key = ec.generate_private_key(ec.SECP256R1())
    der = private_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signer = SendGridSigner(private_key, base64.b64encode(der).decode())
    app.config["SENDGRID_WEBHOOK_PUBLIC_KEY"] = signer.public_key_b64
    return signer


@pytest.fixture
def post_events(app, sendgrid):
    """POST a signed batch of SendGrid events (the signature covers the raw body)."""

    def post(events: list[dict], headers: dict | None = None):
        body = json.dumps(events)
        return app.test_client().post(
            "/webhooks/sendgrid/events",
            data=body,
            headers=headers if headers is not None else sendgrid.headers(body),
        )

    return post


@pytest.fixture
def twilio_post(app):
    """POST a form to a Twilio callback, signed for the public URL as Twilio would."""

    def post(path: str, form: dict, *, signature: str | None = None, sign: bool = True):
        url = app.config["PUBLIC_URL"] + path
        headers = {}
        if sign:
            headers["X-Twilio-Signature"] = (
                signature
                if signature is not None
                else RequestValidator(TWILIO_TOKEN).compute_signature(url, form)
            )
        return app.test_client().post(path, data=form, headers=headers)

    return post
