"""SMS: the Twilio channel through the real ``twilio`` SDK against the local fake, the
pacing of segments, and the development log."""

from __future__ import annotations

import base64
import re
import threading

import limits.storage.memory
import pytest
from twilio.request_validator import RequestValidator

from subscribers import ratelimit
from subscribers.channels import channels_for
from subscribers.channels.base import FAILED, RETRY, SENT
from subscribers.channels.segments import segment_count
from subscribers.channels.sms import LogSms, TwilioSms
from subscribers.ratelimit import SegmentPace
from tests.fakes import FakeTwilio, free_port
from tests.subscribers.channelkit import PUBLIC_URL, content, manage, outgoing, phones

SENDER = "+15005550001"
SERVICE = "MG" + "0f" * 16
CALLBACK = f"{PUBLIC_URL}/webhooks/twilio/status"


def twilio(fake: FakeTwilio, **options) -> TwilioSms:
    values = {
        "sender": SENDER,
        "api_base": fake.url,
        "timeout": 0.5,
        "status_callback": CALLBACK,
        "concurrency": 4,
    }
    values.update(options)
    return TwilioSms(fake.account_sid, fake.auth_token, **values)


@pytest.fixture
def channel(app, fake_twilio):
    channel = twilio(fake_twilio)
    yield channel
    channel.close()


def by_to(fake: FakeTwilio) -> dict:
    return {r.form["To"]: r for r in fake.requests}


def test_each_message_is_one_request_with_to_from_body_and_callback(channel, fake_twilio):
    batch = outgoing(phones(3))
    outcomes = channel.send(content(), batch)

    requests = by_to(fake_twilio)
    assert sorted(requests) == sorted(item.address for item in batch)
    for item, outcome in zip(batch, outcomes, strict=True):
        request = requests[item.address]
        assert request.path == f"/2010-04-01/Accounts/{fake_twilio.account_sid}/Messages.json"
        credentials = f"{fake_twilio.account_sid}:{fake_twilio.auth_token}".encode()
        assert request.headers["Authorization"] == "Basic " + base64.b64encode(credentials).decode()
        assert request.form["From"] == SENDER
        assert "MessagingServiceSid" not in request.form
        assert request.form["StatusCallback"] == CALLBACK
        assert request.form["Body"] == (
            f"Herald Status: API errors (Investigating). Manage: {manage(item.token)} "
            "Reply STOP to opt out."
        )
        assert request.status == 201
        assert outcome.delivery_id == item.delivery_id and outcome.status == SENT
        assert re.fullmatch(r"SM[0-9a-f]{32}", outcome.provider_id)
        assert outcome.provider_id == request.info["sid"]
        assert outcome.extra == {"segments": segment_count(request.form["Body"])}
        assert fake_twilio.messages[outcome.provider_id]["status"] == "queued"


def test_a_messaging_service_replaces_the_from_number(app, fake_twilio):
    channel = twilio(fake_twilio, sender="", messaging_service_sid=SERVICE)
    [outcome] = channel.send(content(), outgoing(phones(1)))
    channel.close()
    [request] = fake_twilio.requests
    assert request.form["MessagingServiceSid"] == SERVICE and "From" not in request.form
    assert outcome.status == SENT
    assert fake_twilio.messages[outcome.provider_id]["status"] == "accepted"


def test_twilio_needs_a_sender_or_a_messaging_service(app, fake_twilio):
    with pytest.raises(ValueError, match="HERALD_TWILIO_FROM"):
        TwilioSms("AC1", "token", api_base=fake_twilio.url)


def test_429_is_retried_after_retry_after(channel, fake_twilio):
    fake_twilio.script(429, headers={"Retry-After": "7"})
    [outcome] = channel.send(content(), outgoing(phones(1)))
    assert outcome.status == RETRY and outcome.retry_after == 7.0
    assert outcome.error.startswith("Twilio 429/20429")
    assert fake_twilio.requests[0].reply_json["code"] == 20429  # the error shape Twilio sends


def test_stop_21610_fails_and_unsubscribes(channel, fake_twilio):
    fake_twilio.script(code=21610)
    [outcome] = channel.send(content(), outgoing(phones(1)))
    assert outcome.status == FAILED and outcome.subscriber_action == "unsubscribe"
    assert "21610" in outcome.error


def test_an_invalid_number_21211_fails_and_quarantines(channel, fake_twilio):
    fake_twilio.script(400, code=21211)
    [scripted] = channel.send(content(), outgoing(phones(1)))
    # The fake's own check: not E.164.
    [checked] = channel.send(content(), outgoing(["555-0100"], start=2))
    for outcome in (scripted, checked):
        assert outcome.status == FAILED and outcome.subscriber_action == "quarantine"
        assert "21211" in outcome.error


def test_only_the_refused_number_of_a_batch_fails(channel, fake_twilio):
    numbers = phones(6)
    fake_twilio.refuse(numbers[2], code=21610)
    outcomes = channel.send(content(), outgoing(numbers))
    assert [o.delivery_id for o in outcomes] == [1, 2, 3, 4, 5, 6]
    assert [o.status for o in outcomes] == [SENT, SENT, FAILED, SENT, SENT, SENT]
    assert outcomes[2].subscriber_action == "unsubscribe"
    assert len({o.provider_id for o in outcomes if o.status == SENT}) == 5


@pytest.mark.parametrize(("status", "code"), [(500, None), (503, None), (400, 21611)])
def test_provider_trouble_is_retried(channel, fake_twilio, status, code):
    fake_twilio.script(status, code=code)
    [outcome] = channel.send(content(), outgoing(phones(1)))
    assert outcome.status == RETRY and outcome.subscriber_action is None
    assert channel.send(content(), outgoing(phones(1, 2)))[0].status == SENT


def test_bad_credentials_are_a_configuration_problem_retried_for_the_whole_batch(app, fake_twilio):
    channel = twilio(fake_twilio)
    channel.auth_token = "not-the-token"  # the fake checks Basic auth: 401/20003
    outcomes = channel.send(content(), outgoing(phones(3)))
    channel.close()
    assert [o.status for o in outcomes] == [RETRY, RETRY, RETRY]
    assert {o.subscriber_action for o in outcomes} == {None}
    assert all(o.error.startswith("Twilio 401/20003") for o in outcomes)
    assert all("_AUTH_TOKEN" in o.error for o in outcomes)  # says what to check
    assert {r.status for r in fake_twilio.requests} == {401}
    assert not fake_twilio.messages


@pytest.mark.parametrize("code", [21606, 21212])
def test_a_from_number_that_cannot_send_is_retried_not_failed(channel, fake_twilio, code):
    fake_twilio.script(400, code=code)
    [outcome] = channel.send(content(), outgoing(phones(1)))
    assert outcome.status == RETRY and outcome.subscriber_action is None
    assert f"/{code}" in outcome.error
    # Once staff fix the number, the same delivery goes through.
    assert channel.send(content(), outgoing(phones(1)))[0].status == SENT


def test_another_client_error_fails_without_touching_the_subscriber(channel, fake_twilio):
    fake_twilio.script(code=21617)
    [outcome] = channel.send(content(), outgoing(phones(1)))
    assert outcome.status == FAILED and outcome.subscriber_action is None


def test_a_timeout_is_retried(channel, fake_twilio):
    fake_twilio.script("timeout")
    [outcome] = channel.send(content(), outgoing(phones(1)))
    assert outcome.status == RETRY and "unreachable" in outcome.error
    assert channel.send(content(), outgoing(phones(1, 2)))[0].status == SENT


def test_a_refused_connection_is_retried(app):
    channel = TwilioSms(
        "AC" + "a1" * 16, "token", sender=SENDER, api_base=f"http://127.0.0.1:{free_port()}"
    )
    outcomes = channel.send(content(), outgoing(phones(2)))
    channel.close()
    assert {o.status for o in outcomes} == {RETRY}


class RecordingPace(SegmentPace):
    """Notes, for each message, the clock when its segments were let go."""

    def __init__(self, rate: float, clock=None):
        super().__init__(rate)
        self.clock = clock
        self.amounts: list[int] = []
        self.released: list[tuple[float, int]] = []

    def acquire(self, segments: int = 1) -> float:
        self.amounts.append(segments)
        waited = super().acquire(segments)
        if self.clock is not None:
            self.released.append((self.clock.now, segments))
        return waited


def test_the_rate_limiter_is_asked_for_each_message_s_segments(app, fake_twilio):
    limiter = RecordingPace(rate=0)
    channel = twilio(fake_twilio, limiter=limiter, concurrency=1)
    bodies = ["Short one.", "x" * 200, "Emoji 🚨 " * 10]
    for n, body in enumerate(bodies, start=1):
        channel.send(content(sms=body), outgoing(phones(1, n), start=n))
    channel.close()
    assert limiter.amounts == [1, 2, 2]
    assert limiter.amounts == [segment_count(body) for body in bodies]
    # The provider counts the same segments.
    assert [int(m["num_segments"]) for m in fake_twilio.messages.values()] == [1, 2, 2]


class VirtualClock:
    """Stands in for ``time`` in subscribers.ratelimit and in the ``limits`` library's
    memory storage: sleeping moves the clock, nothing really waits."""

    def __init__(self):
        self.now = 1000.0
        self.lock = threading.Lock()

    def time(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    clock = VirtualClock()
    monkeypatch.setattr(ratelimit, "time", clock)
    monkeypatch.setattr(limits.storage.memory, "time", clock)
    return clock


def test_the_pace_spaces_segments_not_messages(app, fake_twilio, clock):
    limiter = RecordingPace(rate=1, clock=clock)  # HERALD_SMS_RATE=1: a segment a second
    channel = twilio(fake_twilio, limiter=limiter, concurrency=1)
    bodies = ["one", "y" * 400, "two", "z" * 200]  # 1, 3, 1 and 2 segments
    for n, body in enumerate(bodies, start=1):
        channel.send(content(sms=body), outgoing(phones(1, n), start=n))
    channel.close()
    assert [r.form["Body"] for r in fake_twilio.requests] == bodies  # all sent, in order
    assert [segments for _, segments in limiter.released] == [1, 3, 1, 2]
    # Between two messages leaving, every segment of the later ones took a second: no
    # one-second window ever held more than one segment.
    times = [at for at, _ in limiter.released]
    for first in range(len(times)):
        for last in range(first + 1, len(times)):
            paid = sum(segments for _, segments in limiter.released[first + 1 : last + 1])
            assert times[last] - times[first] >= paid, (first, last)
    assert times[0] == 1000.0  # the first segment does not wait


def test_a_fractional_rate_lets_one_segment_go_every_two_seconds(clock):
    pace = SegmentPace(0.5)
    released = []
    for _ in range(3):
        pace.acquire(1)
        released.append(clock.now)
    assert released[0] == 1000.0
    assert released[1] - released[0] >= 2 and released[2] - released[1] >= 2


def test_the_registry_builds_the_twilio_channel_from_settings(app, fake_twilio):
    app.config.update(
        SMS_BACKEND="twilio",
        TWILIO_ACCOUNT_SID=fake_twilio.account_sid,
        TWILIO_AUTH_TOKEN=fake_twilio.auth_token,
        TWILIO_FROM=SENDER,
        TWILIO_API_BASE=fake_twilio.url,
        PROVIDER_TIMEOUT=0.5,
        SMS_RATE=0,
    )
    channel = channels_for(app, "sms")["sms"]
    assert isinstance(channel, TwilioSms)
    try:
        outcomes = channel.send(content(), outgoing(phones(3)))
    finally:
        channel.close()
    assert {o.status for o in outcomes} == {SENT}
    assert {r.form["StatusCallback"] for r in fake_twilio.requests} == {CALLBACK}


def test_a_status_callback_from_the_fake_is_signed_like_twilio_s(channel, fake_twilio):
    [outcome] = channel.send(content(), outgoing(phones(1)))
    signed = fake_twilio.status_callback(outcome.provider_id, "undelivered", error_code=30005)
    assert signed.url == CALLBACK
    assert signed.path == "/webhooks/twilio/status" and signed.base_url == PUBLIC_URL
    assert signed.form["MessageSid"] == outcome.provider_id
    assert signed.form["MessageStatus"] == "undelivered" and signed.form["ErrorCode"] == "30005"
    validator = RequestValidator(fake_twilio.auth_token)
    signature = signed.headers["X-Twilio-Signature"]
    assert validator.validate(signed.url, signed.form, signature)
    assert not validator.validate(signed.url, {**signed.form, "MessageStatus": "sent"}, signature)
    assert not RequestValidator("another-token").validate(signed.url, signed.form, signature)


def test_an_inbound_stop_is_signed_like_twilio_s(twilio_signer):
    url = f"{PUBLIC_URL}/webhooks/twilio/inbound"
    signed = twilio_signer.inbound_sms(url, "+14155550100", "STOP")
    assert signed.form["Body"] == "STOP" and signed.form["OptOutType"] == "STOP"
    assert RequestValidator("test-auth-token").validate(
        url, signed.form, signed.headers["X-Twilio-Signature"]
    )


def test_the_log_backend_writes_one_line_per_message(app, tmp_path):
    channel = LogSms(str(tmp_path / "sms.log"))
    batch = outgoing(phones(2))
    sms = "Alert 🚨 " * 8 + "[%manage_url%]"  # UCS-2: 72 + 49 units, two segments
    outcomes = channel.send(content(sms=sms), batch)
    assert [(o.status, o.provider_id) for o in outcomes] == [(SENT, "log:1"), (SENT, "log:2")]
    lines = (tmp_path / "sms.log").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    stamp, address, segments, text = lines[1].split("\t")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", stamp)
    assert address == batch[1].address
    assert segments == "2 segments"
    assert text == repr("Alert 🚨 " * 8 + manage(batch[1].token))


def test_the_registry_defaults_to_the_log_backend(app):
    channel = channels_for(app, "sms")["sms"]
    assert isinstance(channel, LogSms) and channel.path.endswith("sms.log")


def test_the_fake_s_script_is_a_queue_and_messages_can_be_fetched(app, fake_twilio):
    fake_twilio.script(500, times=2).script(code=21610)
    assert fake_twilio.pending() == 3
    channel = twilio(fake_twilio, concurrency=1)
    outcomes = [channel.send(content(), outgoing(phones(1)))[0] for _ in range(4)]
    assert [o.status for o in outcomes] == [RETRY, RETRY, FAILED, SENT]
    assert fake_twilio.pending() == 0
    client, _ = channel._client()
    fetched = client.messages(outcomes[3].provider_id).fetch()
    channel.close()
    assert fetched.sid == outcomes[3].provider_id and fetched.status == "queued"
