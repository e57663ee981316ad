"""The notifier's maintenance notices: each audience's notice of a window's phase, the
customers' only once its public text is approved (approval is their news, whenever the
text was written), and the customers' reminder an hour before it starts.

Registered on ``notify`` when ``app.notifier.notifier`` is imported (it imports this
module last), so callers keep importing ``notify`` from there.
"""

from __future__ import annotations

from sqlalchemy import select

from app.comms.audience_keys import PAGE_PREFIX, is_external
from app.comms.phases import MAINTENANCE_PHASE_BY_STATUS
from app.models import Maintenance, PrivatePage
from app.models.maintenance import REMINDER_BEFORE
from app.models.pages import page_components
from app.notifier import messages
from app.notifier.events import MaintenanceApproved, MaintenanceDue, MaintenanceUpdated
from app.notifier.notifier import is_news, notify
from core.db import db
from subscribers.models import Broadcast
from subscribers.outbox import create_broadcast

MAINTENANCE_AUDIENCES = ("customers", "support", "engineering")


def _maintenance_notices(
    maintenance: Maintenance, update, audiences, *, reminder: bool = False
) -> list[Broadcast]:
    phase = "maintenance_scheduled" if reminder else MAINTENANCE_PHASE_BY_STATUS[update.status]
    sent = []
    for key in audiences:
        # The internal audiences read a text still waiting for approval; outside readers
        # (customers, private pages) never.
        note = (update.body if is_external(key) else update.body or update.pending_body) or ""
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


def _outside(maintenance: Maintenance) -> list[str]:
    """The customers, and the audience of each private page that shows one of the
    window's components: they hear of it at the same moments."""
    ids = [link.component_id for link in maintenance.affected]
    slugs = db.session.scalars(
        select(PrivatePage.slug)
        .join(page_components, page_components.c.page_id == PrivatePage.id)
        .where(page_components.c.component_id.in_(ids))
        .distinct()
        .order_by(PrivatePage.slug)
    )
    return ["customers", *(f"{PAGE_PREFIX}{slug}" for slug in slugs)]


@notify.register
def _maintenance_updated(event: MaintenanceUpdated) -> list[Broadcast]:
    update = event.update
    maintenance = update.maintenance
    if not update.deliver_notifications or not is_news(update.display_at):
        return []
    audiences = [key for key in MAINTENANCE_AUDIENCES if key != "customers"]
    if _customers_may_read(maintenance, update):
        audiences = _outside(maintenance) + audiences
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
        return _maintenance_notices(maintenance, current, _outside(maintenance))
    return _maintenance_notices(maintenance, update, _outside(maintenance))


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
    return _maintenance_notices(maintenance, scheduled, _outside(maintenance), reminder=True)
