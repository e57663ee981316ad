"""A sentence the lead removed from a draft stays removed in the next update's draft for
that audience, until the facts change it (app/comms/removed_sentences.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.comms.approval import approve
from app.comms.context import Facts
from app.comms.drafting import compose, edit_draft
from app.comms.publishing import publish
from app.comms.removed_sentences import removed, without
from app.incidents.services import declare_incident
from app.models import utcnow
from core.db import db

WORKAROUND = "**What you can do:** Retry the payment after a minute."


@pytest.fixture
def incident(make_component, audiences):
    api = make_component("Checkout API", tier="tier2")
    found = declare_incident(None, "Checkout errors", "major", {api: "partial_outage"})
    db.session.commit()
    return found


def facts(**changes) -> Facts:
    values = {
        "summary": "Some checkout payments fail with an error.",
        "workaround": "Retry the payment after a minute.",
        "next_update_at": utcnow() + timedelta(minutes=30),
    }
    values.update(changes)
    return Facts(**values)


def drafted(lead, incident, status: str, **changes) -> dict:
    sheet = compose(
        lead,
        incident,
        status=status,
        facts=facts(**changes),
        audiences=["customers", "support"],
    )
    db.session.commit()
    return {d.audience_key: d for d in sheet.drafts}


def test_a_removed_sentence_stays_out_of_later_drafts_until_the_facts_change_it(
    incident, make_user
):
    """Found by a persona tryout: the lead deleted the workaround from the customers'
    text; the next update, drafted from the same facts, brought it back."""
    lead, approver = make_user("comms_lead"), make_user("approver")
    first = drafted(lead, incident, "investigating")
    customers = first["customers"]
    assert WORKAROUND in customers.page_text
    edit_draft(lead, customers, page_text=customers.page_text.replace(WORKAROUND, ""))
    for draft in first.values():
        if draft.needs_approval:
            approve(approver, draft)
    publish(lead, customers.fact_sheet, notify={"customers": False, "support": False})
    db.session.commit()

    second = drafted(lead, incident, "identified")
    assert WORKAROUND not in second["customers"].page_text
    assert "We've found the cause" in second["customers"].page_text  # the rest is there
    assert "\n\n\n" not in second["customers"].page_text
    # Only where the lead removed it: the email and the support text keep it.
    assert "Retry the payment after a minute." in second["customers"].email_body
    assert "Retry the payment after a minute." in second["support"].page_text

    # Sticky: the set after that, from the same facts, leaves it out too.
    third = drafted(lead, incident, "identified")
    assert WORKAROUND not in third["customers"].page_text

    # New facts make a new sentence: it comes back.
    fourth = drafted(lead, incident, "identified", workaround="Pay by bank transfer.")
    assert "**What you can do:** Pay by bank transfer." in fourth["customers"].page_text


def test_a_sentence_changed_rather_than_removed_is_not_a_removal():
    rendered = "Payments fail. The problem started 35 min ago. Next update by 15:00 UTC."
    edited = "Payments fail. The problem started 2 h ago."
    assert removed(rendered, edited) == {"Next update by 15:00 UTC."}
    assert without("A.\n\nNext update by 15:00 UTC.\n\nB.", {"Next update by 15:00 UTC."}) == (
        "A.\n\nB."
    )
