"""Admin: what waits for whom (the "waiting for you" count in the navigation and the
list on the dashboard), how many people a set will reach, and publishing a set after
one confirmation that repeats those figures.

The confirmation works without script: the publish button posts without a confirmation,
which answers with the figures and a second button carrying them; only a post carrying
the figures as they still are publishes."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from app.admin import attempt, bp
from app.admin.composer import _sheet_or_404, _sheet_page
from app.auth.permissions import requires
from app.comms import approval, drafting, publishing
from app.comms.audience_keys import audience_label
from app.comms.waiting import Task, waiting_for
from app.models import FactSheet
from app.notifier.reach import Reach, reach_of
from core.db import db


@bp.app_template_global("waiting_for_you")
def waiting_for_you() -> list[Task]:
    """The signed-in person's moves now (computed once per request, never written)."""
    if not getattr(current_user, "is_authenticated", False):
        return []
    if "waiting_for_you" not in g:
        g.waiting_for_you = waiting_for(current_user)
    return g.waiting_for_you


@bp.app_template_global("audience_label")
def audience_label_global(key: str, in_sentence: bool = False) -> str:
    return audience_label(key, in_sentence=in_sentence)


@bp.app_template_global("comms_reach")
def comms_reach(sheet: FactSheet) -> list[Reach]:
    return reach_of(sheet)


def figures(reach: list[Reach]) -> str:
    """The confirmed figures, as the confirmation form carries them back."""
    return ";".join(
        f"{r.draft.audience_key}="
        + (",".join(f"{c}:{n}" for c, n in sorted(r.channels.items())) if r.notified else "off")
        for r in reach
    )


def _ready(sheet: FactSheet) -> bool:
    return all(w.who == "publisher" for w in approval.who_must_act(sheet))


@bp.get("/fact-sheets/<public_id>/publish")
@requires("publish_updates")
def publish_page(public_id: str):
    """A bookmarked or reloaded confirmation (publishing is a POST): back to the set,
    where Publish asks again with today's figures."""
    sheet = _sheet_or_404(public_id)
    return redirect(url_for("admin.fact_sheet", public_id=sheet.public_id))


@bp.post("/fact-sheets/<public_id>/publish")
@requires("publish_updates")
def publish(public_id: str):
    """Publish after one confirmation. Safe to repeat: the service publishes a set once;
    a second POST (a double click, a retried request) finds it published and only shows
    what went out."""
    sheet = _sheet_or_404(public_id)
    if sheet.published_at is None:
        reach = reach_of(sheet)
        confirmed = request.form.get("confirmed")
        if confirmed != figures(reach):
            # Checks first (a promised time may have passed): a set that is not ready is
            # refused with its reasons below, without asking for a confirmation.
            drafting.refresh_all(sheet)
            if _ready(sheet):
                if confirmed:
                    flash(
                        "The number of people changed since you confirmed: check the "
                        "figures again.",
                        "error",
                    )
                page = render_template(
                    "admin/publish_confirm.html",
                    sheet=sheet,
                    incident=sheet.incident,
                    reach=reach,
                    figures=figures(reach),
                    total=sum(r.total for r in reach),
                    people=sum(r.people for r in reach),
                )
                db.session.rollback()  # asking writes nothing
                return page
            db.session.rollback()
    result, status = attempt(lambda: publishing.publish_set(current_user, sheet))
    if result is None:
        return _sheet_page(sheet, status)
    if result.repeated:
        flash("This update was already published; nothing was sent again.", "info")
    else:
        names = {
            d.audience_key: audience_label(d.audience_key, in_sentence=True) for d, _ in result.sent
        }
        sent = [names[d.audience_key] for d, _ in result.sent if result.notified(d)]
        flash(
            f"Published the {sheet.status} update for "
            f"{', '.join(names[d.audience_key] for d, _ in result.sent)}"
            + (f"; notifying {', '.join(sent)}." if sent else "; no one was notified.")
            + (
                " Every team that owns services gets Herald's resolved notice."
                if sent and sheet.status == "resolved" and not result.to_teams
                else ""
            ),
            "success",
        )
    return redirect(url_for("admin.fact_sheet", public_id=sheet.public_id))
