"""Every staff route, walked as anonymous and as each role.

Routes are discovered from the URL map, and what each role may do is derived from the
view's ``permission`` and ``PERMISSIONS``, so a new staff route is covered (or fails here
because it is unguarded or takes an argument this file cannot fill) without editing the
test.
"""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import url_for
from sqlalchemy import select

from app import accounts, create_app
from app.auth.permissions import PERMISSIONS
from app.comms.context import Facts
from app.comms.drafting import compose
from app.comms.escalation import all_rules
from app.incidents.services import declare_incident
from app.maintenance.services import schedule_maintenance
from app.models import utcnow
from app.status.components import add_dependency, create_component, create_group
from core.db import db
from core.vocab import ROLES
from subscribers.groups import create_group as create_saved_group
from subscribers.models import Broadcast
from subscribers.registry import add_internal, quarantine
from tests.snapshot import snapshot

STAFF_BLUEPRINTS = ("admin", "internal")
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PASSWORD = "correct horse battery"


def staff_routes() -> list[tuple[str, str]]:
    """(endpoint, method) for every route of the staff blueprints."""
    probe = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "probe"})
    routes = set()
    for rule in probe.url_map.iter_rules():
        if rule.endpoint.partition(".")[0] in STAFF_BLUEPRINTS:
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                routes.add((rule.endpoint, method))
    return sorted(routes)


ROUTES = staff_routes()
ROUTE_IDS = [f"{endpoint}-{method}" for endpoint, method in ROUTES]


# GET addresses that lead elsewhere by design (a bookmarked POST-only action).
REDIRECTING_GETS = {"admin.publish_page"}


def build_world() -> dict[str, object]:
    """One of everything a staff URL can name; returns the URL argument values."""
    team = accounts.create_team(None, "Platform")
    group = create_group(None, "Core")
    api = create_component(None, "API", group_id=group.id, team_id=team.id)
    database = create_component(None, "Database", group_id=group.id)
    dependency = add_dependency(None, api, database, "hard")
    other = accounts.create_user(None, "someone@example.com", "viewer", PASSWORD)
    incident = declare_incident(
        None, "API errors", "minor", {api: "partial_outage"}, body="We are looking."
    )
    start = utcnow() + timedelta(days=2)
    maintenance = schedule_maintenance(
        None, "Database upgrade", start, start + timedelta(hours=1), [database], body="Upgrade."
    )
    subscriber, _ = add_internal("email", "oncall@example.com", "engineering", team_id=team.id)
    quarantine(subscriber, "10 failed deliveries within an hour")
    notice = db.session.scalar(select(Broadcast).where(Broadcast.subscriber_id == subscriber.id))
    saved_group = create_saved_group(None, "Core – engineering", subscriber.audience, [api.id])
    sheet = compose(
        None,
        incident,
        status="identified",
        facts=Facts(summary="Some API requests fail."),
        audiences=["customers", "engineering"],
    )
    rule = all_rules()[0]
    from app.signals.vendors import create_source

    vendor_source = create_source(
        None, name="Acme", url="https://status.acme.example/api/v2/summary.json"
    )
    from app.signals.suggestions import suggest

    suggestion = suggest(
        "vendor",
        "vendor:access",
        name="Acme: database errors",
        impact="minor",
        # Not the API: the open incident covers it, so a signal about it joins that one.
        component_statuses={database.id: "degraded_performance"},
        facts="Acme reports API errors.",
    )
    from app.signals.listening import create_feed

    feed = create_feed(None, "Forum", "https://forum.example/search.rss")
    from app.signals.alert_rules import add_rule
    from app.signals.integrations import create_integration

    integration, _ = create_integration(None, "alertmanager", "Prometheus")
    alert_rule = add_rule(None, integration, {"service": "api"}, api)
    from app.pages.services import create_page
    from app.pages.viewers import invite_viewer

    private_page = create_page(None, slug="acme", name="Acme Corp", components=[api.public_id])
    page_viewer = invite_viewer(None, private_page, "ana@acme.example")
    db.session.commit()
    return {
        "slug": private_page.slug,
        "viewer_id": page_viewer.id,
        "integration_id": integration.id,
        "alert_rule_id": alert_rule.id,
        "feed_id": feed.id,
        "admin.publish_page:public_id": sheet.public_id,
        "admin.suggestion:public_id": suggestion.public_id,
        "admin.declare_suggested:public_id": suggestion.public_id,
        "admin.dismiss_suggested:public_id": suggestion.public_id,
        "source_id": vendor_source.id,
        "subscriber_id": subscriber.id,
        "broadcast_id": notice.id,
        "saved_group_id": saved_group.id,
        "component_id": api.id,
        "group_id": group.id,
        "dependency_id": dependency.id,
        "incident_id": incident.id,
        "maintenance_id": maintenance.id,
        "update_id": maintenance.updates[0].id,
        "user_id": other.id,
        "team_id": team.id,
        "draft_id": sheet.drafts[0].id,
        "audience_key": "customers",
        "rule_id": rule.id,
        "audience": "customers",
        "phase": "investigating",
        "admin.fact_sheet:public_id": sheet.public_id,
        "admin.publish:public_id": sheet.public_id,
        "admin.discard:public_id": sheet.public_id,
        "internal.incident:public_id": incident.public_id,
        "internal.maintenance:public_id": maintenance.public_id,
        "internal.rollcall_page:public_id": incident.public_id,
        "internal.rollcall_answer:public_id": incident.public_id,
    }


def url_of(app, endpoint: str, world: dict[str, object]) -> str:
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    values = {}
    for argument in rule.arguments:
        key = f"{endpoint}:{argument}" if f"{endpoint}:{argument}" in world else argument
        if key not in world:
            pytest.fail(
                f"{rule.rule} takes <{argument}>, which build_world() does not provide; "
                "add an object for it so the route is checked"
            )
        values[argument] = world[key]
    with app.test_request_context():
        return url_for(endpoint, **values)


def csrf_token_of(client) -> str:
    return CSRF_RE.search(client.get("/login").get_data(as_text=True)).group(1)


def test_every_staff_view_names_a_known_permission(app):
    unguarded = []
    for endpoint, view in app.view_functions.items():
        if endpoint.partition(".")[0] not in STAFF_BLUEPRINTS:
            continue
        permission = getattr(view, "permission", None)
        if permission not in PERMISSIONS:
            unguarded.append(f"{endpoint} (permission={permission!r})")
    assert unguarded == []
    assert len(ROUTES) > 40  # the walk really found the staff routes


def test_the_walk_covers_both_staff_blueprints_and_both_methods():
    blueprints = {endpoint.partition(".")[0] for endpoint, _ in ROUTES}
    methods = {method for _, method in ROUTES}
    assert blueprints == set(STAFF_BLUEPRINTS)
    assert methods == {"GET", "POST"}


@pytest.mark.parametrize(("endpoint", "method"), ROUTES, ids=ROUTE_IDS)
def test_anonymous_visitors_are_sent_to_sign_in_and_change_nothing(app, client, endpoint, method):
    url = url_of(app, endpoint, build_world())
    before = snapshot()
    if method == "GET":
        response = client.get(url)
        assert response.status_code == 302
        location = urlsplit(response.headers["Location"])
        assert location.path == "/login"
        assert parse_qs(location.query) == {"next": [url]}
    else:
        # CSRF protection runs before the sign-in check: a bare POST is refused outright.
        response = client.post(url)
        assert response.status_code == 400
        assert "missing its security token" in response.get_data(as_text=True)
        # With a valid token (a visitor who loaded the sign-in page) it is sent to sign in.
        response = client.post(url, data={"csrf_token": csrf_token_of(client)})
        assert response.status_code == 302
        assert urlsplit(response.headers["Location"]).path == "/login"
    assert snapshot() == before


@pytest.mark.parametrize(("endpoint", "method"), ROUTES, ids=ROUTE_IDS)
def test_each_role_gets_exactly_what_its_permission_allows(app, make_user, staff, endpoint, method):
    """Forbidden roles get 403 and change nothing; allowed roles get the page (GET) or
    get past the permission check (POST with only the CSRF token). Forbidden roles go
    first, so an allowed POST (a delete, say) cannot hide a later role's answer."""
    url = url_of(app, endpoint, build_world())
    permission = app.view_functions[endpoint].permission
    roles = sorted(ROLES, key=lambda role: role in PERMISSIONS[permission])
    problems = []
    for role in roles:
        client = staff(make_user(role))
        before = snapshot()
        # A POST carries only the CSRF token: the permission check comes before the form's.
        response = client.get(url) if method == "GET" else client.post(url, data={})
        status, body = response.status_code, response.get_data(as_text=True)
        location = urlsplit(response.headers.get("Location", "")).path
        if role not in PERMISSIONS[permission]:
            if status != 403 or "Your role does not allow this" not in body:
                problems.append(f"{role} lacks {permission} but got {status}")
            elif snapshot() != before:
                problems.append(f"{role} was refused but the database changed")
        elif method == "GET" and status != 200 and endpoint not in REDIRECTING_GETS:
            problems.append(f"{role} holds {permission} but got {status}")
        elif status >= 500 or status == 403 or location.startswith("/login"):
            problems.append(f"{role} holds {permission} but got {status} {location}")
    assert problems == []


@pytest.mark.parametrize("role", ROLES)
def test_the_staff_navigation_offers_only_what_the_role_may_open(app, make_user, staff, role):
    build_world()
    page = staff(make_user(role)).get("/admin/").get_data(as_text=True)
    links = set(re.findall(r'href="(/admin/[^"]*)"', page))
    assert ("/admin/users" in links) == (role in PERMISSIONS["manage_users"])
    assert ("/admin/audit" in links) == (role in PERMISSIONS["view_audit"])
    assert ("/admin/incidents/new" in links) == (role in PERMISSIONS["manage_incidents"])
    assert ('action="/admin/components/' in page) == (role in PERMISSIONS["set_status"])


def test_a_signed_in_post_without_the_csrf_token_is_refused_and_changes_nothing(
    app, make_user, staff
):
    world = build_world()
    admin = staff(make_user("admin"))
    before = snapshot()
    response = admin.client.post(f"/admin/components/{world['component_id']}/delete", data={})
    assert response.status_code == 400
    assert "Nothing was changed" in response.get_data(as_text=True)
    response = admin.client.post(
        f"/admin/components/{world['component_id']}/status",
        data={"status": "major_outage", "csrf_token": "forged"},
    )
    assert response.status_code == 400
    assert snapshot() == before
