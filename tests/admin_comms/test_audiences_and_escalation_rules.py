"""Admins edit audiences (tone, approval, channels, cadence, limits) and the escalation
rules; bad input gets a clear message and changes nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from app.comms.cadence import cadence_minutes
from app.models import AuditEvent, EscalationRule
from core.db import db
from subscribers.audiences import get_audience


def audit_count(action: str) -> int:
    return db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == action))


def test_only_admins_see_and_open_the_audiences(staff, make_user, audiences, text):
    admin = staff(make_user("admin"))
    assert 'href="/admin/audiences"' in text(admin.get("/admin/"))
    page = text(admin.get("/admin/audiences"))
    for name in ("Customers", "Press", "Support", "Engineering", "Executives"):
        assert f"<strong>{name}</strong>" in page
    assert "critical 30 · major 60 · minor 120 · none 240" in page
    lead = staff(make_user("comms_lead"))
    assert 'href="/admin/audiences"' not in text(lead.get("/admin/"))
    assert lead.get("/admin/audiences").status_code == 403
    assert lead.get("/admin/escalation-rules").status_code == 403


def test_an_admin_edits_an_audience_and_the_change_is_audited(
    staff, make_user, audiences, fill, text
):
    client = staff(make_user("admin"))
    url = "/admin/audiences/support"
    data = fill(client, url)
    assert data["default_channels"] == "email"
    assert data["cadence_critical"] == "30"
    data.update(
        name="Support desk",
        tone="technical",
        needs_approval="y",
        default_channels=["email", "sms"],
        priority="15",
        cadence_critical="20",
        sms_max_segments="3",
        page_max_chars="900",
    )
    response = client.post(url, data=data)
    assert response.status_code == 302
    db.session.expire_all()
    support = get_audience("support")
    assert (support.name, support.tone, support.needs_approval) == (
        "Support desk",
        "technical",
        True,
    )
    assert support.default_channels == ["email", "sms"]
    assert support.priority == 15
    assert support.cadence == {"none": 240, "minor": 120, "major": 60, "critical": 20}
    assert (support.sms_max_segments, support.page_max_chars) == (3, 900)
    assert audit_count("audience.update") == 1
    assert "Saved the Support desk audience." in text(client.get("/admin/audiences"))


def test_the_customers_cadence_sets_when_the_next_update_is_due(
    staff, make_user, audiences, incident, fill
):
    client = staff(make_user("admin"))
    assert cadence_minutes(incident) == 60  # major impact
    url = "/admin/audiences/customers"
    client.post(url, data=fill(client, url, cadence_major="45"))
    db.session.expire_all()
    assert cadence_minutes(incident) == 45


def test_bad_audience_values_are_refused_with_clear_messages_and_change_nothing(
    staff, make_user, audiences, fill, text
):
    client = staff(make_user("admin"))
    url = "/admin/audiences/executives"
    cases = [
        ({"cadence_major": "0"}, "The update cadence for major impact (minutes) must be between 5"),
        ({"default_channels": None}, "Choose at least one default channel."),
        ({"name": " "}, "An audience needs a name."),
        ({"name": "x" * 81}, "An audience name can be at most 80 characters."),
        ({"sms_max_segments": "11"}, "The SMS limit (segments) must be between 1 and 10."),
        ({"page_max_chars": "20"}, "The page text limit (characters) must be between 100"),
        ({"priority": "soon"}, "Priority (lower is sent first): Not a valid integer value."),
    ]
    for changes, message in cases:
        response = client.post(url, data=fill(client, url, **changes))
        assert response.status_code == 400, changes
        assert message in text(response), changes
    response = client.post(
        "/admin/audiences/customers",
        data=fill(client, "/admin/audiences/customers", visibility="internal"),
    )
    assert response.status_code == 400
    assert "The customers audience is always public: the public page shows its text." in text(
        response
    )
    db.session.expire_all()
    assert get_audience("executives").cadence["major"] == 60
    assert get_audience("customers").visibility == "public"
    assert audit_count("audience.update") == 0


def test_an_unknown_audience_is_not_found(staff, make_user, audiences):
    assert staff(make_user("admin")).get("/admin/audiences/nobody").status_code == 404


def test_the_default_escalation_rules_are_listed_and_can_be_disabled(
    staff, make_user, audiences, fill, text
):
    client = staff(make_user("admin"))
    page = text(client.get("/admin/escalation-rules"))
    assert "Critical incidents" in page and "Anything touching a tier-1 service" in page
    assert "impact critical or worse" in page
    assert 'href="/admin/escalation-rules"' in text(client.get("/admin/audiences"))
    rule = db.session.scalar(
        select(EscalationRule).where(EscalationRule.name == "Critical incidents")
    )
    response = client.post(f"/admin/escalation-rules/{rule.id}/toggle")
    assert response.status_code == 302
    db.session.expire_all()
    assert rule.enabled is False
    client.post(f"/admin/escalation-rules/{rule.id}/toggle")
    db.session.expire_all()
    assert rule.enabled is True


def test_an_admin_adds_edits_and_deletes_an_escalation_rule(
    staff, make_user, audiences, fill, text
):
    client = staff(make_user("admin"))
    client.get("/admin/escalation-rules")  # the defaults exist
    data = fill(
        client,
        "/admin/escalation-rules",
        "/admin/escalation-rules",
        name="Major outages reach support",
        min_impact="major",
        audience_key="support",
    )
    response = client.post("/admin/escalation-rules", data=data)
    assert response.status_code == 302
    rule = db.session.scalar(select(EscalationRule).where(EscalationRule.audience_key == "support"))
    assert (rule.name, rule.min_impact, rule.tier, rule.enabled) == (
        "Major outages reach support",
        "major",
        None,
        True,
    )
    url = f"/admin/escalation-rules/{rule.id}"
    response = client.post(url, data=fill(client, url, min_impact="", tier="tier1"))
    assert response.status_code == 302
    db.session.expire_all()
    assert (rule.min_impact, rule.tier) == (None, "tier1")
    rule_id = rule.id
    response = client.post(f"{url}/delete")
    assert response.status_code == 302
    db.session.expunge_all()
    assert db.session.get(EscalationRule, rule_id) is None
    assert "Deleted the rule “Major outages reach support”." in text(
        client.get("/admin/escalation-rules")
    )


def test_a_rule_without_impact_or_tier_is_refused_and_nothing_is_added(
    staff, make_user, audiences, fill, text
):
    client = staff(make_user("admin"))
    client.get("/admin/escalation-rules")
    before = db.session.scalar(select(func.count(EscalationRule.id)))
    data = fill(client, "/admin/escalation-rules", "/admin/escalation-rules", name="Nothing")
    response = client.post("/admin/escalation-rules", data=data)
    assert response.status_code == 400
    assert "A rule needs an impact, a tier or both." in text(response)
    data.update(name="", min_impact="major")
    response = client.post("/admin/escalation-rules", data=data)
    assert response.status_code == 400
    assert "A rule needs a name." in text(response)
    data.update(name="x" * 121)
    response = client.post("/admin/escalation-rules", data=data)
    assert response.status_code == 400
    assert "A rule name can be at most 120 characters." in text(response)
    assert db.session.scalar(select(func.count(EscalationRule.id))) == before


def test_the_last_escalation_rule_cannot_be_deleted(staff, make_user, audiences, text):
    client = staff(make_user("admin"))
    client.get("/admin/escalation-rules")
    first, second = db.session.scalars(select(EscalationRule).order_by(EscalationRule.id))
    assert client.post(f"/admin/escalation-rules/{first.id}/delete").status_code == 302
    response = client.post(f"/admin/escalation-rules/{second.id}/delete")
    assert response.status_code == 400
    assert "This is the last escalation rule: disable it instead" in text(response)
    assert db.session.get(EscalationRule, second.id) is not None


def test_the_rule_form_offers_internal_audiences_only(staff, make_user, audiences, text):
    client = staff(make_user("admin"))
    page = client.get("/admin/escalation-rules").get_data(as_text=True)
    assert 'value="executives">Executives</option>' in page
    assert 'value="customers"' not in page and 'value="press"' not in page
    assert "Internal audiences only" in text(client.get("/admin/escalation-rules"))
