"""Approval through the screens: approvers approve or reject with a comment, nobody
approves their own words, and editing an approved draft voids its approval."""

from __future__ import annotations

from tests.admin_comms.helpers import draft_of, latest_sheet, sheet_url


def test_an_approver_sees_the_review_buttons_and_the_author_does_not(
    drafted, staff, approver, text
):
    client, sheet = drafted
    lead_page = text(client.get(sheet_url(sheet)))
    assert "Approve</button>" not in lead_page
    assert "Robin Approver</strong> must approve or reject" in lead_page
    page = text(staff(approver).get(sheet_url(sheet)))
    card = page.split('id="draft-customers"', 1)[1].split("</section>", 1)[0]
    assert "Approve</button>" in card and "Reject with comment</button>" in card
    # Audiences that need no approval offer no review.
    engineering = page.split('id="draft-engineering"', 1)[1].split("</section>", 1)[0]
    assert "Approve</button>" not in engineering
    customers = draft_of(sheet, "customers")
    assert client.post(f"/admin/drafts/{customers.id}/approve").status_code == 403


def test_an_approver_approves_a_draft_and_the_page_says_by_whom(drafted, staff, approver, text):
    _, sheet = drafted
    reviewer = staff(approver)
    customers = draft_of(sheet, "customers")
    response = reviewer.post(f"/admin/drafts/{customers.id}/approve")
    assert response.status_code == 302
    customers = draft_of(sheet, "customers")
    assert customers.state == "approved"
    assert customers.approved_by_id == approver.id
    page = text(reviewer.get(sheet_url(sheet)))
    assert "Approved</strong> by Robin Approver" in page
    # Someone still has to act: the lead publishes.
    assert "Every draft is ready: <strong>Casey Lead</strong> must publish the set." in page
    assert "Nobody" not in page


def test_the_author_cannot_approve_their_own_draft_and_sees_why(
    staff, make_user, incident, compose, text
):
    admin = make_user("admin")  # an admin may approve, but not what they wrote
    client = staff(admin)
    compose(client, incident, audiences=["customers"])
    sheet = latest_sheet()
    customers = draft_of(sheet, "customers")
    response = client.post(f"/admin/drafts/{customers.id}/approve")
    assert response.status_code == 400
    assert "You wrote or edited this draft, so someone else has to approve it." in text(response)
    assert draft_of(sheet, "customers").state == "pending"


def test_whoever_edited_a_draft_cannot_approve_it_either(drafted, staff, make_user, fill, text):
    _, sheet = drafted
    editor = staff(make_user("admin"))
    customers = draft_of(sheet, "customers")
    action = f"/admin/drafts/{customers.id}/edit"
    data = fill(editor, sheet_url(sheet), action, page_text="We're sorry: card payments fail.")
    assert editor.post(action, data=data).status_code == 302
    response = editor.post(f"/admin/drafts/{customers.id}/approve")
    assert response.status_code == 400
    assert "someone else has to approve it" in text(response)


def test_editing_an_approved_draft_voids_its_approval_and_the_page_warns_before(
    drafted, staff, approver, fill, text
):
    client, sheet = drafted
    customers = draft_of(sheet, "customers")
    staff(approver).post(f"/admin/drafts/{customers.id}/approve")
    page = text(client.get(sheet_url(sheet)))
    assert "Saving a change voids the approval" in page
    action = f"/admin/drafts/{customers.id}/edit"
    data = fill(client, sheet_url(sheet), action, page_text="We're sorry: card payments fail.")
    response = client.post(action, data=data, follow_redirects=True)
    assert "Its approval was voided" in text(response)
    customers = draft_of(sheet, "customers")
    assert customers.state == "pending"
    assert customers.approved_by_id is None
    assert "Pending approval" in text(response)


def test_saving_an_approved_draft_unchanged_keeps_its_approval(drafted, staff, approver, fill):
    client, sheet = drafted
    customers = draft_of(sheet, "customers")
    staff(approver).post(f"/admin/drafts/{customers.id}/approve")
    action = f"/admin/drafts/{customers.id}/edit"
    assert client.post(action, data=fill(client, sheet_url(sheet), action)).status_code == 302
    assert draft_of(sheet, "customers").state == "approved"


def test_rejecting_needs_a_comment_and_shows_it_to_the_author(drafted, staff, approver, text):
    client, sheet = drafted
    reviewer = staff(approver)
    customers = draft_of(sheet, "customers")
    action = f"/admin/drafts/{customers.id}/reject"
    response = reviewer.post(action, data={"comment": "  "})
    assert response.status_code == 400
    assert "a rejection needs a comment" in text(response)
    assert draft_of(sheet, "customers").state == "pending"
    response = reviewer.post(action, data={"comment": "Say when the fix lands."})
    assert response.status_code == 302
    customers = draft_of(sheet, "customers")
    assert customers.state == "rejected" and customers.review_comment == "Say when the fix lands."
    page = text(client.get(sheet_url(sheet)))
    assert "Rejected</strong> by Robin Approver" in page
    assert "“Say when the fix lands.”" in page
    assert "edit after the rejection: Say when the fix lands." in page


def test_a_draft_with_an_error_cannot_be_approved(drafted, staff, approver, fill, text):
    client, sheet = drafted
    customers = draft_of(sheet, "customers")
    action = f"/admin/drafts/{customers.id}/edit"
    data = fill(client, sheet_url(sheet), action, page_text="We're sorry. It was human error.")
    client.post(action, data=data)
    response = staff(approver).post(f"/admin/drafts/{customers.id}/approve")
    assert response.status_code == 400
    assert "This draft has 1 error to fix before it can be approved." in text(response)
    assert draft_of(sheet, "customers").state == "pending"
    # Found by a new user: its card said "Pending approval" and offered Approve.
    page = text(staff(approver).get(sheet_url(sheet)))
    card = page.split('id="draft-customers"', 1)[1].split("</section>", 1)[0]
    assert "Fix the errors" in card and "Pending approval" not in card
    assert "Approve</button>" not in card and "Reject with comment</button>" in card
    # A refused publish names fixing as the next step, not approval.
    refused = text(client.post(f"{sheet_url(sheet)}/publish"))
    assert "customers: 1 error to fix" in refused
    assert "customers: waiting for approval" not in refused


def test_the_approve_form_carries_the_revision_the_approver_reads(drafted, staff, approver, fill):
    from app.comms.approval import revision

    _, sheet = drafted
    customers = draft_of(sheet, "customers")
    action = f"/admin/drafts/{customers.id}/approve"
    reviewer = staff(approver)
    data = fill(reviewer, sheet_url(sheet), action)
    assert data["revision"] == revision(customers)
    assert reviewer.post(action, data=data).status_code == 302
    assert draft_of(sheet, "customers").state == "approved"


def test_a_draft_edited_after_the_approver_opened_it_is_not_approved(
    drafted, staff, approver, fill, text
):
    client, sheet = drafted
    reviewer = staff(approver)
    customers = draft_of(sheet, "customers")
    approve = f"/admin/drafts/{customers.id}/approve"
    seen = fill(reviewer, sheet_url(sheet), approve)  # the approver opens the page
    # Meanwhile the author changes the text.
    edit = f"/admin/drafts/{customers.id}/edit"
    data = fill(client, sheet_url(sheet), edit, page_text="We're sorry: all payments fail.")
    assert client.post(edit, data=data).status_code == 302
    response = reviewer.post(approve, data=seen)
    assert response.status_code == 409
    assert "This draft changed since you opened it; review it again." in text(response)
    customers = draft_of(sheet, "customers")
    assert customers.state == "pending" and customers.approved_by_id is None
    # Read again, approved: the form now carries the new revision.
    again = fill(reviewer, sheet_url(sheet), approve)
    assert again["revision"] != seen["revision"]
    assert reviewer.post(approve, data=again).status_code == 302
    assert draft_of(sheet, "customers").state == "approved"
