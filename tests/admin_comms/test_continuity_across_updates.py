"""Continuity across updates: the next fact sheet starts from the last one, the composer
shows what changed since the last published update, and the incident page says which
action comes next."""

from __future__ import annotations

from sqlalchemy import func, select

from app.comms.approval import approve
from app.comms.publishing import publish_set
from app.models import FactSheet
from core.db import db
from tests.admin_comms.helpers import local_input, publish
from tests.forms import form_fields

FACT_VALUES = {
    "summary": "Some card payments fail.",
    "customer_impact": "About one in ten card payments fails.",
    "workaround": "Pay by bank transfer.",
    "technical_detail": "The card processor answers 502 to 9% of requests.",
}


def sheets() -> int:
    return db.session.scalar(select(func.count(FactSheet.id)))


def test_a_new_fact_sheet_starts_from_every_fact_of_the_last_one(
    staff, lead, incident, compose, fill
):
    client = staff(lead)
    eta = local_input(180)
    assert compose(client, incident, eta=eta).status_code == 302
    data = fill(client, f"/admin/incidents/{incident.id}/compose")
    assert {name: data[name] for name in FACT_VALUES} == FACT_VALUES
    assert data["eta"] == eta
    # The next update is a new promise: suggested from the cadence, not the old one.
    assert data["next_update_at"]


def test_a_discarded_set_is_not_where_the_next_one_starts(staff, lead, incident, compose, fill):
    client = staff(lead)
    compose(client, incident, summary="Card payments fail.")
    compose(client, incident, summary="A guess we threw away.")
    discarded = db.session.scalar(select(FactSheet).order_by(FactSheet.id.desc()))
    assert client.post(f"/admin/fact-sheets/{discarded.public_id}/discard").status_code == 302
    data = fill(client, f"/admin/incidents/{incident.id}/compose")
    assert data["summary"] == "Card payments fail."


def test_the_first_update_says_nothing_was_published_yet(staff, lead, incident, text):
    page = text(staff(lead).get(f"/admin/incidents/{incident.id}/compose"))
    assert "What changed since the last published update" in page
    assert "Nothing is published yet: this is the first update." in page


def test_the_composer_shows_field_by_field_what_changed_since_the_last_published_update(
    ready, lead, incident, components, fill, text
):
    client, sheet = ready
    publish_set(lead, sheet)
    db.session.commit()
    url = f"/admin/incidents/{incident.id}/compose"
    before = sheets()
    data = fill(
        client,
        url,
        status="identified",
        summary="Some card payments fail in the EU.",
        workaround="",
        **{f"component-{components['api'].id}": "major_outage"},
    )
    data["show_changes"] = "1"
    response = client.post(url, data=data)
    assert response.status_code == 200
    assert sheets() == before  # showing the changes writes nothing
    page = text(response)
    assert '<tr id="change-status"><th scope="row">Status</th>' in page
    assert "<del>Investigating</del></td><td><ins>Identified</ins>" in page
    # Texts are compared word by word: only the new words are marked.
    assert "Some card payments fail<ins> in the EU.</ins>" in page or (
        "Some card payments <del>fail.</del>" in page and "<ins>fail in the EU.</ins>" in page
    )
    assert 'id="change-workaround"' in page and "<ins>(empty)</ins>" in page
    assert f'id="change-component-{components["api"].id}"' in page
    assert "<del>Partial outage</del></td><td><ins>Major outage</ins>" in page
    # Unchanged facts are not listed; the page needs no script for any of it.
    assert 'id="change-customer_impact"' not in page
    assert 'id="change-technical_detail"' not in page
    assert "<script" not in page
    # The form keeps what was typed, ready to write the drafts.
    kept = form_fields(response.get_data(as_text=True))
    assert (kept["summary"], kept["status"]) == ("Some card payments fail in the EU.", "identified")


def test_the_set_page_shows_what_the_drafts_change_against_the_update_before(
    ready, lead, incident, compose, text
):
    client, sheet = ready
    publish_set(lead, sheet)
    db.session.commit()
    compose(client, incident, status="monitoring", summary="A fix is in place.")
    latest = db.session.scalar(select(FactSheet).order_by(FactSheet.id.desc()))
    page = text(client.get(f"/admin/fact-sheets/{latest.public_id}"))
    assert "<del>Investigating</del></td><td><ins>Monitoring</ins>" in page
    assert 'id="change-summary"' in page and 'id="change-workaround"' not in page


def test_the_incident_page_offers_one_primary_action_and_explains_the_others(
    staff, lead, incident, text
):
    page = text(staff(lead).get(f"/admin/incidents/{incident.id}"))
    assert (
        f'<a class="button primary" href="/admin/incidents/{incident.id}/compose">'
        "Write the next update</a>" in page
    )
    assert page.count('class="button primary"') + page.count('<button class="primary"') == 1
    assert 'id="quick-update-help"' in page and 'id="resolve-help"' in page


def test_a_replaced_set_says_so_and_offers_no_approval_or_publishing(
    staff, lead, approver, incident, compose, text
):
    """Found by a new user: a set replaced by a newer one read "Every draft is ready: …
    must discard it … the set", still offered Approve and Publish, and the composer gave
    no warning that writing a new set replaces the waiting one."""
    client = staff(lead)
    compose(client, incident, summary="Card payments fail.")
    older = db.session.scalar(select(FactSheet).order_by(FactSheet.id.desc()))
    page = text(client.get(f"/admin/incidents/{incident.id}/compose"))
    assert "Writing a new set replaces it" in page
    compose(client, incident, summary="Card payments fail in the EU.")
    newer = db.session.scalar(select(FactSheet).order_by(FactSheet.id.desc()))
    for who in (client, staff(approver)):
        page = text(who.get(f"/admin/fact-sheets/{older.public_id}"))
        assert "A newer set replaces these drafts" in page
        assert f"/admin/fact-sheets/{newer.public_id}" in page
        assert "Every draft is ready" not in page and "must discard" not in page
        assert ">Approve</button>" not in page and "Publish to every audience" not in page
        # Each draft says it too, not "Pending approval" (found by a later new user).
        assert "Pending approval" not in page and "Ready</strong>" not in page
        assert "<strong>Replaced</strong>: the newer set's draft" in page
    assert ">Approve</button>" in text(staff(approver).get(f"/admin/fact-sheets/{newer.public_id}"))


def test_once_the_newer_set_is_published_the_composer_names_no_waiting_set(
    staff, lead, approver, incident, compose, text
):
    """Found by a new user: after a replaced set's successor was published, the composer
    still said "A set of drafts for this incident is not published yet (open it)" and
    linked the replaced one."""
    client = staff(lead)
    compose(client, incident, summary="Card payments fail.")
    compose(client, incident, summary="Card payments fail in the EU.")
    newer = db.session.scalar(select(FactSheet).order_by(FactSheet.id.desc()))
    for draft in newer.drafts:
        if draft.needs_approval:
            approve(approver, draft)
    db.session.commit()
    assert publish(client, newer, follow_redirects=True).status_code == 200
    assert newer.published_at is not None
    page = text(client.get(f"/admin/incidents/{incident.id}/compose"))
    assert "is not published yet" not in page and 'id="replaces"' not in page
