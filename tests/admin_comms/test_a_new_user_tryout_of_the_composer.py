"""Found by a new user trying the incident communications workflow: the composer forgot a
published impact, a resolved update kept telling the outage as happening, drafts with
errors were called ready, a rejection comment got a second full stop, and a private
page's audience was named by its key."""

from __future__ import annotations

from sqlalchemy import select

from app.comms.publishing import publish_set
from app.incidents.services import declare_incident
from app.pages import services as pages
from core.db import db
from subscribers.models import Broadcast
from tests.admin_comms.helpers import (
    CUSTOMERS_TEXT,
    draft_of,
    latest_sheet,
    publish,
    sheet_url,
)
from tests.forms import form_fields, page_text

IMPACT_HINT = "impact now; publishing applies the change."
PAST_TENSE_HINT = "Rewrite it in the past tense"


def approval_line(page: str, audience: str) -> str:
    """What a draft's card says about its approval."""
    card = page.split(f'id="draft-{audience}"', 1)[1]
    return card.split('<p class="approval', 1)[1].split("</p>", 1)[0]


def test_the_composer_starts_from_the_impact_the_last_update_published(
    staff, lead, components, compose, fill, text
):
    """A set written at minor and replaced by one at major, which was published: the next
    update started again at minor, said the impact changed and paced itself as minor."""
    incident = declare_incident(
        None,
        "Card payments failing",
        "minor",
        {components["api"]: "partial_outage"},
        body="",
        visibility="internal",
    )
    db.session.commit()
    client = staff(lead)
    assert compose(client, incident, impact="minor", audiences=["engineering"]).status_code == 302
    assert compose(client, incident, impact="major", audiences=["engineering"]).status_code == 302
    publish_set(lead, latest_sheet())
    db.session.commit()
    db.session.expire_all()
    assert incident.impact == "major"
    url = f"/admin/incidents/{incident.id}/compose"
    response = client.get(url)
    page = text(response)
    assert form_fields(response.get_data(as_text=True))["impact"] == "major"
    assert 'id="change-impact"' not in page
    assert "at major impact" in page and "at minor impact" not in page
    # The impact chosen is the present one: no hint that publishing changes it.
    assert IMPACT_HINT not in page
    # Resolving starts from the same impact.
    data = fill(client, url, status="resolved", show_changes="1")
    assert data["impact"] == "major"
    assert 'id="change-impact"' not in text(client.post(url, data=data))


def test_the_impact_hint_shows_only_when_the_chosen_impact_differs(
    staff, lead, incident, fill, text
):
    client = staff(lead)
    url = f"/admin/incidents/{incident.id}/compose"
    assert IMPACT_HINT not in text(client.get(url))
    data = fill(client, url, impact="critical", show_changes="1")
    page = text(client.post(url, data=data))
    assert f"The incident is major {IMPACT_HINT}" in page


def test_resolving_with_the_carried_impact_hints_at_the_past_tense_and_the_check_warns(
    ready, lead, incident, compose, fill, text
):
    client, sheet = ready
    publish_set(lead, sheet)
    db.session.commit()
    url = f"/admin/incidents/{incident.id}/compose"
    carried = fill(client, url, status="resolved", show_changes="1")
    assert carried["customer_impact"] == "About one in ten card payments fails."
    assert PAST_TENSE_HINT in text(client.post(url, data=carried))
    # Rewritten, or not resolving: no hint.
    rewritten = {**carried, "customer_impact": "About one in ten card payments failed."}
    assert PAST_TENSE_HINT not in text(client.post(url, data=rewritten))
    monitoring = {**carried, "status": "monitoring"}
    assert PAST_TENSE_HINT not in text(client.post(url, data=monitoring))
    # Drafted as carried, the resolved text still says the payments fail (the summary
    # and who was affected): a warning. "If anything still isn't working" is no outage.
    response = compose(
        client,
        incident,
        status="resolved",
        customer_impact=carried["customer_impact"],
        audiences=["customers"],
        next_update_at="",
        **{f"component-{link.component_id}": "operational" for link in incident.affected},
    )
    assert response.status_code == 302, page_text(response)
    customers = draft_of(latest_sheet(), "customers")
    found = [f for f in customers.findings if f["code"] == "contradiction"]
    assert found and all(f["severity"] == "warning" for f in found)
    words = {getattr(customers, f["field"])[f["start"] : f["end"]] for f in found}
    assert words == {"fail", "fails"}
    assert "Who was affected:** About one in ten card payments fails." in customers.email_body


def test_a_draft_with_errors_is_never_called_ready(staff, lead, incident, compose, text):
    client = staff(lead)
    response = compose(
        client,
        incident,
        summary="Card payments fail since [insert time].",
        audiences=["customers", "engineering", "executives"],
    )
    assert response.status_code == 302
    page = text(client.get(sheet_url(latest_sheet())))
    for audience in ("engineering", "executives"):
        line = approval_line(page, audience)
        assert "Fix the errors" in line and "block" in line, line
        assert "Ready" not in line
    # Approval comes after the fix: its line says so (found by a new user: it said
    # "Pending approval" while an error stood).
    customers = approval_line(page, "customers")
    assert "Fix the errors" in customers and "before an approver can approve it" in customers
    assert "Pending approval" not in customers


def test_a_rejection_comment_ending_in_a_full_stop_gets_one_full_stop(
    drafted, staff, approver, text
):
    client, sheet = drafted
    customers = draft_of(sheet, "customers")
    comment = "Mention the card terminals too, not only the REST API."
    reviewer = staff(approver)
    url = f"/admin/drafts/{customers.id}/reject"
    data = form_fields(reviewer.get(sheet_url(sheet)).get_data(as_text=True), url)
    response = reviewer.post(url, data={**data, "comment": comment})
    assert response.status_code == 302
    act = text(client.get(sheet_url(sheet))).split("Who has to act", 1)[1].split("<h3>", 1)[0]
    assert "must edit after the rejection: Mention the card terminals too" in act
    assert "REST API.</li>" in act and "API.." not in act
    told = db.session.scalars(select(Broadcast).where(Broadcast.kind == "draft_review")).all()
    assert told and all("API.." not in b.sms_body for b in told)
    assert any("REST API." in b.sms_body for b in told)


def test_a_private_page_audience_is_named_by_the_page_everywhere(
    staff, lead, approver, incident, components, compose, fill, text
):
    page = pages.create_page(
        None, slug="acme", name="Acme Corp", components=[components["api"].public_id]
    )
    db.session.commit()
    client = staff(lead)
    response = compose(client, incident, audiences=["customers", page.audience_key])
    assert response.status_code == 302, page_text(response)
    sheet = latest_sheet()
    for audience in ("customers", page.audience_key):
        action = f"/admin/drafts/{draft_of(sheet, audience).id}/edit"
        data = fill(client, sheet_url(sheet), action, page_text=CUSTOMERS_TEXT)
        assert client.post(action, data=data).status_code == 302
    reviewer = staff(approver)
    for audience in ("customers", page.audience_key):
        draft = draft_of(sheet, audience)
        action = f"/admin/drafts/{draft.id}/approve"
        data = form_fields(reviewer.get(sheet_url(sheet)).get_data(as_text=True), action)
        done = reviewer.post(action, data=data, follow_redirects=True)
        assert done.status_code == 200
        if audience == page.audience_key:
            assert "Approved the Acme Corp draft." in text(done)
    subjects = db.session.scalars(
        select(Broadcast.subject).where(Broadcast.kind == "draft_review")
    ).all()
    assert "Approved: the Acme Corp draft of Card payments failing" in subjects
    assert not any("page:acme" in s for s in subjects)
    drafted = text(client.get(f"/admin/incidents/{incident.id}"))
    table = drafted.split("Drafted updates", 1)[1].split("</table>", 1)[0]
    assert "customers, Acme Corp" in table and "page:acme" not in table
    assert publish(client, sheet).status_code == 302
    log = text(client.get(f"/admin/incidents/{incident.id}/communications"))
    assert "<td>Acme Corp</td>" in log and "page:acme" not in log
