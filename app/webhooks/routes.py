"""Provider callback routes (verified by signature; CSRF does not apply).

Each view checks the provider's signature before reading anything, answers 403 to a
forged or unsigned callback (changing nothing), hands the data to
``subscribers.events`` and commits once.
"""

from __future__ import annotations

import binascii
import logging

from cryptography.exceptions import UnsupportedAlgorithm
from flask import Response, current_app, request
from sendgrid.helpers.eventwebhook import EventWebhook
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from app.extensions import csrf
from app.input_bounds import BadJson, read_json
from app.webhooks import bp
from core.db import db
from subscribers.events import handle_inbound_sms, handle_sendgrid_events, handle_twilio_status

log = logging.getLogger(__name__)

SENDGRID_SIGNATURE = "X-Twilio-Email-Event-Webhook-Signature"
SENDGRID_TIMESTAMP = "X-Twilio-Email-Event-Webhook-Timestamp"
TWILIO_SIGNATURE = "X-Twilio-Signature"


def _plain(text: str, status: int) -> Response:
    return Response(text + "\n", status=status, mimetype="text/plain")


def _forbidden(provider: str, why: str) -> Response:
    log.warning("%s callback refused: %s", provider, why)
    return _plain("Forbidden: the signature is missing or does not match.", 403)


def _sendgrid_verified(body: str) -> str | None:
    """None when the request is signed with the configured key, else why not."""
    key = current_app.config.get("SENDGRID_WEBHOOK_PUBLIC_KEY", "")
    signature = request.headers.get(SENDGRID_SIGNATURE, "")
    timestamp = request.headers.get(SENDGRID_TIMESTAMP, "")
    if not key:
        return "no SENDGRID_WEBHOOK_PUBLIC_KEY is configured"
    if not signature or not timestamp:
        return "unsigned"
    verifier = EventWebhook()
    try:
        public_key = verifier.convert_public_key_to_ecdsa(key)
    except (ValueError, UnsupportedAlgorithm):
        log.error("HERALD_SENDGRID_WEBHOOK_PUBLIC_KEY is not a base64 DER public key")
        return "the configured public key cannot be read"
    try:
        valid = verifier.verify_signature(body, signature, timestamp, public_key)
    except (binascii.Error, ValueError, TypeError):
        return "malformed signature"
    return None if valid else "bad signature"


@bp.post("/sendgrid/events")
@csrf.exempt
def sendgrid_events():
    body = request.get_data(as_text=True)
    problem = _sendgrid_verified(body)
    if problem:
        return _forbidden("sendgrid", problem)
    try:
        events = read_json(body)
    except BadJson as error:
        return _plain(f"{error} Nothing was changed.", 400)
    if not isinstance(events, list):
        return _plain("Expected a JSON array of events. Nothing was changed.", 400)
    counts = handle_sendgrid_events(events)
    db.session.commit()
    return _plain(f"ok {sum(counts.values())}", 200)


def _twilio_verified() -> str | None:
    token = current_app.config.get("TWILIO_AUTH_TOKEN", "")
    signature = request.headers.get(TWILIO_SIGNATURE, "")
    if not token:
        return "no TWILIO_AUTH_TOKEN is configured"
    if not signature:
        return "unsigned"
    # The URL Twilio called: the public URL, not the one behind a proxy.
    url = current_app.config["PUBLIC_URL"] + request.path
    query = request.query_string.decode("latin-1")
    if query:
        url += "?" + query
    if not RequestValidator(token).validate(url, request.form, signature):
        return "bad signature"
    return None


def twiml(message: str | None) -> Response:
    """A TwiML answer: a reply text, or an empty <Response/> (no reply from us)."""
    answer = MessagingResponse()
    if message:
        answer.message(message)
    return Response(answer.to_xml(), status=200, mimetype="text/xml")


@bp.post("/twilio/status")
@csrf.exempt
def twilio_status():
    problem = _twilio_verified()
    if problem:
        return _forbidden("twilio status", problem)
    form = request.form
    outcome = handle_twilio_status(
        form.get("MessageSid", ""), form.get("MessageStatus", ""), form.get("ErrorCode")
    )
    db.session.commit()
    return _plain(outcome, 200)


@bp.post("/twilio/inbound")
@csrf.exempt
def twilio_inbound():
    problem = _twilio_verified()
    if problem:
        return _forbidden("twilio inbound", problem)
    result = handle_inbound_sms(request.form.get("From", ""), request.form.get("Body", ""))
    db.session.commit()
    return twiml(result.reply)
