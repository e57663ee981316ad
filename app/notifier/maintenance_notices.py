"""The notifier's maintenance notices: each audience's notice of a window's phase, the
customers' only once its public text is approved (approval is their news, whenever the
text was written), and the customers' reminder an hour before it starts.

Registered on ``notify`` when ``app.notifier.notifier`` is imported (it imports this
module last), so callers keep importing ``notify`` from there.
"""

from __future__ import annotations

from app.comms.phases import MAINTENANCE_PHASE_BY_STATUS
from app.models import Maintenance
from app.models.maintenance import REMINDER_BEFORE
from app.notifier import messages
from app.notifier.events import MaintenanceApproved, MaintenanceDue, MaintenanceUpdated
from app.notifier.notifier import is_news, notify
from subscribers.models import Broadcast
from subscribers.outbox import create_broadcast

MAINTENANCE_AUDIENCES = ("customers", "support", "engineering")


def _maintenance_notices(
    maintenance: Maintenance, update, audiences, *, reminder: bool = False
) -> list[Broadcast]:
    phase = "maintenance_scheduled" if reminder else MAINTENANCE_PHASE_BY_STATUS[update.status]
    sent = []
    for key in audiences:
        # The internal audiences read a text still waiting for approval; customers never.
        note = (update.body if key == "customers" else update.body or update.pending_body) or ""
        source = (
            f"maintenance_reminder:{maintenance.id}:{key}"
            if reminder
            else f"maintenance_update:{update.id}:{key}"
        )
        sent.append(
            create_broadcast(
                key,
                messages.maintenance_message(maintenance, key, phase, note.strip(), reminder),
                source=source,
                component_ids=messages.component_ids(maintenance),
                kind="maintenance",
            )
        )
    return sent


def _customers_may_read(maintenance: Maintenance, update) -> bool:
    return maintenance.is_public and not update.pending_body


@notify.register
def _maintenance_updated(event: MaintenanceUpdated) -> list[Broadcast]:
    update = event.update
    maintenance = update.maintenance
    if not update.deliver_notifications or not is_news(update.display_at):
        return []
    audiences = [
        key
        for key in MAINTENANCE_AUDIENCES
        if key != "customers" or _customers_may_read(maintenance, update)
    ]
    return _maintenance_notices(maintenance, update, audiences)


@notify.register
def _maintenance_approved(event: MaintenanceApproved) -> list[Broadcast]:
    update = event.update
    maintenance = update.maintenance
    # Approval is the moment the customers may read it: news now, whenever written.
    if not update.deliver_notifications or not _customers_may_read(maintenance, update):
        return []
    if maintenance.status == "completed" and update.status != "completed":
        return []  # the work is over: an approved earlier phase is history, not news
    # The window may have moved on while its text waited (it started by the clock):
    # customers, who were told nothing yet, are told where it is now.
    current = max(maintenance.updates, key=lambda u: (u.display_at, u.id))
    if current.status != update.status and _customers_may_read(maintenance, current):
        return _maintenance_notices(maintenance, current, ["customers"])
    return _maintenance_notices(maintenance, update, ["customers"])


@notify.register
def _maintenance_due(event: MaintenanceDue) -> list[Broadcast]:
    maintenance = event.maintenance
    scheduled = next((u for u in maintenance.updates if u.status == "scheduled"), None)
    if scheduled is None or not scheduled.deliver_notifications:
        return []
    if not _customers_may_read(maintenance, scheduled):
        return []
    told_at = scheduled.approved_at or scheduled.created_at
    if maintenance.scheduled_for - told_at <= REMINDER_BEFORE:
        return []  # announced within the hour before it starts: a reminder would repeat it
    return _maintenance_notices(maintenance, scheduled, ["customers"], reminder=True)
