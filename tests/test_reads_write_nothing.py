"""No writes on read: every GET of every page, feed and JSON, staff or public, leaves the
database as it was. A page that needs a default row or a fresh check computes it for the
reader; only the worker and the actions (POST, PATCH …) write."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from app.models import (
    Component,
    ComponentGroup,
    Draft,
    EscalationRule,
    FactSheet,
    Incident,
    Integration,
    ListeningFeed,
    Maintenance,
    PageViewer,
    Team,
    User,
    VendorSource,
)
from core.db import db
from subscribers.models import Broadcast, SavedGroup, Subscriber

WRITES = ("INSERT", "UPDATE", "DELETE")


def _first(model, column="id"):
    return db.session.scalar(select(getattr(model, column)).order_by(model.id).limit(1))


def _values() -> dict[str, object]:
    """A real value for each URL parameter, taken from the demo company."""
    return {
        "component_id": _first(Component),
        "group_id": _first(ComponentGroup),
        "incident_id": _first(Incident),
        "maintenance_id": _first(Maintenance),
        "subscriber_id": _first(Subscriber),
        "saved_group_id": _first(SavedGroup),
        "broadcast_id": _first(Broadcast),
        "user_id": _first(User),
        "team_id": _first(Team),
        "rule_id": _first(EscalationRule),
        "draft_id": _first(Draft, "public_id"),
        "audience_key": "customers",
        "audience": "customers",
        "phase": "investigating",
        "token": "not-a-token",
        "state": "operational",
        "filename": "style.css",
        "slug": "acme",  # the demo's private page
        "viewer_id": _first(PageViewer),  # its viewer (a removal's confirmation)
    }


SIGNAL_MODELS = {
    "source_id": VendorSource,
    "integration_id": Integration,
    "feed_id": ListeningFeed,
}


def _url(rule, values: dict) -> str:
    arguments = {}
    for name in rule.arguments:
        if name == "public_id":
            model = {
                "incidents": Incident,
                "maintenance": Maintenance,
                "fact-sheets": FactSheet,
                "components": Component,  # a component's badge
            }[
                next(
                    p
                    for p in ("fact-sheets", "maintenance", "incidents", "components")
                    if p in rule.rule
                )
            ]
            arguments[name] = _first(model, "public_id")
        elif name in ("incident_id",) and rule.rule.startswith("/api/"):
            arguments[name] = _first(Incident, "public_id")
        elif name in SIGNAL_MODELS:  # the admin's id, the API's public id
            column = "public_id" if rule.rule.startswith("/api/") else "id"
            found = _first(SIGNAL_MODELS[name], column)
            arguments[name] = found if found is not None else (1 if column == "id" else "none")
        else:
            arguments[name] = values[name]
    return rule.rule if not arguments else _build(rule, arguments)


def _build(rule, arguments: dict) -> str:
    from flask import url_for

    return url_for(rule.endpoint, **arguments)


@pytest.fixture
def demo(app):
    from app.demo import seed_demo
    from subscribers.audiences import get_audience
    from subscribers.groups import create_group

    seed_demo()
    create_group(None, "Payments – executives", get_audience("executives"), [])
    db.session.commit()
    return app


def test_no_get_writes_to_the_database(demo, staff, client, make_user):
    from app.api.tokens import create_token

    admin = make_user("admin")
    _, secret = create_token(admin, "reads")
    db.session.commit()
    signed_in = staff(admin)
    values = _values()
    rules = [r for r in demo.url_map.iter_rules() if "GET" in r.methods]
    with demo.test_request_context():
        urls = [(rule, _url(rule, values)) for rule in rules]

    writes: list[str] = []

    def watch(conn, cursor, statement, parameters, context, executemany):
        # A token's "last used" time is the one bookkeeping a read keeps: it is how an
        # admin sees a leaked or forgotten token at work.
        if statement.lstrip().upper().startswith(WRITES) and "api_tokens" not in statement:
            writes.append(statement.split("\n")[0][:80])

    answered = {}
    event.listen(db.engine, "before_cursor_execute", watch)
    try:
        for _rule, url in urls:
            before = len(writes)
            if url.startswith("/api/v1"):
                response = client.get(url, headers={"Authorization": f"Bearer {secret}"})
            else:
                response = signed_in.get(url)
            answered[url] = response.status_code
            assert len(writes) == before, f"GET {url} wrote: {writes[before:]}"
    finally:
        event.remove(db.engine, "before_cursor_execute", watch)
    # The walk reached real pages, not only errors.
    assert sum(1 for status in answered.values() if status == 200) > len(answered) // 2
    assert answered["/admin/audiences"] == 200
    assert answered["/admin/escalation-rules"] == 200
