"""The communication log of an incident (page, Markdown and CSV exports) and the update
cadence shown on the dashboard and the incident list."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from app.models import utcnow
from app.status.entries import format_time
from app.timeutil import page_zone
from core.db import db
from subscribers.channels import channels_for
from subscribers.fanout import drain
from subscribers.models import Broadcast
from subscribers.outbox import expand_broadcast
from tests.admin_comms.helpers import draft_of, publish, sheet_url


@pytest.fixture
def published(app, ready, smtp_sink, make_subscriber, incident):
    """The set published, and its emails sent to the SMTP sink."""
    client, sheet = ready
    make_subscriber("second-customer@example.com", audience="customers")
    assert publish(client, sheet).status_code == 302
    app.config.update(EMAIL_BACKEND="smtp", SMTP_HOST=smtp_sink.host, SMTP_PORT=smtp_sink.port)
    for draft in sheet.drafts:
        expand_broadcast(draft.broadcast_id)
    drain(channels_for(app, "email")["email"])
    db.session.commit()
    assert len(smtp_sink.messages) == 4
    return client, sheet


def test_the_log_page_lists_every_message_with_its_counts_and_people(
    published, lead, approver, incident, text
):
    client, sheet = published
    db.session.expire_all()
    page = text(client.get(f"/admin/incidents/{incident.id}/communications"))
    assert "First public update" in page
    assert "after declaration" in page
    rows = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0].split("<tr>")[1:]
    assert len(rows) == 3
    customers = next(r for r in rows if "<td>customers</td>" in r)
    subject = draft_of(sheet, "customers").email_subject
    broadcast = db.session.get(Broadcast, draft_of(sheet, "customers").broadcast_id)
    assert f'<a href="/admin/broadcasts/{broadcast.id}">investigating: {subject}</a>' in customers
    assert '<td class="num">2</td>' in customers  # recipients
    assert "email: 2 / 0 / 0" in customers  # sent / delivered / failed
    assert "<td>lead@example.com</td><td>pr@example.com</td><td>lead@example.com</td>" in customers
    engineering = next(r for r in rows if "<td>engineering</td>" in r)
    assert "email: 1 / 0 / 0" in engineering
    assert "<td>lead@example.com</td><td>—</td><td>lead@example.com</td>" in engineering


def test_the_log_is_linked_from_the_incident_and_the_drafts(published, incident, text):
    client, sheet = published
    link = f'href="/admin/incidents/{incident.id}/communications"'
    assert link in text(client.get(f"/admin/incidents/{incident.id}"))
    assert link in text(client.get(sheet_url(sheet)))


def test_the_csv_export_has_a_row_per_message(published, incident):
    client, _ = published
    response = client.get(f"/admin/incidents/{incident.id}/communications.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="incident-{incident.public_id}-communications.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["audience"] for r in rows] == ["customers", "engineering", "executives"]
    customers = rows[0]
    assert (customers["kind"], customers["recipients"]) == ("update", "2")
    assert (customers["email_sent"], customers["email_failed"], customers["sms_sent"]) == (
        "2",
        "0",
        "0",
    )
    assert (customers["drafted_by"], customers["approved_by"], customers["published_by"]) == (
        "lead@example.com",
        "pr@example.com",
        "lead@example.com",
    )


def test_the_markdown_export_names_the_incident_and_each_message(published, incident):
    client, _ = published
    response = client.get(f"/admin/incidents/{incident.id}/communications.md")
    assert response.status_code == 200
    assert response.mimetype == "text/markdown"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="incident-{incident.public_id}-communications.md"'
    )
    body = response.get_data(as_text=True)
    assert body.startswith("# Communication log: Card payments failing\n")
    assert "after declaration)" in body
    table = [line for line in body.splitlines() if line.startswith("| ") and "update" in line]
    assert len(table) == 3
    assert " | update | customers | " in table[0] and " | 2 | 2 | 0 | 0 | " in table[0]


def test_an_incident_with_nothing_sent_says_so(staff, lead, incident, text):
    client = staff(lead)
    page = text(client.get(f"/admin/incidents/{incident.id}/communications"))
    assert "Nothing has gone out about this incident yet." in page
    assert "none yet" in page
    body = client.get(f"/admin/incidents/{incident.id}/communications.csv").get_data(as_text=True)
    assert body.splitlines()[0].startswith("time,kind,audience,summary,recipients")
    assert len(body.splitlines()) == 1


def test_the_next_update_time_shows_on_the_dashboard_and_becomes_overdue(published, incident, text):
    client, sheet = published
    db.session.expire_all()
    assert incident.next_update_due_at == sheet.next_update_at  # the promise sets the pace
    due = format_time(incident.next_update_due_at, page_zone())
    for url in ("/admin/", "/admin/incidents", f"/admin/incidents/{incident.id}"):
        page = text(client.get(url))
        assert due in page, url
        assert "overdue" not in page, url
    # Time passes: the promised update is now ten minutes late.
    incident.next_update_due_at = utcnow() - timedelta(minutes=10)
    db.session.commit()
    for url in ("/admin/", "/admin/incidents", f"/admin/incidents/{incident.id}"):
        page = text(client.get(url))
        assert '<span class="tag tag-overdue">overdue</span>' in page, url


def test_a_resolved_incident_shows_no_cadence(staff, lead, incident, text):
    from app.incidents.services import post_incident_update

    post_incident_update(None, incident, "resolved", "Fixed.", {})
    db.session.commit()
    assert incident.next_update_due_at is None
    page = text(staff(lead).get("/admin/incidents"))
    assert "overdue" not in page


def test_the_composer_paces_the_next_update_by_the_impact_the_set_says(
    staff, lead, incident, compose, text
):
    """Found by a persona tryout: the composer suggested the next update (and the
    reminder was set) from the incident's impact while the set raised it."""
    client = staff(lead)
    page = text(client.get(f"/admin/incidents/{incident.id}/compose"))
    assert "every 60 minutes at major impact" in page
    # Shown again (Show what changed) with the impact raised: the critical cadence.
    raised = text(
        client.post(
            f"/admin/incidents/{incident.id}/compose",
            data={"impact": "critical", "status": "identified", "show_changes": "1"},
        )
    )
    assert "every 30 minutes at critical impact" in raised
    response = compose(client, incident, impact="critical", next_update_at=None)
    assert response.status_code == 302, text(response)
    db.session.refresh(incident)
    assert incident.impact == "major"  # nothing is published yet
    assert incident.next_update_due_at == incident.started_at + timedelta(minutes=30)
    # The next composer starts from the set's impact and its cadence.
    assert "every 30 minutes at critical impact" in text(
        client.get(f"/admin/incidents/{incident.id}/compose")
    )
