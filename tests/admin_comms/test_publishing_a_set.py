"""Publishing through the screens: one action, the customers text on the public page, the
engineering text on the internal page, a broadcast per audience that is notified, once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.models import IncidentUpdate, utcnow
from core.db import db
from subscribers.models import Broadcast
from tests.admin_comms.helpers import (
    CUSTOMERS_TEXT,
    ENGINEERING_TEXT,
    draft_of,
    publish,
    sheet_url,
)


def counts(incident) -> tuple[int, int]:
    db.session.expire_all()
    updates = db.session.scalar(
        select(func.count(IncidentUpdate.id)).where(IncidentUpdate.incident_id == incident.id)
    )
    broadcasts = db.session.scalar(
        select(func.count(Broadcast.id)).where(Broadcast.source.like("draft:%"))
    )
    return updates, broadcasts


def test_publishing_shows_the_customers_text_publicly_and_the_engineering_text_internally(
    ready, incident, client, staff, make_user, text
):
    lead_client, sheet = ready
    response = publish(lead_client, sheet)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(sheet_url(sheet))
    public = text(client.get(f"/incidents/{incident.public_id}"))
    assert CUSTOMERS_TEXT in public
    assert ENGINEERING_TEXT not in public
    # The internal page needs a signed-in user, and shows the engineering text.
    assert client.get(f"/internal/incidents/{incident.public_id}").status_code == 302
    internal = text(staff(make_user("viewer")).get(f"/internal/incidents/{incident.public_id}"))
    assert ENGINEERING_TEXT in internal
    update = db.session.scalar(
        select(IncidentUpdate).where(IncidentUpdate.incident_id == incident.id)
    )
    assert (update.body, update.internal_body) == (CUSTOMERS_TEXT, ENGINEERING_TEXT)


def test_each_audience_with_notify_on_gets_a_broadcast_and_none_goes_out_with_notify_off(
    ready, fill, text
):
    client, sheet = ready
    executives = draft_of(sheet, "executives")
    action = f"/admin/drafts/{executives.id}/notify"
    client.post(action, data=fill(client, sheet_url(sheet), action, notify=None))
    response = publish(client, sheet, follow_redirects=True)
    page = text(response)
    assert "Published the investigating update for customers, engineering, executives" in page
    assert "notifying customers, engineering." in page
    db.session.expire_all()
    by_audience = {
        d.audience_key: db.session.get(Broadcast, d.broadcast_id) if d.broadcast_id else None
        for d in sheet.drafts
    }
    assert by_audience["executives"] is None
    assert by_audience["customers"].audience.key == "customers"
    assert by_audience["engineering"].audience.key == "engineering"
    assert by_audience["customers"].subject == draft_of(sheet, "customers").email_subject
    # What went out, with a link to each broadcast's progress.
    went_out = page.split("What went out", 1)[1].split("</section>", 1)[0]
    for audience in ("customers", "engineering"):
        assert f'href="/admin/broadcasts/{by_audience[audience].id}"' in went_out
    executives_row = went_out.split("<td>Executives</td>", 1)[1].split("</tr>", 1)[0]
    assert "not notified" in executives_row
    assert "Publish to every audience" not in page


def test_publishing_twice_publishes_once(ready, incident, text):
    client, sheet = ready
    assert publish(client, sheet).status_code == 302
    assert counts(incident) == (1, 3)
    # A double click: the same form posted again.
    response = client.post(f"{sheet_url(sheet)}/publish", follow_redirects=True)
    assert response.status_code == 200
    assert "This update was already published; nothing was sent again." in text(response)
    assert counts(incident) == (1, 3)


def test_publishing_with_a_pending_approval_shows_why_and_changes_nothing(drafted, incident, text):
    client, sheet = drafted
    response = client.post(f"{sheet_url(sheet)}/publish")
    assert response.status_code == 400
    page = text(response)
    assert "Not ready to publish: customers: waiting for approval." in page
    assert 'id="draft-customers"' in page  # the set is shown again, as it was
    assert counts(incident) == (0, 0)
    db.session.expire_all()
    assert sheet.published_at is None
    assert {d.state for d in sheet.drafts} == {"pending"}
    assert incident.announced_at is None


def test_publishing_with_an_error_left_shows_why_and_changes_nothing(ready, fill, incident, text):
    client, sheet = ready
    action = f"/admin/drafts/{draft_of(sheet, 'engineering').id}/edit"
    text_with_two_errors = "It was human error. TODO. Next update within the hour."
    data = fill(client, sheet_url(sheet), action, page_text=text_with_two_errors)
    client.post(action, data=data)
    response = client.post(f"{sheet_url(sheet)}/publish")
    assert response.status_code == 400
    assert "engineering: 2 errors to fix" in text(response)
    assert counts(incident) == (0, 0)


def test_only_people_who_may_publish_see_and_use_the_publish_button(
    ready, staff, approver, incident, text
):
    _, sheet = ready
    reviewer = staff(approver)
    assert "Publish to every audience" not in text(reviewer.get(sheet_url(sheet)))
    assert reviewer.post(f"{sheet_url(sheet)}/publish").status_code == 403
    assert counts(incident) == (0, 0)


def test_a_published_set_can_no_longer_be_edited_or_discarded(ready, fill, text):
    client, sheet = ready
    publish(client, sheet)
    page = text(client.get(sheet_url(sheet)))
    assert "Save draft" not in page and "Discard</button>" not in page
    response = client.post(f"{sheet_url(sheet)}/discard")
    assert response.status_code == 400
    assert "A published update cannot be discarded." in text(response)
    incident_page = text(client.get(f"/admin/incidents/{sheet.incident_id}"))
    assert "published" in incident_page.split("Drafted updates", 1)[1]


def test_a_next_update_time_that_has_passed_since_drafting_stops_publishing(ready, incident, text):
    client, sheet = ready
    # Time passes: the promised next update is now behind us.
    sheet.next_update_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    response = client.post(f"{sheet_url(sheet)}/publish")
    assert response.status_code == 400
    page = text(response)
    assert "customers: 1 warning to fix or give a reason for" in page
    assert "The next-update time is in the past." in page
    assert counts(incident) == (0, 0)


def test_opening_the_publish_address_directly_leads_back_to_the_set_and_publishes_nothing(
    ready, incident
):
    client, sheet = ready
    response = client.get(f"{sheet_url(sheet)}/publish")
    assert (response.status_code, response.headers["Location"]) == (302, sheet_url(sheet))
    assert counts(incident) == (0, 0)
    assert sheet.published_at is None
