"""Admin: listening feeds (where customers talk), with their state and last error.

The form only parses values; the rules (an http(s) address, an interval of at least 30 s,
a unique name) are in app.signals.listening, which refuses a bad value with a message and
writes nothing."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, StringField, TextAreaField
from wtforms.validators import InputRequired, NumberRange

from app.admin import attempt, bp, form_errors
from app.admin.forms import ActionForm
from app.auth.permissions import requires
from app.models import ListeningFeed
from app.models.signals import DEFAULT_POLL_SECONDS, MIN_POLL_SECONDS
from app.signals import listening
from core.db import db


class ListeningFeedForm(FlaskForm):
    name = StringField("Name", validators=[InputRequired()])
    url = StringField("Feed address (RSS or Atom)", validators=[InputRequired()])
    keywords = TextAreaField("Keywords, one per line")
    poll_seconds = IntegerField(
        "Poll every (seconds)",
        default=DEFAULT_POLL_SECONDS,
        validators=[
            InputRequired(),
            NumberRange(MIN_POLL_SECONDS, listening.MAX_POLL_SECONDS),
        ],
    )
    alert_threshold = IntegerField(
        "Alert above this many mentions in 15 minutes",
        default=10,
        validators=[InputRequired(), NumberRange(1, listening.MAX_THRESHOLD)],
    )
    enabled = BooleanField("Enabled", default=True)


def _values(form: ListeningFeedForm) -> dict:
    return {name: getattr(form, name).data for name in listening.UPDATABLE}


def _list_page(form: ListeningFeedForm, status: int = 200):
    return render_template(
        "admin/listening.html",
        feeds=listening.all_feeds(),
        form=form,
        action_form=ActionForm(),
    ), status


@bp.route("/listening", methods=["GET", "POST"])
@requires("manage_components")
def listening_feeds():
    """The feeds, and a form adding one."""
    if request.method == "GET":
        return _list_page(ListeningFeedForm())
    form = ListeningFeedForm()
    if not form.validate_on_submit():
        form_errors(form)
        return _list_page(form, 400)
    feed, status = attempt(lambda: listening.create_feed(current_user, **_values(form)))
    if feed is None:
        return _list_page(form, status)
    flash(f"Added the listening feed “{feed.name}”.", "success")
    return redirect(url_for("admin.listening_feeds"))


@bp.route("/listening/<int:feed_id>", methods=["GET", "POST"])
@requires("manage_components")
def edit_listening_feed(feed_id: int):
    feed = db.get_or_404(ListeningFeed, feed_id)
    form = ListeningFeedForm() if request.method == "POST" else ListeningFeedForm(obj=feed)
    status = 200
    if form.validate_on_submit():
        result, status = attempt(lambda: listening.update_feed(current_user, feed, **_values(form)))
        if result is not None:
            flash(f"Saved the listening feed “{feed.name}”.", "success")
            return redirect(url_for("admin.listening_feeds"))
    elif form.is_submitted():
        form_errors(form)
        status = 400
    return render_template("admin/listening_form.html", feed=feed, form=form), status


@bp.post("/listening/<int:feed_id>/delete")
@requires("manage_components")
def delete_listening_feed(feed_id: int):
    feed = db.get_or_404(ListeningFeed, feed_id)
    form = ActionForm()
    if not form.validate_on_submit():
        form_errors(form)
        return _list_page(ListeningFeedForm(formdata=None), 400)
    name = feed.name
    result, status = attempt(lambda: listening.delete_feed(current_user, feed) or True)
    if result is None:
        return _list_page(ListeningFeedForm(formdata=None), status)
    flash(f"Deleted the listening feed “{name}”.", "success")
    return redirect(url_for("admin.listening_feeds"))
