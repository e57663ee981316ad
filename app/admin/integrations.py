"""Admin: monitoring integrations (Alertmanager or Grafana with a bearer token, or any
tool through the signed monitor webhook), their label rules, severity map and minimum
times, and the alerts they sent lately.

A new integration's credential is on the answer to the form that made it and nowhere
else (Herald keeps only a hash of a token, and a monitor's secret encrypted), so that
answer is never cached. The forms only split lines; app.signals.integrations and
app.signals.alert_rules check every value and refuse with a message, writing nothing."""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange

from app.admin import attempt, bp, form_errors
from app.admin.forms import ActionForm, options
from app.auth.permissions import requires
from app.models import AlertRule, Component, Integration
from app.signals import alert_rules, integration_snippets
from app.signals import integrations as service
from app.signals.alert_payloads import COMPONENT_LABEL
from app.signals.alert_targets import closest_names, component_field, why_unmatched
from app.signals.alerts import recent_alerts
from core.db import db
from core.errors import ServiceError
from core.vocab import COMPONENT_STATUSES, STATUS_LABELS

KIND_LABELS = {
    "alertmanager": "Alertmanager or Grafana (bearer token)",
    "monitor": "Monitor webhook (signed JSON)",
}
MAX_LINES_TEXT = 10_000
RECENT_ALERTS = 50


class NewIntegrationForm(FlaskForm):
    kind = SelectField("Kind", choices=options(KIND_LABELS.items()), default="alertmanager")
    name = StringField("Name", validators=[InputRequired(), Length(max=service.MAX_NAME)])


class SettingsForm(FlaskForm):
    severity_map = TextAreaField(
        "Severity map", validators=[Length(max=MAX_LINES_TEXT)], render_kw={"rows": 4}
    )
    min_firing_seconds = IntegerField(
        "Minimum firing time (seconds)",
        validators=[InputRequired(), NumberRange(0, service.MAX_MIN_SECONDS)],
    )
    min_clear_seconds = IntegerField(
        "Minimum time before it clears (seconds)",
        validators=[InputRequired(), NumberRange(0, service.MAX_MIN_SECONDS)],
    )


class RuleForm(FlaskForm):
    matchers = TextAreaField(
        "Labels", validators=[Length(max=MAX_LINES_TEXT)], render_kw={"rows": 3}
    )
    component_id = SelectField("Component", coerce=int)


# A status as a key (major_outage) or its label (Major outage), in any case.
_STATUS_WORDS = {
    **{key: key for key in COMPONENT_STATUSES},
    **{label.casefold().replace(" ", "_"): key for key, label in STATUS_LABELS.items()},
}


def parse_severity_lines(text: str) -> dict[str, str]:
    """Lines "severity=status" (a status key such as major_outage or its label such as
    Major outage; blank lines and lines starting with # are skipped)."""
    mapping: dict[str, str] = {}
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        severity, equals, status = line.partition("=")
        if not equals or not severity.strip() or not status.strip():
            raise ServiceError(
                f"Severity map, line {number}: write “severity=status”, e.g. "
                "“critical=major_outage”.",
                "severity_map",
            )
        key = _STATUS_WORDS.get(status.strip().casefold().replace(" ", "_"))
        if key is None:
            raise ServiceError(
                f"Severity map, line {number}: {status.strip()[:40]!r} is not a status "
                f"({', '.join(COMPONENT_STATUSES)}).",
                "severity_map",
            )
        mapping[severity.strip()] = key
    if not mapping:
        raise ServiceError(
            "The severity map needs at least one line “severity=status”.", "severity_map"
        )
    return service.check_severity_map(mapping)


def parse_rule_lines(text: str) -> dict[str, str]:
    """The rule form's labels: the service's "label=value" lines, with the web's own
    words when there are none (the service's message speaks of the API's JSON)."""
    if not any(line.strip() for line in (text or "").splitlines()):
        raise ServiceError(
            "Give at least one label=value line, e.g. “service=checkout”.", "matchers"
        )
    return alert_rules.parse_matcher_lines(text)


REVOKED_NOTE = "This integration is revoked: its rules and severities can no longer be changed."


def _refuse_if_revoked(integration: Integration):
    """A revoked integration's page offers no forms; a form posted from an older page is
    refused the same way rather than changing what no longer counts."""
    if integration.revoked_at is None:
        return None
    flash(REVOKED_NOTE, "error")
    return _detail_page(integration, status=409)


def severity_text(integration: Integration) -> str:
    return "\n".join(f"{k}={v}" for k, v in (integration.severity_map or {}).items())


def _components() -> list[Component]:
    return list(db.session.scalars(select(Component).order_by(Component.position, Component.name)))


def _rule_form(formdata=True) -> RuleForm:
    form = RuleForm() if formdata else RuleForm(formdata=None)
    form.component_id.choices = options((c.id, c.name) for c in _components())
    return form


def _settings_form(integration: Integration, formdata=True) -> SettingsForm:
    if formdata:
        return SettingsForm()
    form = SettingsForm(formdata=None, obj=integration)
    form.severity_map.data = severity_text(integration)
    return form


def _no_store(response, status: int):
    response = make_response(response, status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _list_page(form: NewIntegrationForm, status: int = 200, made=None, plain=None):
    shown = None
    if made is not None:
        url = integration_snippets.webhook_url(made)
        names = [c.name for c in _components()]
        shown = {
            "url": url,
            "snippet": integration_snippets.alertmanager_snippet(url, plain)
            if made.kind == "alertmanager"
            else None,
            "curl": integration_snippets.monitor_curl_example(
                url, plain, names[0] if names else "API"
            )
            if made.kind == "monitor"
            else None,
        }
    return _no_store(
        render_template(
            "admin/integrations.html",
            integrations=service.list_integrations(),
            form=form,
            kinds=KIND_LABELS,
            made=made,
            plain=plain,
            shown=shown,
        ),
        status,
    )


def _detail_page(integration, settings=None, rule_form=None, status: int = 200):
    names = {c.id: c.name for c in _components()}
    alerts = recent_alerts(integration, RECENT_ALERTS)
    field = component_field(integration)
    return render_template(
        "admin/integration.html",
        integration=integration,
        kinds=KIND_LABELS,
        url=integration_snippets.webhook_url(integration),
        rules=alert_rules.rules_of(integration),
        alerts=alerts,
        # Why each alert that matched no component did not, and the closest names.
        unmatched={
            a.id: why_unmatched(a.labels or {}, names.values(), field)
            for a in alerts
            if a.component_id is None
        },
        unmatched_field=field,
        names=names,
        settings=settings or _settings_form(integration, formdata=False),
        rule_form=rule_form or _rule_form(formdata=False),
        component_label=COMPONENT_LABEL,
    ), status


@bp.get("/integrations")
@requires("manage_integrations")
def integrations():
    return _list_page(NewIntegrationForm(formdata=None))


@bp.post("/integrations")
@requires("manage_integrations")
def new_integration():
    form = NewIntegrationForm()
    if not form.validate_on_submit():
        form_errors(form)
        return _list_page(form, 400)
    made, status = attempt(
        lambda: service.create_integration(current_user, form.kind.data, form.name.data)
    )
    if made is None:
        return _list_page(form, status)
    integration, plain = made
    # Shown on this answer only (never flashed: the session cookie is no place for it).
    return _list_page(NewIntegrationForm(formdata=None), 201, integration, plain)


@bp.get("/integrations/<int:integration_id>")
@requires("manage_integrations")
def integration(integration_id: int):
    """The integration; ``?matchers=label=value`` (an unmatched alert's "add a rule"
    link) fills in the new rule's labels, and its component the one whose name is
    closest to a ``herald_component`` value, for staff to confirm or change."""
    found = db.get_or_404(Integration, integration_id)
    rule_form = _rule_form(formdata=False)
    rule_form.matchers.data = request.args.get("matchers", "")[:MAX_LINES_TEXT]
    rule_form.component_id.data = _closest_component(rule_form.matchers.data)
    return _detail_page(found, rule_form=rule_form)


def _closest_component(matchers: str) -> int | None:
    """The component whose name is closest to the ``herald_component=…`` line's value."""
    for line in matchers.splitlines():
        label, equals, value = line.partition("=")
        if equals and label.strip() == COMPONENT_LABEL and value.strip():
            by_name = {c.name: c.id for c in _components()}
            closest = closest_names(value.strip().strip('"'), by_name)
            return by_name[closest[0]] if closest else None
    return None


@bp.post("/integrations/<int:integration_id>/settings")
@requires("manage_integrations")
def integration_settings(integration_id: int):
    found = db.get_or_404(Integration, integration_id)
    refused = _refuse_if_revoked(found)
    if refused:
        return refused
    form = _settings_form(found)
    if not form.validate_on_submit():
        form_errors(form)
        return _detail_page(found, settings=form, status=400)
    changes, status = attempt(
        lambda: service.update_integration(
            current_user,
            found,
            severity_map=parse_severity_lines(form.severity_map.data),
            min_firing_seconds=form.min_firing_seconds.data,
            min_clear_seconds=form.min_clear_seconds.data,
        )
    )
    if changes is None:
        return _detail_page(found, settings=form, status=status)
    flash("Saved." if changes else "Nothing to change.", "success" if changes else "info")
    return redirect(url_for("admin.integration", integration_id=found.id))


@bp.post("/integrations/<int:integration_id>/rules")
@requires("manage_integrations")
def add_alert_rule(integration_id: int):
    found = db.get_or_404(Integration, integration_id)
    refused = _refuse_if_revoked(found)
    if refused:
        return refused
    form = _rule_form()
    if not form.validate_on_submit():
        form_errors(form)
        return _detail_page(found, rule_form=form, status=400)
    component = db.session.get(Component, form.component_id.data)
    rule, status = attempt(
        lambda: alert_rules.add_rule(
            current_user, found, parse_rule_lines(form.matchers.data), component
        )
    )
    if rule is None:
        return _detail_page(found, rule_form=form, status=status)
    flash(f"Added the rule: matching alerts belong to {component.name}.", "success")
    return redirect(url_for("admin.integration", integration_id=found.id))


@bp.post("/integrations/<int:integration_id>/rules/<int:alert_rule_id>/delete")
@requires("manage_integrations")
def delete_alert_rule(integration_id: int, alert_rule_id: int):
    found = db.get_or_404(Integration, integration_id)
    rule = db.session.get(AlertRule, alert_rule_id)
    if rule is None or rule.integration_id != found.id:
        abort(404)
    form = ActionForm()
    if not form.validate_on_submit():
        form_errors(form)
        return _detail_page(found, status=400)
    done, _ = attempt(lambda: alert_rules.delete_rule(current_user, rule) or True)
    if done:
        flash("Deleted the rule.", "success")
    return redirect(url_for("admin.integration", integration_id=found.id))


@bp.route("/integrations/<int:integration_id>/revoke", methods=["GET", "POST"])
@requires("manage_integrations")
def revoke_integration(integration_id: int):
    """GET asks to confirm (naming what its alerts claim now); POST revokes."""
    found = db.get_or_404(Integration, integration_id)

    def confirm():
        counting = [a for a in recent_alerts(found, 500) if a.counts]
        names = {c.id: c.name for c in _components()}
        return render_template(
            "admin/integration_revoke.html", integration=found, counting=counting, names=names
        )

    if request.method == "GET":
        return confirm()
    form = ActionForm()
    if not form.validate_on_submit():
        form_errors(form)
        return confirm(), 400
    revoked, _ = attempt(lambda: service.revoke_integration(current_user, found))
    if revoked:
        flash(f"Revoked the integration “{found.name}”: its credential is refused.", "success")
    elif revoked is not None:
        flash(f"The integration “{found.name}” was already revoked.", "info")
    return redirect(url_for("admin.integration", integration_id=found.id))
