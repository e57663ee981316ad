"""The webhook channel against a local HTTPS receiver (a trustme CA)."""

from __future__ import annotations

import json
import re
import time

import pytest
from sqlalchemy import select

from app.incidents.services import declare_incident
from core.db import db
from subscribers.channels import channels_for
from subscribers.channels.base import FAILED, RETRY, SENT, Outcome
from subscribers.channels.webhook import SIGNATURE_HEADER, Webhook
from subscribers.fanout import ContentCache, drain
from subscribers.links import link_token
from subscribers.models import Broadcast, Delivery
from subscribers.outbox import expand_broadcast
from tests.fakes import verify_signature
from tests.subscribers.channelkit import SECRET, content, manage, outgoing, unsubscribe


@pytest.fixture
def channel(app, webhook_receiver):
    channel = Webhook(
        timeout=0.5, allow_private=True, verify=webhook_receiver.ca_path, concurrency=4
    )
    yield channel
    channel.close()


def test_the_body_is_the_payload_with_links_and_a_verifiable_signature(channel, webhook_receiver):
    [item] = batch = outgoing([webhook_receiver.url_for("/herald")])
    [outcome] = channel.send(content(), batch)
    assert outcome == Outcome(1, SENT, provider_id="http:200")

    [request] = webhook_receiver.requests
    assert request.method == "POST" and request.path == "/herald"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["User-Agent"] == "Herald-Webhooks/1"
    assert request.headers["X-Herald-Delivery"] == "1"
    body = request.json
    meta = body.pop("meta")
    assert body == content().webhook_payload
    assert meta["unsubscribe"] == unsubscribe(item.token)
    assert meta["manage"] == manage(item.token)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", meta["generated_at"])
    assert "X-Herald-Signature" in meta["documentation"]

    header = request.headers[SIGNATURE_HEADER]
    assert re.fullmatch(r"t=\d+,v1=[0-9a-f]{64}", header)
    assert abs(int(header[2:].split(",")[0]) - time.time()) < 60
    assert verify_signature(SECRET, header, request.body)  # recomputed over the raw body
    assert not verify_signature("another-secret", header, request.body)
    assert not verify_signature(SECRET, header, request.body.replace(b"inc123", b"inc124"))


def test_an_incident_update_arrives_in_statuspage_s_shape(
    channel, webhook_receiver, make_component, audiences
):
    api = make_component("API")
    declare_incident(
        None, "API errors", "major", {api: "major_outage"}, body="Looking.", reviewed=True
    )
    db.session.commit()
    broadcast = db.session.scalar(select(Broadcast))

    channel.send(ContentCache().get(broadcast.id), outgoing([webhook_receiver.url_for()]))

    payload = webhook_receiver.requests[0].json
    assert set(payload) == {"page", "incident", "meta"}
    assert payload["page"] == {"id": "herald"}
    incident = payload["incident"]
    assert incident["name"] == "API errors" and incident["status"] == "investigating"
    assert incident["impact"] == "major"
    assert incident["shortlink"] == f"https://status.example.com/incidents/{incident['id']}"
    assert [u["body"] for u in incident["incident_updates"]] == ["Looking."]
    assert [c["name"] for c in incident["components"]] == ["API"]
    assert incident["components"][0]["status"] == "major_outage"


@pytest.mark.parametrize("status", [200, 201, 202, 204])
def test_any_2xx_is_sent(channel, webhook_receiver, status):
    webhook_receiver.script(status)
    [outcome] = channel.send(content(), outgoing([webhook_receiver.url_for()]))
    assert outcome.status == SENT and outcome.provider_id == f"http:{status}"


def test_410_gone_unsubscribes(channel, webhook_receiver):
    webhook_receiver.script(410, body="gone")
    [outcome] = channel.send(content(), outgoing([webhook_receiver.url_for()]))
    assert outcome.status == FAILED and outcome.subscriber_action == "unsubscribe"


@pytest.mark.parametrize("status", [500, 502, 503, 429, 408])
def test_server_trouble_is_retried_and_counted(channel, webhook_receiver, status):
    webhook_receiver.script(status)
    [outcome] = channel.send(content(), outgoing([webhook_receiver.url_for()]))
    assert outcome.status == RETRY and outcome.subscriber_action == "count_failure"
    assert outcome.error == f"webhook answered {status}"


def test_429_honours_retry_after(channel, webhook_receiver):
    webhook_receiver.script(429, headers={"Retry-After": "30"})
    [outcome] = channel.send(content(), outgoing([webhook_receiver.url_for()]))
    assert outcome.status == RETRY and outcome.retry_after == 30.0


def test_a_timeout_is_retried_and_counted(channel, webhook_receiver):
    webhook_receiver.script("timeout")
    [outcome] = channel.send(content(), outgoing([webhook_receiver.url_for()]))
    assert outcome.status == RETRY and outcome.subscriber_action == "count_failure"
    assert "unreachable" in outcome.error
    # Herald hung up while the receiver still held the request: its timeout, not the
    # receiver letting go, ended the call.
    [held] = webhook_receiver.requests
    assert held.hung_up.wait(webhook_receiver.hang_seconds)


@pytest.mark.parametrize("status", [400, 404, 302])
def test_other_answers_fail_and_are_counted(channel, webhook_receiver, status):
    headers = {"Location": webhook_receiver.url_for("/elsewhere")} if status == 302 else {}
    webhook_receiver.script(status, headers=headers, body="no")
    [outcome] = channel.send(content(), outgoing([webhook_receiver.url_for("/hook")]))
    assert outcome.status == FAILED and outcome.subscriber_action == "count_failure"
    assert [r.path for r in webhook_receiver.requests] == ["/hook"]  # no redirect followed


def test_each_endpoint_of_a_batch_gets_its_own_outcome(channel, webhook_receiver):
    webhook_receiver.script(410, endpoint="/gone").script(500, endpoint="/broken")
    urls = [webhook_receiver.url_for(p) for p in ("/ok", "/gone", "/broken", "/ok2")]
    outcomes = channel.send(content(), outgoing(urls))
    assert [(o.delivery_id, o.status) for o in outcomes] == [
        (1, SENT),
        (2, FAILED),
        (3, RETRY),
        (4, SENT),
    ]
    assert sorted(r.path for r in webhook_receiver.requests) == ["/broken", "/gone", "/ok", "/ok2"]


def test_a_private_address_is_refused_without_a_request(app, webhook_receiver):
    channel = Webhook(timeout=0.5, allow_private=False, verify=webhook_receiver.ca_path)
    [outcome] = channel.send(content(), outgoing([webhook_receiver.url_for()]))
    channel.close()
    assert outcome.status == FAILED and outcome.subscriber_action == "quarantine"
    assert "127.0.0.1" in outcome.error
    assert webhook_receiver.requests == [] and webhook_receiver.connections == 0


def test_an_untrusted_certificate_is_retried(app, webhook_receiver):
    channel = Webhook(timeout=0.5, allow_private=True)  # the system CAs only
    [outcome] = channel.send(content(), outgoing([webhook_receiver.url_for()]))
    channel.close()
    assert outcome.status == RETRY and "CERTIFICATE_VERIFY_FAILED" in outcome.error
    assert webhook_receiver.requests == []


def test_the_registry_builds_the_webhook_channel_from_settings(app, webhook_receiver):
    app.config.update(WEBHOOK_CA_BUNDLE=webhook_receiver.ca_path, PROVIDER_TIMEOUT=0.5)
    channel = channels_for(app, "webhook")["webhook"]
    try:
        assert channel.verify == webhook_receiver.ca_path and channel.allow_private
        [outcome] = channel.send(content(), outgoing([webhook_receiver.url_for()]))
        assert outcome.status == SENT
        app.config["WEBHOOK_ALLOW_PRIVATE"] = False
        refusing = channels_for(app, "webhook")["webhook"]
        assert refusing.send(content(), outgoing([webhook_receiver.url_for()]))[0].status == FAILED
        refusing.close()
    finally:
        channel.close()


def test_fan_out_signs_with_each_subscriber_s_secret_and_obeys_410(
    channel, webhook_receiver, make_subscriber, make_broadcast
):
    kept = make_subscriber(webhook_receiver.url_for("/kept"), channel="webhook")
    gone = make_subscriber(webhook_receiver.url_for("/gone"), channel="webhook")
    webhook_receiver.script(410, endpoint="/gone")
    expand_broadcast(make_broadcast().id)

    assert drain(channel) == 2

    [request] = webhook_receiver.to("/kept")
    assert verify_signature(kept.secret, request.headers[SIGNATURE_HEADER], request.body)
    assert json.loads(request.body)["meta"]["unsubscribe"] == unsubscribe(link_token(kept.link_id))
    states = dict(db.session.execute(select(Delivery.address, Delivery.state)).all())
    assert states == {kept.address: "sent", gone.address: "failed"}
    db.session.refresh(gone)
    assert gone.state == "unsubscribed"
