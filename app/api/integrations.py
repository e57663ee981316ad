"""Management API: monitoring integrations (made with their credential shown once,
revoked), their label rules, and the alerts they sent. Described in
app/api/openapi_integrations.py."""

from __future__ import annotations

from flask import jsonify, request

from app.api import bp
from app.api.auth import allow, api_user
from app.api.errors import ApiError
from app.api.inputs import invalid, json_body, text
from app.api.lookup import by_public_id
from app.models import Alert, AlertRule, Component, Integration
from app.signals import alert_rules, integration_snippets
from app.signals import integrations as service
from app.signals.alerts import recent_alerts
from core.db import db


def _time(moment) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def _integration(row: Integration) -> dict:
    return {
        "id": row.public_id,
        "kind": row.kind,
        "name": row.name,
        "url": integration_snippets.webhook_url(row),
        "severity_map": row.severity_map,
        "min_firing_seconds": row.min_firing_seconds,
        "min_clear_seconds": row.min_clear_seconds,
        "created_at": _time(row.created_at),
        "last_used_at": _time(row.last_used_at),
        "revoked_at": _time(row.revoked_at),
    }


def _component_id(component_id: int | None) -> str | None:
    component = db.session.get(Component, component_id) if component_id else None
    return component.public_id if component else None


def _rule(row: AlertRule) -> dict:
    return {
        "id": row.id,
        "matchers": row.matchers,
        "component": _component_id(row.component_id),
        "position": row.position,
    }


def _alert(row: Alert, names: dict[int, str]) -> dict:
    return {
        "integration": names.get(row.integration_id),
        "fingerprint": row.fingerprint,
        "name": row.name,
        "summary": row.summary,
        "labels": row.labels,
        "component": _component_id(row.component_id),
        "status": row.status,
        "firing": row.firing,
        "counts": row.counts,
        "starts_at": _time(row.starts_at),
        "ends_at": _time(row.ends_at),
        "last_seen_at": _time(row.last_seen_at),
        "generator_url": row.generator_url,
    }


def _number(data: dict, name: str, default):
    value = data.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid(f"{name!r} must be a whole number of seconds.", name)
    return value


@bp.get("/integrations")
@allow("manage_integrations")
def list_integrations():
    return jsonify({"integrations": [_integration(i) for i in service.list_integrations()]})


@bp.post("/integrations")
@allow("manage_integrations")
def create_integration():
    data = json_body(
        ("kind", "name", "severity_map", "min_firing_seconds", "min_clear_seconds"),
        required=("kind", "name"),
    )
    made, plain = service.create_integration(
        api_user(),
        text(data, "kind"),
        text(data, "name"),
        data.get("severity_map"),
        _number(data, "min_firing_seconds", 60),
        _number(data, "min_clear_seconds", 60),
    )
    db.session.commit()
    answer = {**_integration(made), "credential": plain}
    if made.kind == "alertmanager":
        answer["alertmanager_config"] = integration_snippets.alertmanager_snippet(
            answer["url"], plain
        )
    response = jsonify(answer)
    response.status_code = 201
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.delete("/integrations/<integration_id>")
@allow("manage_integrations")
def revoke_integration(integration_id: str):
    json_body(())  # takes no body: one sent is read (and refused when bad) first
    integration = by_public_id(Integration, integration_id, "integration")
    service.revoke_integration(api_user(), integration)
    db.session.commit()
    return jsonify(_integration(integration))


@bp.get("/integrations/<integration_id>/rules")
@allow("manage_integrations")
def rules(integration_id: str):
    integration = by_public_id(Integration, integration_id, "integration")
    return jsonify({"rules": [_rule(r) for r in alert_rules.rules_of(integration)]})


@bp.post("/integrations/<integration_id>/rules")
@allow("manage_integrations")
def add_rule(integration_id: str):
    data = json_body(("matchers", "component", "position"), required=("matchers", "component"))
    integration = by_public_id(Integration, integration_id, "integration")
    component = by_public_id(Component, text(data, "component"), "component")
    rule = alert_rules.add_rule(
        api_user(), integration, data["matchers"], component, data.get("position")
    )
    db.session.commit()
    response = jsonify(_rule(rule))
    response.status_code = 201
    return response


@bp.delete("/integrations/<integration_id>/rules")
@allow("manage_integrations")
def delete_rule(integration_id: str):
    json_body(())
    integration = by_public_id(Integration, integration_id, "integration")
    raw = request.args.get("rule", "")
    if not (raw.isascii() and raw.isdigit() and len(raw) < 19):
        raise invalid("Name the rule to delete: ?rule=<rule id>.", "rule")
    rule = db.session.get(AlertRule, int(raw))
    if rule is None or rule.integration_id != integration.id:
        raise ApiError(404, "not_found", f"No rule {raw} on this integration.")
    alert_rules.delete_rule(api_user(), rule)
    db.session.commit()
    return jsonify({"rules": [_rule(r) for r in alert_rules.rules_of(integration)]})


@bp.get("/alerts")
@allow("view_admin")
def list_alerts():
    names = {i.id: i.public_id for i in service.list_integrations()}
    return jsonify({"alerts": [_alert(a, names) for a in recent_alerts(limit=200)]})
