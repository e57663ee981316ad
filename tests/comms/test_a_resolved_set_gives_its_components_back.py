"""Found by a new user: resolving through the composer kept its pre-filled "Major
outage", so the component stayed broken on every page under texts saying service was
back to normal. A resolved set gives its components back as operational: one that would
keep an outage is refused with its name; without components, it resolves them all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.comms.context import Facts
from app.comms.drafting import compose
from app.incidents.services import declare_incident
from core.db import db
from core.errors import ServiceError


@pytest.fixture
def incident(make_component, audiences):
    payouts = make_component("Payouts", tier="tier1")
    found = declare_incident(
        None, "Payouts late", "major", {payouts: "major_outage"}, visibility="internal"
    )
    db.session.commit()
    return found


def test_a_resolved_set_that_keeps_an_outage_is_refused(incident, make_user):
    payouts = incident.affected[0].component
    with pytest.raises(ServiceError, match=r"cannot leave Payouts \(major outage\)"):
        compose(
            make_user("comms_lead"),
            incident,
            status="resolved",
            facts=Facts(summary="Payouts are sent again."),
            audiences=["engineering"],
            components={payouts: "major_outage"},
        )


def test_a_resolved_set_without_components_resolves_them_all(incident, make_user):
    sheet = compose(
        make_user("comms_lead"),
        incident,
        status="resolved",
        facts=Facts(summary="Payouts are sent again."),
        audiences=["engineering"],
    )
    assert set(sheet.components.values()) == {"operational"}
    assert "Payouts: operational" in sheet.drafts[0].page_text


def test_a_resolved_set_promises_no_next_update(incident, make_user):
    """Found by a new user: resolving in the composer kept the next-update time it had
    suggested, and the set held a promise the incident would never keep."""
    promised = datetime.now(UTC) + timedelta(minutes=30)
    sheet = compose(
        make_user("comms_lead"),
        incident,
        status="resolved",
        facts=Facts(summary="Payouts are sent again.", next_update_at=promised),
        audiences=["engineering"],
    )
    assert sheet.next_update_at is None
    assert all("next update" not in d.page_text.lower() for d in sheet.drafts)
