"""What staff see of signals: a status set by hand over an alert's claim says so (the
flash, the dashboard, the internal page) and how to hand it back; claims name their
sender; a vendor's times read like Herald's; a revoked integration offers no forms."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from app.models import AlertRule, VendorSource
from app.signals.integrations import revoke_integration
from core.db import db
from tests.signals.alert_payloads import alertmanager, am_alert
from tests.signals.alert_setup import integration, post_alertmanager, shown
from tests.snapshot import snapshot


def page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def admin(staff, make_user):
    return staff(make_user("admin"))


def test_a_status_set_by_hand_over_an_alert_says_so_and_how_to_hand_it_back(
    admin, client, make_component
):
    checkout = make_component("Checkout")
    _, token = integration("alertmanager", "Prometheus", min_firing_seconds=0)
    fired = post_alertmanager(
        client, token, alertmanager(am_alert(severity="critical", herald_component="Checkout"))
    )
    assert fired.status_code == 200
    assert shown(checkout) == "major_outage"

    answer = admin.post(f"/admin/components/{checkout.id}/status", {"status": "operational"})
    assert answer.status_code == 302
    dashboard = page(admin.get("/admin/"))
    assert (
        "Checkout is now operational, set by hand over Alert: HighErrorRate (major outage); "
        "it stays so until you press Follow signals again on the component's page."
    ) in re.sub(r"<[^>]+>", "", dashboard)
    assert f'href="/admin/components/{checkout.id}#signals"' in dashboard
    assert "Set by hand; signals say major outage." in dashboard
    assert shown(checkout) == "operational"

    internal = re.sub(r"\s+", " ", page(admin.get("/internal")))
    held = internal.index("Set by hand; signals say major outage.")
    assert internal.index("Checkout") < held < internal.index("Alert: HighErrorRate")

    component = page(admin.get(f"/admin/components/{checkout.id}"))
    assert "Alert HighErrorRate from Prometheus" in component
    assert "alert:" not in component

    # Handing back from the dashboard's button follows the alert again, and stays on the
    # dashboard (found by a new user: it went to the component's page).
    dashboard = page(admin.get("/admin/"))
    assert '<input type="hidden" name="back" value="dashboard">' in dashboard
    followed = admin.post(f"/admin/components/{checkout.id}/follow-signals", {"back": "dashboard"})
    assert followed.status_code == 302
    assert followed.headers["Location"].endswith("/admin/")
    assert shown(checkout) == "major_outage"
    assert "Set by hand" not in page(admin.get("/internal"))


def test_a_status_set_with_no_signal_claiming_says_only_what_it_is(admin, make_component):
    api = make_component("API")
    admin.post(f"/admin/components/{api.id}/status", {"status": "partial_outage"})
    text = re.sub(r"<[^>]+>", "", page(admin.get("/admin/")))
    assert "API is now partial outage." in text and "set by hand" not in text


def test_a_vendor_time_is_shown_like_other_times(admin, make_component):
    make_component("Payments")
    source = VendorSource(
        name="Acme",
        url="https://status.acme.example/api/v2/summary.json",
        kind="statuspage",
        component_map={},
        snapshot={
            "components": [{"name": "Card Authorisation", "status": "major_outage"}],
            "incidents": [
                {
                    "name": "Card errors",
                    "status": "investigating",
                    "impact": "major",
                    "updated_at": "2026-12-07T09:29:00.000Z",
                    "link": "",
                }
            ],
        },
    )
    db.session.add(source)
    db.session.commit()
    body = page(admin.get(f"/admin/vendor-sources/{source.id}"))
    assert "2026-12-07T09:29" not in body
    assert "updated 7 Dec 2026, 09:29 UTC" in body


def test_a_revoked_integration_offers_no_forms_and_refuses_old_ones(admin, make_component):
    checkout = make_component("Checkout")
    made, _ = integration("alertmanager", "Prometheus")
    active = page(admin.get(f"/admin/integrations/{made.id}"))
    assert "Add rule" in active and "Severities and timing" in active and "Revoke…" in active
    assert '<button class="primary" type="submit">Save</button>' in active
    assert '<a class="button danger"' in active

    revoke_integration(None, made)
    db.session.commit()
    revoked = page(admin.get(f"/admin/integrations/{made.id}"))
    assert "This integration is revoked" in revoked
    assert "Add rule" not in revoked and "Severities and timing" not in revoked
    assert "Revoke…" not in revoked

    before = snapshot()
    refused = admin.post(
        f"/admin/integrations/{made.id}/rules",
        {"matchers": "service=checkout", "component_id": checkout.id},
    )
    assert refused.status_code == 409 and "can no longer be changed" in page(refused)
    settings = admin.post(
        f"/admin/integrations/{made.id}/settings",
        {"severity_map": "critical=major_outage", "min_firing_seconds": 0, "min_clear_seconds": 0},
    )
    assert settings.status_code == 409
    assert snapshot() == before
    assert db.session.scalars(select(AlertRule)).all() == []
