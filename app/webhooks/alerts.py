"""Monitoring alerts in: ``POST /webhooks/alertmanager`` (Alertmanager, Grafana; a bearer
token) and ``POST /webhooks/monitor`` (any tool; signed like Herald's own webhooks).

The credential is checked before the body is read: a missing, wrong or revoked one
answers 401 and changes nothing. A bad body answers 400 with the reason and the field at
fault (Alertmanager does not retry a 4xx, so the reason is what its log shows). A
request does database work only, never network, and stores its alerts without touching
a component: their effects follow the answer (app/signals/alert_applier.py), so a burst
of alerts is answered fast.
Answers are JSON: ``{"accepted": n}``, with ``"unmatched"`` listing the alerts that
matched no component and why (they are still taken: a 4xx would lose them in the
sender's log, a 5xx make Alertmanager retry for ever).
"""

from __future__ import annotations

import logging
import time

from flask import jsonify, request

from app.extensions import csrf, limiter
from app.input_bounds import MAX_JSON_BYTES, BadJson, read_json
from app.signals import integration_credentials
from app.signals.alert_applier import after_delivery
from app.signals.alert_payloads import COMPONENT_LABEL
from app.signals.alerts import ingest_alertmanager, ingest_monitor
from app.webhooks import bp
from core.db import db
from core.errors import ServiceError
from subscribers.channels.webhook import (
    SIGNATURE_HEADER,
    signature_age,
    signature_parts,
    signature_valid,
)

log = logging.getLogger(__name__)

# Per sending address: far above a busy Alertmanager (20 deliveries a second), low
# enough that a client guessing tokens is slowed down.
RATE = "3000 per minute"
SIGNATURE_TOLERANCE = 300  # seconds either side: older signatures are replays


def _answer(status: int, **body):
    response = jsonify(body)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="herald-alerts"'
    return response


def _refused(kind: str, why: str):
    log.warning("%s webhook refused: %s", kind, why)
    db.session.rollback()
    return _answer(401, error=f"Unauthorized: {why}. Nothing was changed.")


def _too_large():
    if (request.content_length or 0) > MAX_JSON_BYTES:
        return True
    return len(request.get_data(cache=True)) > MAX_JSON_BYTES


def _body():
    """The parsed JSON body, or an error answer."""
    if _too_large():
        return None, _too_large_answer()
    try:
        return read_json(request.get_data(cache=True)), None
    except BadJson as error:
        return None, _bad_request(str(error), error.field)


def _bad_request(message: str, field: str | None):
    return _answer(400, error=f"{message} Nothing was changed.", field=field)


def _too_large_answer():
    return _answer(
        413, error=f"The body is larger than {MAX_JSON_BYTES:,} bytes. Nothing was changed."
    )


def _ingest(action):
    try:
        ingested = action()
    except ServiceError as error:
        db.session.rollback()
        return _bad_request(error.message, error.field)
    db.session.commit()
    if ingested.moved:
        after_delivery()
    if not ingested.unmatched:
        return _answer(200, accepted=ingested.accepted)
    unmatched = [
        {"fingerprint": fingerprint, COMPONENT_LABEL: why.value or None, "hint": why.hint}
        for fingerprint, why in ingested.unmatched
    ]
    return _answer(200, accepted=ingested.accepted, unmatched=unmatched)


@bp.post("/alertmanager")
@csrf.exempt
@limiter.limit(RATE)
def alertmanager():
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        return _refused("alertmanager", "send the integration token as Authorization: Bearer")
    integration = integration_credentials.verify_token(credentials)
    if integration is None:
        return _refused("alertmanager", "the token is unknown or revoked")
    payload, error = _body()
    if error is not None:
        db.session.rollback()
        return error
    return _ingest(lambda: ingest_alertmanager(integration, payload, settle_now=False))


def _why_unsigned(header: str) -> str:
    """Why a monitor signature matched no integration, as far as can be told without a
    secret: the header's form, its time, or (else) the HMAC itself."""
    stamp, given = signature_parts(header)
    if stamp is None or not given:
        return f"{SIGNATURE_HEADER} must be t=<unix time>,v1=<HMAC-SHA256 hex>"
    age = signature_age(stamp)
    if age > SIGNATURE_TOLERANCE:
        when = "ago" if stamp < time.time() else "ahead of now"
        return (
            f"the signature's time t={stamp} is {age:,.0f} s {when}; more than "
            f"{SIGNATURE_TOLERANCE} s either way is refused as a replay: sign with the "
            "current time"
        )
    return (
        "the signature does not match any monitor integration's secret "
        '(HMAC-SHA256 of "<t>." + the body, as sent)'
    )


@bp.post("/monitor")
@csrf.exempt
@limiter.limit(RATE)
def monitor():
    header = request.headers.get(SIGNATURE_HEADER, "")
    if not header:
        return _refused("monitor", f"send {SIGNATURE_HEADER}: t=<unix time>,v1=<HMAC-SHA256>")
    if _too_large():
        return _too_large_answer()
    raw = request.get_data(cache=True)
    integration = next(
        (
            candidate
            for candidate in integration_credentials.active_monitors()
            if (secret := integration_credentials.decrypt_secret(candidate))
            and signature_valid(secret, header, raw, tolerance=SIGNATURE_TOLERANCE)
        ),
        None,
    )
    if integration is None:
        return _refused("monitor", _why_unsigned(header))
    body, error = _body()
    if error is not None:
        db.session.rollback()
        return error
    return _ingest(lambda: ingest_monitor(integration, body, settle_now=False))
