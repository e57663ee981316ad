"""Admin: vendor sources (a vendor's status page or feed whose components stand for
Herald components), their poll state and last error, the vendor's current view.

The mapping is typed as lines "Vendor component = Herald component"; the form only
splits the lines, and app.signals.vendors checks every name (refusing with a message
and writing nothing)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange

from app.admin import attempt, bp, form_errors
from app.admin.forms import ActionForm, options
from app.auth.permissions import requires
from app.demo import vendor as demo_vendor
from app.models import Component, VendorSource
from app.models.signals import DEFAULT_POLL_SECONDS, MIN_POLL_SECONDS
from app.signals import vendors
from app.signals.vendor_input import MAX_POLL_SECONDS
from app.status.entries import format_time
from app.timeutil import page_zone
from core.db import db
from core.errors import ServiceError
from core.time import utcnow
from core.vocab import STATUS_LABELS

MAX_MAPPING_TEXT = 20_000


class VendorSourceForm(FlaskForm):
    name = StringField("Vendor name", validators=[InputRequired(), Length(max=120)])
    kind = SelectField(
        "Kind",
        choices=options(
            [
                ("statuspage", "Statuspage page (…/api/v2/summary.json)"),
                ("feed", "RSS or Atom status feed"),
            ]
        ),
        default="statuspage",
    )
    url = StringField("Address", validators=[InputRequired(), Length(max=2048)])
    mapping = TextAreaField(
        "Components", validators=[Length(max=MAX_MAPPING_TEXT)], render_kw={"rows": 5}
    )
    poll_seconds = IntegerField(
        "Poll every (seconds)",
        default=DEFAULT_POLL_SECONDS,
        validators=[InputRequired(), NumberRange(MIN_POLL_SECONDS, MAX_POLL_SECONDS)],
    )
    enabled = BooleanField("Enabled", default=True)


def parse_mapping(text: str) -> dict[str, str]:
    """Lines "Vendor component = Herald component" (the last "=" splits; blank lines and
    lines starting with # are skipped)."""
    mapping: dict[str, str] = {}
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        vendor_name, sep, herald = line.rpartition("=")
        if not sep or not vendor_name.strip() or not herald.strip():
            raise ServiceError(
                f"Components, line {number}: write “Vendor component = Herald component”.",
                "components",
            )
        mapping[vendor_name.strip()] = herald.strip()
    return mapping


def mapping_text(source: VendorSource) -> str:
    names = {
        c.id: c.name
        for c in db.session.scalars(
            select(Component).where(Component.id.in_(list(source.component_map.values())))
        )
    }
    return "\n".join(
        f"{vendor_name} = {names[cid]}"
        for vendor_name, cid in source.component_map.items()
        if cid in names
    )


def _component_names() -> list[str]:
    return list(db.session.scalars(select(Component.name).order_by(Component.position)))


def _values(form: VendorSourceForm) -> dict:
    return {
        "name": form.name.data,
        "kind": form.kind.data,
        "url": form.url.data,
        "components": parse_mapping(form.mapping.data),
        "poll_seconds": form.poll_seconds.data,
    }


def _form_page(form, source=None, status: int = 200):
    return render_template(
        "admin/vendor_source_form.html",
        form=form,
        source=source,
        component_names=_component_names(),
    ), status


@bp.get("/vendor-sources")
@requires("view_admin")
def vendor_sources():
    rows = [(source, vendors.describe(source)) for source in vendors.sources()]
    return render_template("admin/vendor_sources.html", rows=rows)


@bp.route("/vendor-sources/new", methods=["GET", "POST"])
@requires("manage_components")
def new_vendor_source():
    form = VendorSourceForm()
    if request.method == "GET":
        return _form_page(form)
    if not form.validate_on_submit():
        form_errors(form)
        return _form_page(form, status=400)
    source, status = attempt(lambda: vendors.create_source(current_user, **_values(form)))
    if source is None:
        return _form_page(form, status=status)
    flash(f"Added the vendor source “{source.name}”; the worker reads it shortly.", "success")
    return redirect(url_for("admin.vendor_source", source_id=source.id))


@bp.app_template_filter("vendor_time")
def vendor_time(text: str) -> str:
    """A time the vendor wrote ("2026-12-07T09:29:00.000Z") shown like Herald's own
    times; text that is not such a time is shown as the vendor wrote it."""
    try:
        moment = datetime.fromisoformat(str(text).strip().replace("Z", "+00:00"))
    except ValueError:
        return text
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return format_time(moment.astimezone(UTC), page_zone())


@bp.get("/vendor-sources/<int:source_id>")
@requires("view_admin")
def vendor_source(source_id: int):
    source = db.get_or_404(VendorSource, source_id)
    return render_template(
        "admin/vendor_source.html",
        source=source,
        shown=vendors.describe(source),
        unknown=unknown_vendor_components(source),
        demo_state=demo_vendor.demo_state() if source.is_demo else None,
        demo_states=demo_vendor.DEMO_STATES,
    )


@bp.post("/vendor-sources/<int:source_id>/demo-status")
@requires("manage_components")
def demo_vendor_status(source_id: int):
    """The demo's own vendor: change what it reports, and read it again at once."""
    source = db.get_or_404(VendorSource, source_id)
    if not source.is_demo:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    state = request.form.get("status", "")
    _, status = attempt(lambda: demo_vendor.set_demo_state(state))
    if status != 200:
        return vendor_source(source_id), status
    source.next_poll_at = utcnow()
    db.session.commit()
    flash(
        f"{source.name} now reports Card Network as {STATUS_LABELS[state].lower()}: the worker "
        "reads it within seconds (reload this page to see it).",
        "success",
    )
    return redirect(url_for("admin.vendor_source", source_id=source.id))


@bp.route("/vendor-sources/<int:source_id>/edit", methods=["GET", "POST"])
@requires("manage_components")
def edit_vendor_source(source_id: int):
    source = db.get_or_404(VendorSource, source_id)
    if request.method == "GET":
        form = VendorSourceForm(obj=source)
        form.mapping.data = mapping_text(source)
        return _form_page(form, source)
    form = VendorSourceForm()
    if not form.validate_on_submit():
        form_errors(form)
        return _form_page(form, source, 400)
    result, status = attempt(
        lambda: vendors.update_source(
            current_user, source, **_values(form), enabled=form.enabled.data
        )
    )
    if result is None:
        return _form_page(form, source, status)
    flash(f"Saved the vendor source “{source.name}”.", "success")
    warn_about_unknown_vendor_components(source)
    return redirect(url_for("admin.vendor_source", source_id=source.id))


def unknown_vendor_components(source: VendorSource) -> str:
    """A mapped vendor component the vendor's last read did not list will never match:
    most often a typo (found by a new user: "Objet Storage" saved without a word). Said
    after saving and on the source's page; the mapping is kept, as the vendor may add it."""
    known = [c.get("name", "") for c in (source.snapshot or {}).get("components") or []]
    if not known:
        return ""
    unknown = [name for name in source.component_map or {} if name != "*" and name not in known]
    if not unknown:
        return ""
    one = len(unknown) == 1
    return (
        f"{', '.join(f'“{n}”' for n in unknown)} {'is' if one else 'are'} not among the "
        f"components {source.name} listed when last read ({', '.join(known)}): "
        f"{'it' if one else 'they'} will follow nothing until the vendor lists a component "
        "of that name. Check the spelling."
    )


def warn_about_unknown_vendor_components(source: VendorSource) -> None:
    warning = unknown_vendor_components(source)
    if warning:
        flash(warning, "warning")


@bp.route("/vendor-sources/<int:source_id>/delete", methods=["GET", "POST"])
@requires("manage_components")
def delete_vendor_source(source_id: int):
    """GET asks to confirm (naming the components that go back to their own status);
    POST deletes."""
    source = db.get_or_404(VendorSource, source_id)
    form = ActionForm()
    if request.method == "GET":
        return render_template(
            "admin/vendor_source_delete.html", source=source, shown=vendors.describe(source)
        )
    if not form.validate_on_submit():
        form_errors(form)
        return render_template(
            "admin/vendor_source_delete.html", source=source, shown=vendors.describe(source)
        ), 400
    name = source.name
    result, _ = attempt(lambda: vendors.delete_source(current_user, source) or True)
    if result:
        flash(f"Deleted the vendor source “{name}”.", "success")
    return redirect(url_for("admin.vendor_sources"))
