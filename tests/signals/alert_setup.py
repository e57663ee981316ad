"""Helpers for the alert tests: an integration made through the service (committed), and
what a component shows."""

from __future__ import annotations

from sqlalchemy import select

from app.models import Alert, Component, ComponentSignal, SuggestedIncident
from app.signals.integrations import create_integration
from core.db import db


def integration(kind: str = "alertmanager", name: str = "Prometheus", **options):
    made, plain = create_integration(None, kind, name, **options)
    db.session.commit()
    return made, plain


def shown(component: Component) -> str:
    db.session.expire_all()
    return db.session.get(Component, component.id).status


def alerts() -> list[Alert]:
    db.session.expire_all()
    return list(db.session.scalars(select(Alert).order_by(Alert.id)))


def signals() -> list[tuple[int, str, str]]:
    return [
        (row.component_id, row.source, row.status)
        for row in db.session.scalars(select(ComponentSignal).order_by(ComponentSignal.id))
    ]


def suggestions() -> list[SuggestedIncident]:
    return list(db.session.scalars(select(SuggestedIncident).order_by(SuggestedIncident.id)))


def post_alertmanager(client, token: str, payload):
    return client.post(
        "/webhooks/alertmanager", json=payload, headers={"Authorization": f"Bearer {token}"}
    )
