"""Groups, components, dependencies and quick status changes through the admin forms."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.models import (
    AuditEvent,
    Component,
    ComponentDependency,
    ComponentGroup,
    StatusInterval,
)
from app.status.components import add_dependency
from core.db import db


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def audit_actions() -> list[tuple[str, str]]:
    """(actor, action) of every audit event made by a person (not by the fixtures)."""
    return [
        (e.actor, e.action)
        for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.actor != "system").order_by(AuditEvent.id)
        )
    ]


@pytest.fixture
def admin(make_user, staff):
    user = make_user("admin", email="ada@example.com")
    return staff(user)


def test_an_admin_creates_a_group_then_a_component_in_it(admin, fill, text):
    data = fill(admin, "/admin/groups/new", name="Payments", description="Money moves")
    response = admin.post("/admin/groups/new", data=data)
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/components"
    group = db.session.scalar(select(ComponentGroup))
    assert (group.name, group.description) == ("Payments", "Money moves")

    data = fill(
        admin,
        "/admin/components/new",
        name="Card payments",
        description="Authorisation and capture",
        group_id=str(group.id),
        visibility="internal",
        tier="tier1",
    )
    response = admin.post("/admin/components/new", data=data)
    component = db.session.scalar(select(Component))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/components/{component.id}"
    assert component.name == "Card payments"
    assert component.group_id == group.id
    assert (component.visibility, component.tier) == ("internal", "tier1")
    assert component.status == "operational"
    assert component.showcase is True  # the form's default is kept

    assert "Created Card payments." in text(admin.get(f"/admin/components/{component.id}"))
    page = text(admin.get("/admin/components"))
    assert page.index("Payments") < page.index("Card payments")
    assert audit_actions() == [
        ("ada@example.com", "group.create"),
        ("ada@example.com", "component.create"),
    ]


@pytest.mark.parametrize(
    ("changes", "status", "message"),
    [
        ({"name": ""}, 400, "Name: This field is required."),
        ({"name": "x" * 121}, 400, "Name: Field cannot be longer than 120 characters."),
        ({"name": "api"}, 409, "There is already a component called 'api'."),
        ({"tier": "tier9"}, 400, "Criticality: Not a valid choice."),
        ({"visibility": "secret"}, 400, "Visibility: Not a valid choice."),
        ({"group_id": "9999"}, 400, "Group: Not a valid choice."),
        ({"position": "-3"}, 400, "Position: Number must be between 0 and 10000."),
    ],
    ids=["no name", "long name", "duplicate", "tier", "visibility", "group", "position"],
)
def test_bad_component_input_is_refused_with_a_message_and_creates_nothing(
    admin, make_component, fill, text, changes, status, message
):
    make_component("API")
    data = fill(admin, "/admin/components/new", **{"name": "Webhooks", **changes})
    events = count(AuditEvent)
    response = admin.post("/admin/components/new", data=data)
    assert response.status_code == status
    assert message in text(response)
    assert count(Component) == 1
    assert count(AuditEvent) == events


def test_editing_a_component_saves_it_and_the_audit_log_shows_the_change(
    admin, make_component, fill, text
):
    component = make_component("API", group="Core")
    url = f"/admin/components/{component.id}"
    data = fill(admin, url, name="Public API", visibility="internal")
    assert data["group_id"] == str(component.group_id)  # the form shows the stored values
    response = admin.post(url, data=data)
    assert response.status_code == 302
    assert (component.name, component.visibility) == ("Public API", "internal")
    assert component.group_id is not None

    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "component.update"))
    assert event.actor == "ada@example.com"
    assert event.target_id == component.id
    assert event.changes == {"name": ["API", "Public API"], "visibility": ["public", "internal"]}
    log = text(admin.get("/admin/audit?target=component"))
    assert "Edited Public API" in log
    assert "ada@example.com" in log
    assert "API → Public API" in log


def test_renaming_a_component_to_another_ones_name_is_refused_and_changes_nothing(
    admin, make_component, fill, text
):
    make_component("API")
    webhooks = make_component("Webhooks")
    url = f"/admin/components/{webhooks.id}"
    response = admin.post(url, data=fill(admin, url, name="API", tier="tier3"))
    assert response.status_code == 409
    assert "There is already a component called 'API'." in text(response)
    assert (webhooks.name, webhooks.tier) == ("Webhooks", "tier2")


def test_groups_are_edited_and_deleting_one_leaves_its_components_ungrouped(
    admin, make_component, fill, text
):
    api = make_component("API", group="Core")
    other = make_component("Other", group="Edge")
    group_id = api.group_id
    url = f"/admin/groups/{group_id}"
    response = admin.post(url, data=fill(admin, url, name="Core services", position="7"))
    assert response.status_code == 302
    group = db.session.get(ComponentGroup, group_id)
    assert (group.name, group.position) == ("Core services", 7)

    response = admin.post(url, data=fill(admin, url, name="edge"))
    assert response.status_code == 409
    assert "There is already a group called 'edge'." in text(response)
    assert group.name == "Core services"

    response = admin.post(f"/admin/groups/{group_id}/delete", follow_redirects=True)
    assert "Deleted group Core services; its components are now ungrouped." in text(response)
    assert db.session.get(ComponentGroup, group_id) is None
    assert api.group_id is None
    assert other.group_id is not None
    assert "Ungrouped" in text(admin.get("/admin/components"))
    actions = [action for _, action in audit_actions()]
    assert actions.count("group.update") == 1
    assert actions[-1] == "group.delete"


def test_a_group_without_a_name_is_refused(admin, fill, text):
    response = admin.post("/admin/groups/new", data=fill(admin, "/admin/groups/new", name=" "))
    assert response.status_code == 400
    assert "Name: This field is required." in text(response)
    assert count(ComponentGroup) == 0


def test_deleting_a_component_removes_it_and_its_history(admin, make_component, text):
    api = make_component("API")
    keep = make_component("Website")
    api_id = api.id
    response = admin.post(f"/admin/components/{api_id}/delete", follow_redirects=True)
    assert response.status_code == 200
    assert "Deleted API." in text(response)
    assert db.session.get(Component, api_id) is None
    assert db.session.scalars(select(StatusInterval.component_id)).all() == [keep.id]
    assert ("ada@example.com", "component.delete") in audit_actions()


def test_a_dependency_added_on_the_form_passes_an_outage_on(admin, make_component, fill, text):
    dashboard = make_component("Dashboard")
    api = make_component("API")
    url = f"/admin/components/{dashboard.id}"
    action = f"{url}/dependencies"
    data = fill(admin, url, action, depends_on_id=str(api.id), kind="hard")
    response = admin.post(action, data=data, follow_redirects=True)
    assert "Dashboard now depends on API." in text(response)
    link = db.session.scalar(select(ComponentDependency))
    assert (link.component_id, link.depends_on_id, link.kind) == (dashboard.id, api.id, "hard")

    admin.post(f"/admin/components/{api.id}/status", data={"status": "major_outage"})
    assert dashboard.status == "operational"
    assert dashboard.effective_status == "major_outage"

    response = admin.post(f"/admin/dependencies/{link.id}/delete", follow_redirects=True)
    assert "Dependency removed." in text(response)
    assert count(ComponentDependency) == 0
    assert dashboard.effective_status == "operational"


@pytest.mark.parametrize("direct", [True, False], ids=["direct", "through another"])
def test_a_dependency_cycle_is_refused_with_a_clear_message_and_changes_nothing(
    admin, make_component, fill, text, direct
):
    dashboard = make_component("Dashboard")
    api = make_component("API")
    database = make_component("Database")
    add_dependency(None, dashboard, api)
    target = api  # API -> Dashboard would close Dashboard -> API
    if not direct:
        add_dependency(None, api, database)
        target = database  # Database -> Dashboard would close Dashboard -> API -> Database
    db.session.commit()
    links, events = count(ComponentDependency), count(AuditEvent)

    url = f"/admin/components/{target.id}"
    data = fill(admin, url, f"{url}/dependencies", depends_on_id=str(dashboard.id))
    response = admin.post(f"{url}/dependencies", data=data)
    assert response.status_code == 409
    page = text(response)
    assert (
        f"Dashboard already depends on {target.name}, directly or through other components; "
        "adding this would make a cycle."
    ) in page
    assert f"<h1>{target.name}</h1>" in page  # the component's page again, to choose anew
    assert count(ComponentDependency) == links
    assert count(AuditEvent) == events


def test_a_component_cannot_depend_on_itself(admin, make_component, text):
    api = make_component("API")
    response = admin.post(
        f"/admin/components/{api.id}/dependencies",
        data={"depends_on_id": str(api.id), "kind": "soft"},
    )
    assert response.status_code == 409
    assert "API cannot depend on itself." in text(response)
    assert count(ComponentDependency) == 0


def test_the_quick_status_change_on_the_dashboard_updates_pages_history_and_log(
    make_user, staff, make_component, fill, text, client
):
    responder = staff(make_user("responder", email="rafael@example.com"))
    api = make_component("API", group="Core")
    action = f"/admin/components/{api.id}/status"
    data = fill(responder, "/admin/", action)
    assert data["status"] == "operational"  # the form shows the current status
    data["status"] = "partial_outage"
    response = responder.post(action, data=data)
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"
    assert "API is now partial outage." in text(responder.get("/admin/"))
    assert api.status == api.effective_status == "partial_outage"

    intervals = db.session.scalars(
        select(StatusInterval)
        .where(StatusInterval.component_id == api.id)
        .order_by(StatusInterval.started_at, StatusInterval.id)
    ).all()
    assert [(i.status, i.ended_at is None) for i in intervals] == [
        ("operational", False),
        ("partial_outage", True),
    ]
    public = client.get("/api/v2/components.json").get_json()
    assert [(c["name"], c["status"]) for c in public["components"] if c["name"] == "API"] == [
        ("API", "partial_outage")
    ]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "component.status"))
    assert (event.actor, event.changes) == (
        "rafael@example.com",
        {"status": ["operational", "partial_outage"]},
    )


def test_a_quick_status_change_to_an_unknown_status_is_refused_and_changes_nothing(
    admin, make_component, text
):
    api = make_component("API")
    events = count(AuditEvent)
    response = admin.post(f"/admin/components/{api.id}/status", data={"status": "on_fire"})
    assert response.status_code == 400
    assert "Status: Not a valid choice." in text(response)
    assert api.status == "operational"
    assert count(AuditEvent) == events


def test_a_viewer_cannot_change_a_status(make_user, staff, make_component):
    viewer = staff(make_user("viewer"))
    api = make_component("API")
    response = viewer.post(f"/admin/components/{api.id}/status", data={"status": "major_outage"})
    assert response.status_code == 403
    assert api.status == "operational"


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(admin, make_component, text):
    api = make_component("API")
    events = count(AuditEvent)
    response = admin.client.post(f"/admin/components/{api.id}", data={"name": "Renamed"})
    assert response.status_code == 400
    assert "Nothing was changed" in text(response)
    response = admin.client.post("/admin/groups/new", data={"name": "Core"})
    assert response.status_code == 400
    assert api.name == "API"
    assert count(ComponentGroup) == 0
    assert count(AuditEvent) == events
