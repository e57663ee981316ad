"""The admin's integrations: made with the credential shown once (with the Alertmanager
receiver, or a curl example that really signs a monitor request), rules as
"label=value" lines, a severity map as "severity=status" lines, minimum times, recent
alerts, and revocation after a confirmation. Bad input shows the form again with the
reason and changes nothing."""

from __future__ import annotations

import html
import re
import subprocess
import threading

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from app.models import Alert, AlertRule, Integration
from core.db import db
from tests.signals.alert_payloads import alertmanager, am_alert
from tests.signals.alert_setup import integration, post_alertmanager, shown
from tests.snapshot import snapshot


def page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def fresh(row):
    db.session.expire_all()
    return db.session.get(type(row), row.id)


@pytest.fixture
def admin(staff, make_user):
    return staff(make_user("admin"))


def test_an_alertmanager_integration_shows_its_token_once_and_the_token_works(
    admin, client, make_component
):
    make_component("Checkout")
    listing = admin.get("/admin/integrations")
    assert listing.status_code == 200
    assert 'href="/admin/integrations"' in page(listing)  # in the navigation

    made = admin.post("/admin/integrations", {"kind": "alertmanager", "name": "Prometheus"})
    assert made.status_code == 201, page(made)
    assert made.headers["Cache-Control"] == "no-store"
    body = page(made)
    token = re.search(r'id="new-credential-value">([^<]+)<', body).group(1)
    assert token.startswith("hrla_")
    assert "https://status.example.com/webhooks/alertmanager" in body
    assert "type: Bearer" in body and f"credentials: {token}" in body
    assert "Grafana" in body

    again = page(admin.get("/admin/integrations"))
    assert "Prometheus" in again and token not in again and "never" in again

    delivered = post_alertmanager(
        client, token, alertmanager(am_alert(herald_component="Checkout"))
    )
    assert delivered.status_code == 200, delivered.get_data(as_text=True)
    assert "never" not in page(admin.get("/admin/integrations")).split("<tbody>")[1]


@pytest.mark.parametrize(
    ("form", "reason", "status"),
    [
        ({"kind": "alertmanager", "name": ""}, "Name", 400),
        ({"kind": "pager", "name": "Pager"}, "Kind", 400),
        ({"kind": "monitor", "name": "x" * 121}, "Name", 400),
        ({"kind": "monitor", "name": "Prometheus"}, "already exists", 409),
    ],
)
def test_a_bad_new_integration_is_refused_and_changes_nothing(admin, form, reason, status):
    integration("alertmanager", "Prometheus")
    before = snapshot()
    answer = admin.post("/admin/integrations", form)
    assert answer.status_code == status
    assert reason in page(answer) and 'id="new-credential' not in page(answer)
    assert snapshot() == before


def test_a_monitor_integration_shows_a_curl_example_that_really_signs(app, admin):
    made = admin.post("/admin/integrations", {"kind": "monitor", "name": "Uptime"})
    assert made.status_code == 201
    body = page(made)
    secret = re.search(r'id="new-credential-value">([^<]+)<', body).group(1)
    script = re.search(r'<pre id="monitor-curl">(.*?)</pre>', body, re.S).group(1)
    assert secret.startswith("hrlm_") and f"SECRET='{secret}'" in script
    assert "https://status.example.com/webhooks/monitor" in script

    # Run the example as printed, against this app served on 127.0.0.1.
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        local = script.replace(
            "https://status.example.com", f"http://127.0.0.1:{server.server_port}"
        )
        ran = subprocess.run(
            ["bash", "-c", local], capture_output=True, text=True, timeout=30, check=False
        )
    finally:
        server.shutdown()
    assert ran.returncode == 0, ran.stderr
    assert '"accepted":1' in ran.stdout.replace(" ", ""), ran.stdout
    db.session.expire_all()
    [alert] = db.session.scalars(select(Alert)).all()
    assert (alert.fingerprint, alert.status, alert.firing) == (
        "checkout-probe",
        "major_outage",
        True,
    )


def test_rules_are_added_as_label_lines_and_deleted(admin, client, make_component):
    checkout = make_component("Checkout")
    made, token = integration("alertmanager", "Prometheus", min_firing_seconds=0)
    url = f"/admin/integrations/{made.id}"
    assert f'<option value="{checkout.id}">Checkout</option>' in page(admin.get(url))

    added = admin.post(
        f"{url}/rules",
        {"matchers": 'service=checkout\n\n team = "payments" ', "component_id": checkout.id},
    )
    assert added.status_code == 302, page(added)
    [rule] = db.session.scalars(select(AlertRule)).all()
    assert rule.matchers == {"service": "checkout", "team": "payments"}
    assert rule.component_id == checkout.id
    detail = page(admin.get(url))
    assert "service=checkout" in detail and "team=payments" in detail

    post_alertmanager(client, token, alertmanager(am_alert(service="checkout", team="payments")))
    assert shown(checkout) == "degraded_performance"

    other, _ = integration("alertmanager", "Grafana")
    assert admin.post(f"/admin/integrations/{other.id}/rules/{rule.id}/delete").status_code == 404
    gone = admin.post(f"{url}/rules/{rule.id}/delete")
    assert gone.status_code == 302
    assert db.session.scalars(select(AlertRule)).all() == []


@pytest.mark.parametrize(
    ("matchers", "component", "reason"),
    [
        ("service", None, "Line 1 is not label=value"),
        ("", None, "Give at least one label=value line"),
        ("  \n", None, "Give at least one label=value line"),
        ("=checkout", None, "Line 1 is not label=value"),
        ("service=checkout", 999_999, "Component: Not a valid choice"),
        ("service=checkout", "abc", "Component: Invalid Choice"),
    ],
)
def test_a_bad_rule_is_refused_and_changes_nothing(
    admin, make_component, matchers, component, reason
):
    checkout = make_component("Checkout")
    made, _ = integration()
    before = snapshot()
    answer = admin.post(
        f"/admin/integrations/{made.id}/rules",
        {"matchers": matchers, "component_id": checkout.id if component is None else component},
    )
    assert answer.status_code == 400
    assert reason in page(answer)
    assert snapshot() == before


def test_the_severity_map_and_minimum_times_are_edited(admin, client, make_component):
    api = make_component("API")
    made, token = integration("alertmanager", "Prometheus", min_firing_seconds=0)
    url = f"/admin/integrations/{made.id}"
    form = page(admin.get(url))
    assert "critical=major_outage" in form and "warning=degraded_performance" in form

    saved = admin.post(
        f"{url}/settings",
        {
            "severity_map": (
                "critical = Major outage\nwarning=partial_outage\n# note\npage=major_outage"
            ),
            "min_firing_seconds": "0",
            "min_clear_seconds": "300",
        },
    )
    assert saved.status_code == 302, page(saved)
    made = fresh(made)
    assert made.severity_map == {
        "critical": "major_outage",
        "warning": "partial_outage",
        "page": "major_outage",
    }
    assert (made.min_firing_seconds, made.min_clear_seconds) == (0, 300)

    post_alertmanager(
        client, token, alertmanager(am_alert(severity="warning", herald_component="API"))
    )
    assert shown(api) == "partial_outage"


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"severity_map": "critical=on fire"}, "'on fire' is not a status"),
        ({"severity_map": "critical"}, "Severity map, line 1"),
        ({"severity_map": ""}, "at least one line"),
        ({"min_firing_seconds": "-1"}, "Minimum firing time (seconds): Number must be"),
        ({"min_clear_seconds": "86401"}, "before it clears (seconds): Number must be"),
        ({"min_clear_seconds": "soon"}, "before it clears (seconds): Not a valid integer"),
    ],
)
def test_bad_settings_are_refused_and_change_nothing(admin, fields, reason):
    made, _ = integration()
    form = {
        "severity_map": "critical=major_outage",
        "min_firing_seconds": "10",
        "min_clear_seconds": "10",
        **fields,
    }
    answer = admin.post(f"/admin/integrations/{made.id}/settings", form)
    assert answer.status_code == 400
    assert reason in page(answer)
    made = fresh(made)
    assert made.severity_map == {
        "critical": "major_outage",
        "warning": "degraded_performance",
        "info": "operational",
    }
    assert (made.min_firing_seconds, made.min_clear_seconds) == (60, 60)


def test_recent_alerts_say_firing_or_resolved_counting_and_where(admin, client, make_component):
    make_component("Checkout")
    made, token = integration("alertmanager", "Prometheus", min_firing_seconds=0)
    post_alertmanager(
        client,
        token,
        alertmanager(
            am_alert("CheckoutDown", fingerprint="a1", herald_component="Checkout"),
            am_alert("DiskFull", fingerprint="a2", status="resolved"),
        ),
    )
    detail = page(admin.get(f"/admin/integrations/{made.id}"))
    rows = {
        name: re.search(rf'<tr id="alert-\d+">.*?{name}.*?</tr>', detail, re.S).group(0)
        for name in ("CheckoutDown", "DiskFull")
    }
    assert (
        "firing" in rows["CheckoutDown"] and "counts: Degraded performance" in rows["CheckoutDown"]
    )
    assert "Checkout<" in rows["CheckoutDown"].replace("</td>", "<")
    assert "resolved" in rows["DiskFull"] and "unmatched" in rows["DiskFull"]


def test_revoking_asks_first_then_refuses_the_token_and_gives_components_back(
    admin, client, make_component
):
    checkout = make_component("Checkout")
    made, token = integration("alertmanager", "Prometheus", min_firing_seconds=0)
    post_alertmanager(
        client, token, alertmanager(am_alert("CheckoutDown", herald_component="Checkout"))
    )
    assert shown(checkout) == "degraded_performance"

    before = snapshot()
    asked = page(admin.get(f"/admin/integrations/{made.id}/revoke"))
    assert "Revoke the integration “Prometheus”?" in asked and "CheckoutDown → Checkout" in asked
    assert admin.client.post(f"/admin/integrations/{made.id}/revoke").status_code == 400
    assert snapshot() == before and fresh(made).revoked_at is None

    revoked = admin.post(f"/admin/integrations/{made.id}/revoke")
    assert revoked.status_code == 302
    assert fresh(made).revoked_at is not None
    assert shown(checkout) == "operational"
    assert post_alertmanager(client, token, alertmanager(am_alert())).status_code == 401
    listed = page(admin.get("/admin/integrations"))
    assert "revoked" in listed
    again = admin.post(f"/admin/integrations/{made.id}/revoke", follow_redirects=True)
    assert "was already revoked" in page(again)
    assert db.session.scalar(select(Integration.name)) == "Prometheus"
