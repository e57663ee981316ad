"""Everyone on the staff may look at subscribers, groups and broadcasts; only those who
manage subscribers may change them or take the whole list away as a file."""

from __future__ import annotations

import pytest

from app.auth.permissions import PERMISSIONS

EXPECTED = {
    "admin.subscribers": "view_admin",
    "admin.subscriber": "view_admin",
    "admin.saved_groups": "view_admin",
    "admin.recipients_preview": "view_admin",
    "admin.broadcasts": "view_admin",
    "admin.broadcast": "view_admin",
    "admin.broadcast_progress": "view_admin",
    "admin.new_subscriber": "manage_subscribers",
    "admin.release_subscriber": "manage_subscribers",
    "admin.import_subscribers": "manage_subscribers",
    "admin.export_subscribers": "manage_subscribers",
    "admin.new_saved_group": "manage_subscribers",
    "admin.edit_saved_group": "manage_subscribers",
    "admin.delete_saved_group": "manage_subscribers",
}


@pytest.mark.parametrize(("endpoint", "permission"), sorted(EXPECTED.items()))
def test_each_subscriber_screen_requires_its_permission(app, endpoint, permission):
    assert app.view_functions[endpoint].permission == permission


def test_comms_leads_manage_subscribers_and_responders_only_look():
    assert {"admin", "comms_lead"} == set(PERMISSIONS["manage_subscribers"])


def test_a_responder_sees_the_list_but_cannot_release_or_save(
    app, make_user, staff, make_subscriber
):
    hook = make_subscriber("q@example.com", state="quarantined")
    responder = staff(make_user("responder"))
    assert responder.get("/admin/subscribers").status_code == 200
    assert responder.post(f"/admin/subscribers/{hook.id}/release").status_code == 403
    assert responder.post("/admin/subscriber-groups/new", data={"name": "x"}).status_code == 403
    lead = staff(make_user("comms_lead"))
    assert lead.post(f"/admin/subscribers/{hook.id}/release").status_code == 302
