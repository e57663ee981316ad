"""Admin: the broadcasts sent and sending, and each one's delivery progress (a page and
its JSON for polling). Apart from the subscriber screens: these read the outbox, not the
people in it."""

from __future__ import annotations

from flask import jsonify, render_template, request

from app.admin import bp
from app.admin.subscribers import component_names
from app.auth.permissions import requires
from app.input_bounds import page_number
from core.db import db
from subscribers import groups, staff
from subscribers.models import CHANNELS, DELIVERY_STATES, Broadcast
from subscribers.outbox import progress, reaches


@bp.get("/broadcasts")
@requires("view_admin")
def broadcasts():
    page = staff.recent_broadcasts(page_number())
    progresses = staff.progress_of_many(page.items)
    return render_template(
        "admin/broadcasts.html",
        page=page,
        progresses=progresses,
        segments={bid: staff.segments(p) for bid, p in progresses.items()},
        state_labels=staff.BROADCAST_STATE_LABELS,
    )


@bp.get("/broadcasts/<int:broadcast_id>")
@requires("view_admin")
def broadcast(broadcast_id: int):
    broadcast = db.get_or_404(Broadcast, broadcast_id)
    current = progress(broadcast)
    state = request.args.get("state", "")
    if state not in (*DELIVERY_STATES, staff.RETRYING):
        state = ""
    # Before it is expanded, show whom it is going to.
    preview = (
        groups.preview_of(reaches(broadcast))
        if broadcast.state in ("pending", "expanding")
        else None
    )
    return render_template(
        "admin/broadcast.html",
        broadcast=broadcast,
        progress=current,
        segments=staff.segments(current),
        state_label=staff.BROADCAST_STATE_LABELS.get(broadcast.state, broadcast.state),
        deliveries=staff.deliveries_of(broadcast, state, page_number()),
        state=state,
        states=(*DELIVERY_STATES, staff.RETRYING),
        component_names=component_names(broadcast.component_ids),
        preview=preview,
        channels=CHANNELS,
    )


@bp.get("/broadcasts/<int:broadcast_id>/progress.json")
@requires("view_admin")
def broadcast_progress(broadcast_id: int):
    broadcast = db.get_or_404(Broadcast, broadcast_id)
    response = jsonify(staff.progress_json(progress(broadcast)))
    response.headers["Cache-Control"] = "no-store"
    return response
