"""Shared pieces of the vendor-source tests."""

from __future__ import annotations

from app.notifier.events import IncidentSuggested
from app.notifier.notifier import notify


def ensure_suggestions_can_be_notified() -> None:
    """Until the notifier has its own handler for IncidentSuggested (written with the
    suggestions' surfaces), tell nobody, so that these tests prove the vendor side on
    its own. Once the real handler exists this does nothing."""
    if notify.dispatch(IncidentSuggested) is notify.dispatch(object):
        notify.register(IncidentSuggested)(lambda event: [])
