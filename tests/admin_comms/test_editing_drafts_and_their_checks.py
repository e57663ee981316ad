"""The draft set page: editing drafts, previews, findings with their place in the text,
overriding warnings with a reason, the notify switch, discarding."""

from __future__ import annotations

from sqlalchemy import select

from app.models import AuditEvent
from core.db import db
from tests.admin_comms.helpers import draft_of, sheet_url

BLAMING = (
    "We're sorry: card payments fail for some customers. "
    "The outage was caused by an engineer who deployed on Friday."
)


def edit(client, sheet, audience, fill, **texts):
    draft = draft_of(sheet, audience)
    action = f"/admin/drafts/{draft.id}/edit"
    return client.post(action, data=fill(client, sheet_url(sheet), action, **texts))


def test_editing_a_draft_saves_the_texts_and_runs_the_checks_again(drafted, fill, text):
    client, sheet = drafted
    assert draft_of(sheet, "customers").findings == []
    response = edit(client, sheet, "customers", fill, page_text=BLAMING)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{sheet_url(sheet)}#draft-customers")
    draft = draft_of(sheet, "customers")
    assert draft.page_text == BLAMING
    blame = [f for f in draft.findings if f["code"] == "blame"]
    assert len(blame) == 1 and blame[0]["severity"] == "error"
    assert BLAMING[blame[0]["start"] : blame[0]["end"]] == "caused by an engineer"
    # The other fields were sent unchanged and stay as they were.
    assert draft.email_subject == "Investigating: Card payments failing"


def test_the_page_shows_a_blame_error_as_blocking_with_the_offending_words_in_context(
    drafted, fill, text
):
    client, sheet = drafted
    edit(client, sheet, "customers", fill, page_text=BLAMING)
    page = text(client.get(sheet_url(sheet)))
    card = page.split('id="draft-customers"', 1)[1].split("<h3>Previews", 1)[0]
    assert "Error · blocks publishing" in card
    assert "Blame in the page text" in card
    assert "The outage was <mark>caused by an engineer</mark> who deployed on Friday." in card
    assert "Errors cannot be overridden: change the text." in card
    assert "fix 1 error" in page  # who has to act: the author


def test_a_text_that_is_too_long_is_refused_and_the_typed_text_is_kept(drafted, fill, text):
    client, sheet = drafted
    before = draft_of(sheet, "engineering").page_text
    response = edit(client, sheet, "engineering", fill, page_text="Too long. " * 2_001)
    assert response.status_code == 400
    page = text(response)
    assert "The page text can be at most 20000 characters." in page
    assert "Too long. Too long." in page
    assert draft_of(sheet, "engineering").page_text == before


def test_the_previews_render_the_page_markdown_the_email_and_the_sms_with_its_segments(
    drafted, fill, text
):
    client, sheet = drafted
    edit(
        client,
        sheet,
        "executives",
        fill,
        page_text="Payments are **partly down**.",
        email_subject="Payments partly down",
        email_body="Revenue at risk: *10%* of card payments.",
        sms_text="Payments partly down ’ " + "x" * 100,
    )
    page = text(client.get(sheet_url(sheet)))
    card = page.split('id="draft-executives"', 1)[1].split("<h3>Edit", 1)[0]
    assert "Payments are <strong>partly down</strong>." in card
    assert "<strong>Subject:</strong> Payments partly down" in card
    assert "Revenue at risk: <em>10%</em> of card payments." in card
    # A curly apostrophe is outside GSM-7: the SMS goes as UCS-2, 67 characters a part.
    assert "123 characters · 2 segments (UCS-2) · this audience allows 2." in card


def test_a_long_sms_over_the_audience_limit_is_an_error(drafted, fill, text):
    client, sheet = drafted
    edit(client, sheet, "customers", fill, sms_text="We are sorry. " + "Payments fail. " * 30)
    draft = draft_of(sheet, "customers")
    assert [f["code"] for f in draft.findings] == ["sms_too_long"]
    page = text(client.get(sheet_url(sheet)))
    assert "4 segments (GSM-7) · this audience allows 2." in page
    assert "The SMS takes 4 segments; this audience allows 2." in page


def test_overriding_a_warning_records_the_reason_and_who_gave_it(drafted, fill, text, lead):
    client, sheet = drafted
    edit(
        client,
        sheet,
        "customers",
        fill,
        page_text="We're sorry: payments fail because of a DNS problem. "
        "Next update within the hour.",
    )
    draft = draft_of(sheet, "customers")
    (warning,) = draft.findings
    assert (warning["code"], warning["severity"]) == ("jargon", "warning")
    key = f"jargon:page_text:{warning['start']}"
    page = text(client.get(sheet_url(sheet)))
    assert "because of a <mark>DNS</mark> problem." in page
    action = f"/admin/drafts/{draft.id}/override"
    data = fill(client, sheet_url(sheet), action, reason="Our customers are engineers.")
    assert data["key"] == key
    response = client.post(action, data=data)
    assert response.status_code == 302
    draft = draft_of(sheet, "customers")
    assert draft.overrides[key]["reason"] == "Our customers are engineers."
    assert draft.overrides[key]["by"] == lead.email
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "draft.override"))
    assert "Our customers are engineers." in event.summary
    page = text(client.get(sheet_url(sheet)))
    assert "Warning · overridden" in page
    assert "Overridden by lead@example.com: “Our customers are engineers.”" in page


def test_an_override_needs_a_reason_and_an_error_cannot_be_overridden(drafted, fill, text):
    client, sheet = drafted
    edit(client, sheet, "customers", fill, page_text=BLAMING + " Maybe DNS.")
    draft = draft_of(sheet, "customers")
    action = f"/admin/drafts/{draft.id}/override"
    jargon = next(f for f in draft.findings if f["code"] == "jargon")
    response = client.post(
        action, data={"key": f"jargon:page_text:{jargon['start']}", "reason": ""}
    )
    assert response.status_code == 400
    assert "Give a reason for publishing despite the warning." in text(response)
    blame = next(f for f in draft.findings if f["code"] == "blame")
    response = client.post(
        action, data={"key": f"blame:page_text:{blame['start']}", "reason": "It is true."}
    )
    assert response.status_code == 400
    assert "Errors cannot be overridden: change the text." in text(response)
    assert draft_of(sheet, "customers").overrides == {}


def test_the_notify_switch_is_saved_per_audience(drafted, fill, text):
    client, sheet = drafted
    draft = draft_of(sheet, "executives")
    action = f"/admin/drafts/{draft.id}/notify"
    data = fill(client, sheet_url(sheet), action, notify=None)  # untick the box
    response = client.post(action, data=data)
    assert response.status_code == 302
    assert draft_of(sheet, "executives").notify is False
    assert draft_of(sheet, "customers").notify is True
    assert "Publishing will not notify the executives subscribers." in text(
        client.get(sheet_url(sheet))
    )
    client.post(action, data=fill(client, sheet_url(sheet), action, notify="on"))
    assert draft_of(sheet, "executives").notify is True


def test_discarding_a_set_keeps_it_unpublished_and_read_only(drafted, fill, text):
    client, sheet = drafted
    response = client.post(f"{sheet_url(sheet)}/discard")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/incidents/{sheet.incident_id}")
    db.session.expire_all()
    assert {d.state for d in sheet.drafts} == {"discarded"}
    assert sheet.published_at is None
    page = text(client.get(sheet_url(sheet)))
    assert "These drafts were discarded; nothing was published." in page
    assert "Save draft" not in page and "Publish to every audience" not in page
    draft = draft_of(sheet, "customers")
    response = client.post(f"/admin/drafts/{draft.id}/edit", data={"page_text": "Again."})
    assert response.status_code == 409
    assert "This draft is discarded; it can no longer be edited." in text(response)
    assert "discarded" in text(client.get(f"/admin/incidents/{sheet.incident_id}"))


def test_people_who_only_view_see_the_drafts_but_no_forms(drafted, staff, make_user, text):
    _, sheet = drafted
    viewer = staff(make_user("viewer"))
    page = text(viewer.get(sheet_url(sheet)))
    assert 'id="draft-customers"' in page
    assert "Save draft" not in page and "Publish to every audience" not in page
    assert "Approve</button>" not in page
    draft = draft_of(sheet, "customers")
    assert viewer.post(f"/admin/drafts/{draft.id}/edit", data={"page_text": "x"}).status_code == (
        403
    )


def test_a_finding_in_several_channels_is_shown_once_with_its_channels(drafted, fill, text):
    client, sheet = drafted
    edit(client, sheet, "customers", fill, page_text=BLAMING, email_body=BLAMING)
    assert len([f for f in draft_of(sheet, "customers").findings if f["code"] == "blame"]) == 2
    page = text(client.get(sheet_url(sheet)))
    card = page.split('id="draft-customers"', 1)[1].split("<h3>Previews", 1)[0]
    assert card.count("Error · blocks publishing") == 1
    assert "(page text, email)" in card
    assert "fix 1 error" in page  # not 2: one blaming sentence, in two channels
