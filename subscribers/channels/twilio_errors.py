"""Twilio's error codes and what each means for Herald: the one table that both the send
path (an error answer to the Messages API) and the status callback (``ErrorCode`` of an
``undelivered`` or ``failed`` message) read, so they never disagree.

Codes and meanings from Twilio's error reference (https://www.twilio.com/docs/api/errors).
"""

from __future__ import annotations

from dataclasses import dataclass

# What a code says, and what Herald does about it.
UNSUBSCRIBED = "unsubscribed"  # the recipient replied STOP: unsubscribe them, never retry
ADDRESS = "address"  # permanent for this address: quarantine it, never retry
RETRY_LATER = "retry"  # a passing condition (queues, throttling): try the same send again later
ACCOUNT = "account"  # our account or sender number: staff can fix it, so deliveries wait
MESSAGE = "message"  # this message failed; nothing is known about the address


@dataclass(frozen=True, slots=True)
class TwilioError:
    code: int
    meaning: str
    kind: str

    @property
    def subscriber_action(self) -> str | None:
        """What the error says to do with the subscriber: "unsubscribe", "quarantine"."""
        return {UNSUBSCRIBED: "unsubscribe", ADDRESS: "quarantine"}.get(self.kind)


CODES = {
    error.code: error
    for error in (
        TwilioError(21610, "the recipient replied STOP", UNSUBSCRIBED),
        TwilioError(21211, "invalid 'To' phone number", ADDRESS),
        TwilioError(21612, "the 'To' number cannot receive text messages", ADDRESS),
        TwilioError(21614, "'To' number is not a valid mobile number", ADDRESS),
        TwilioError(30003, "unreachable destination handset", ADDRESS),
        TwilioError(30005, "unknown destination handset", ADDRESS),
        TwilioError(30006, "landline or unreachable carrier", ADDRESS),
        TwilioError(20429, "too many requests", RETRY_LATER),
        TwilioError(21611, "the sender's queue of messages is full", RETRY_LATER),
        TwilioError(30001, "queue overflow", RETRY_LATER),
        TwilioError(20003, "authentication failed", ACCOUNT),
        TwilioError(21212, "invalid 'From' number", ACCOUNT),
        TwilioError(21606, "the 'From' number cannot send text messages", ACCOUNT),
        TwilioError(21659, "the 'From' number is not a Twilio number", ACCOUNT),
        TwilioError(30004, "message blocked", MESSAGE),
        TwilioError(30007, "message filtered by the carrier", MESSAGE),
        TwilioError(30008, "unknown error", MESSAGE),
    )
}


def twilio_error(code: int | None) -> TwilioError | None:
    """The table's entry for ``code``; None for a code it does not know."""
    return CODES.get(code) if code is not None else None
