"""Admin: audiences (who reads what, in which tone, with which rules) and the escalation
rules that alert an audience at once."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app.admin import attempt, bp, form_errors
from app.admin.comms_forms import CHANNEL_LABELS, AudienceForm, EscalationRuleForm
from app.admin.forms import ActionForm, options
from app.auth.permissions import requires
from app.comms import escalation
from app.models import EscalationRule
from core.db import db
from core.vocab import IMPACTS, TIER_LABELS
from subscribers.audiences import DEFAULT_CADENCE, offered_channels, update_audience
from subscribers.models import Audience


def all_audiences() -> list[Audience]:
    return list(db.session.scalars(select(Audience).order_by(Audience.priority, Audience.key)))


@bp.get("/audiences")
@requires("manage_audiences")
def audiences():
    rows = all_audiences()
    return render_template(
        "admin/audiences.html",
        audiences=rows,
        impacts=IMPACTS,
        cadences={a.key: {**DEFAULT_CADENCE, **(a.cadence or {})} for a in rows},
        channel_labels=CHANNEL_LABELS,
    )


@bp.route("/audiences/<audience_key>", methods=["GET", "POST"])
@requires("manage_audiences")
def edit_audience(audience_key: str):
    by_key = {a.key: a for a in all_audiences()}
    audience = by_key.get(audience_key)
    if audience is None:
        abort(404)
    cadence = {**DEFAULT_CADENCE, **(audience.cadence or {})}
    form = AudienceForm(
        obj=audience,
        **{f"cadence_{impact}": cadence[impact] for impact in IMPACTS},
    )
    # Only channels the audience may have (update_audience refuses the others by name).
    form.default_channels.choices = options(
        (c, CHANNEL_LABELS[c]) for c in offered_channels(audience.visibility)
    )
    status = 200
    if form.validate_on_submit():
        values = {
            "name": form.name.data,
            "description": form.description.data,
            "visibility": form.visibility.data,
            "tone": form.tone.data,
            "needs_approval": form.needs_approval.data,
            "default_channels": form.default_channels.data,
            "priority": form.priority.data,
            "cadence": {impact: getattr(form, f"cadence_{impact}").data for impact in IMPACTS},
            "sms_max_segments": form.sms_max_segments.data,
            "page_max_chars": form.page_max_chars.data,
        }
        result, status = attempt(lambda: update_audience(current_user, audience, **values))
        if result is not None:
            flash(f"Saved the {audience.name} audience.", "success")
            return redirect(url_for("admin.audiences"))
    elif form.is_submitted():
        form_errors(form)
        status = 400
    return render_template(
        "admin/audience_form.html", audience=audience, form=form, impacts=IMPACTS
    ), status


def _rule_form(form: EscalationRuleForm) -> EscalationRuleForm:
    # Escalation alerts internal audiences only (escalation.save_rule refuses the others).
    form.audience_key.choices = options(
        (a.key, a.name)
        for a in all_audiences()
        if not escalation.is_public_audience(a, a.key) and a.key != "teams"
    )
    return form


def _rule_values(form: EscalationRuleForm) -> dict:
    return {
        "name": form.name.data,
        "min_impact": form.min_impact.data or None,
        "tier": form.tier.data or None,
        "audience_key": form.audience_key.data,
        "enabled": form.enabled.data,
    }


def _rules_page(form: EscalationRuleForm, status: int = 200):
    rules = escalation.all_rules()
    names = {a.key: a.name for a in all_audiences()}
    return render_template(
        "admin/escalation_rules.html",
        rules=rules,
        form=form,
        audience_names=names,
        tier_labels=TIER_LABELS,
        action_form=ActionForm(),
    ), status


@bp.route("/escalation-rules", methods=["GET", "POST"])
@requires("manage_audiences")
def escalation_rules():
    """The rules, and a form adding one."""
    if request.method == "GET":
        return _rules_page(_rule_form(EscalationRuleForm(audience_key="executives")))
    form = _rule_form(EscalationRuleForm())
    if not form.validate_on_submit():
        form_errors(form)
        return _rules_page(form, 400)
    rule, status = attempt(lambda: escalation.save_rule(current_user, None, **_rule_values(form)))
    if rule is None:
        return _rules_page(form, status)
    flash(f"Added the rule “{rule.name}”.", "success")
    return redirect(url_for("admin.escalation_rules"))


@bp.route("/escalation-rules/<int:rule_id>", methods=["GET", "POST"])
@requires("manage_audiences")
def edit_escalation_rule(rule_id: int):
    rule = db.get_or_404(EscalationRule, rule_id)
    if request.method == "POST":
        form = _rule_form(EscalationRuleForm())
    else:
        form = _rule_form(
            EscalationRuleForm(
                name=rule.name,
                min_impact=rule.min_impact or "",
                tier=rule.tier or "",
                audience_key=rule.audience_key,
                enabled=rule.enabled,
            )
        )
    status = 200
    if form.validate_on_submit():
        result, status = attempt(
            lambda: escalation.save_rule(current_user, rule, **_rule_values(form))
        )
        if result is not None:
            flash(f"Saved the rule “{rule.name}”.", "success")
            return redirect(url_for("admin.escalation_rules"))
    elif form.is_submitted():
        form_errors(form)
        status = 400
    return render_template("admin/escalation_rule_form.html", rule=rule, form=form), status


@bp.post("/escalation-rules/<int:rule_id>/toggle")
@requires("manage_audiences")
def toggle_escalation_rule(rule_id: int):
    rule = db.get_or_404(EscalationRule, rule_id)
    enable = not rule.enabled
    result, status = attempt(
        lambda: escalation.save_rule(
            current_user,
            rule,
            name=rule.name,
            min_impact=rule.min_impact,
            tier=rule.tier,
            audience_key=rule.audience_key,
            enabled=enable,
        )
    )
    if result is None:
        return _rules_page(_rule_form(EscalationRuleForm(formdata=None)), status)
    flash(f"{'Enabled' if enable else 'Disabled'} the rule “{rule.name}”.", "success")
    return redirect(url_for("admin.escalation_rules"))


@bp.post("/escalation-rules/<int:rule_id>/delete")
@requires("manage_audiences")
def delete_escalation_rule(rule_id: int):
    rule = db.get_or_404(EscalationRule, rule_id)
    name = rule.name
    result, status = attempt(lambda: escalation.delete_rule(current_user, rule) or True)
    if result is None:
        return _rules_page(_rule_form(EscalationRuleForm(formdata=None)), status)
    flash(f"Deleted the rule “{name}”.", "success")
    return redirect(url_for("admin.escalation_rules"))
