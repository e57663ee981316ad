"""Service credits (app/reports/credits.py): availability per month from the uptime
roll-up, breaches and tiers, customers tied to components, the admin page and CSV, the
API, SLA editing with its checks, and the resolved customers text offering the credit."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.comms.context import Facts
from app.comms.drafting import compose
from app.incidents.services import declare_incident
from app.models import Component, utcnow
from app.reports.credits import credit_for, credits_report, parse_month
from app.reports.sla_terms import check_sla, parse_tier_lines
from app.status.components import create_component
from core.db import db
from core.errors import ServiceError
from subscribers.models import Subscriber
from tests.api.helpers import error_of
from tests.reports.history import BORN, at, outage, update

TIERS = [{"below": 99.9, "credit": 10}, {"below": 99.0, "credit": 25}]
SEPTEMBER = 30 * 24 * 3600


@pytest.fixture
def credits_world(app, audiences, make_subscriber):
    payments = create_component(
        None, "Payments", at=BORN, sla_percent=99.9, credit_tiers=TIERS, group_id=None
    )
    ledger = create_component(None, "Ledger", at=BORN, sla_percent=99.9, credit_tiers=TIERS)
    search = create_component(None, "Search", at=BORN, sla_percent=99.0)
    create_component(None, "Docs", at=BORN)  # no SLA: not in the report
    outage(payments, "major_outage", at(9, 10, 10), 60)  # 1 h down
    outage(ledger, "major_outage", at(9, 12, 1), 8 * 60)  # 8 h down
    outage(search, "partial_outage", at(9, 14, 1), 100)  # 100 min at 30 %
    db.session.commit()
    make_subscriber("acme@example.com", components=[payments], name="Acme", key_account=True)
    make_subscriber("ledgers@example.com", components=[ledger, payments])
    make_subscriber("everything@example.com")  # every component: owed for each
    for subscriber in db.session.scalars(select(Subscriber)):
        subscriber.created_at = BORN  # customers long before the months reported
    db.session.commit()
    return {"payments": payments, "ledger": ledger, "search": search}


def test_a_month_with_breaches_owes_the_tier_that_applies(credits_world):
    report = credits_report(date(2025, 9, 1))
    rows = {r.component.name: r for r in report.rows}
    assert list(rows) == ["Payments", "Ledger", "Search"]
    payments, ledger, search = rows["Payments"], rows["Ledger"], rows["Search"]
    assert payments.availability == pytest.approx(100 * (1 - 3600 / SEPTEMBER))  # 99.861
    assert payments.breach and payments.credit == 10
    assert ledger.availability == pytest.approx(100 * (1 - 8 * 3600 / SEPTEMBER))  # 98.889
    assert ledger.breach and ledger.credit == 25
    # A partial outage counts at the page's weight (0.3): 30 min of 43,200 → 99.93 %.
    assert search.availability == pytest.approx(100 * (1 - 0.3 * 6000 / SEPTEMBER))
    assert not search.breach and search.credit is None


def test_a_month_without_breaches_owes_nothing(credits_world):
    report = credits_report(date(2025, 8, 1))
    assert [r.availability for r in report.rows] == [100.0, 100.0, 100.0]
    assert report.breaches == [] and report.by_customer() == []


def test_the_weights_of_the_page_apply(credits_world, app):
    app.config["UPTIME_WEIGHTS"] = {**app.config["UPTIME_WEIGHTS"], "partial_outage": 1.0}
    search = {r.component.name: r for r in credits_report(date(2025, 9, 1)).rows}["Search"]
    assert search.availability == pytest.approx(100 * (1 - 6000 / SEPTEMBER))


def test_customers_are_the_subscribers_whose_selection_names_the_component(credits_world):
    """A customer subscribed to every component is owed for every breached one."""
    report = credits_report(date(2025, 9, 1))
    rows = {r.component.name: r for r in report.rows}
    assert [c.address for c in rows["Payments"].customers] == [
        "acme@example.com",
        "everything@example.com",
        "ledgers@example.com",
    ]
    assert [c.address for c in rows["Ledger"].customers] == [
        "everything@example.com",
        "ledgers@example.com",
    ]
    per_customer = {
        c.address: [(r.component.name, r.credit) for r in rs] for c, rs in report.by_customer()
    }
    assert per_customer == {
        "acme@example.com": [("Payments", 10)],
        "everything@example.com": [("Payments", 10), ("Ledger", 25)],
        "ledgers@example.com": [("Payments", 10), ("Ledger", 25)],
    }


def test_staff_subscribed_to_everything_are_not_customers(credits_world, make_subscriber):
    make_subscriber("oncall@example.com", audience="engineering")
    rows = {r.component.name: r for r in credits_report(date(2025, 9, 1)).rows}
    assert "oncall@example.com" not in [c.address for c in rows["Payments"].customers]


def test_the_page_names_the_month_it_reports(credits_world, make_user, staff):
    client = staff(make_user("viewer"))
    page = client.get("/admin/credits?month=2025-08").get_data(as_text=True)
    assert "breached its SLA in August 2025." in page
    assert "this month" not in page


def test_a_group_selection_ties_its_components(app, audiences, make_subscriber, make_component):
    card = make_component("Card", group="Money", sla_percent=99.5)
    make_subscriber("group@example.com", components=[])
    from subscribers.models import Subscriber, Subscription

    subscriber = db.session.query(Subscriber).filter_by(address="group@example.com").one()
    subscriber.all_components = False
    db.session.add(Subscription(subscriber_id=subscriber.id, group_id=card.group_id))
    db.session.commit()
    report = credits_report(utcnow().date().replace(day=1))
    assert [c.address for c in report.rows[0].customers] == ["group@example.com"]


@pytest.mark.parametrize(
    ("availability", "credit"), [(99.95, None), (99.9, None), (99.5, 10), (99.0, 10), (98.9, 25)]
)
def test_the_largest_tier_below_which_the_availability_falls_applies(availability, credit):
    assert credit_for(TIERS, availability) == credit


@pytest.mark.parametrize(
    ("sla", "tiers", "field"),
    [
        (0, [], "sla_percent"),
        (100.5, [], "sla_percent"),
        ("lots", [], "sla_percent"),
        (99.9, [{"below": 99.95, "credit": 10}], "credit_tiers"),  # above the SLA
        (99.9, [{"below": 99, "credit": 101}], "credit_tiers"),
        (99.9, [{"below": 99, "credit": -1}], "credit_tiers"),
        (99.9, [{"below": 0, "credit": 5}], "credit_tiers"),
        (99.9, [{"below": 99, "credit": 5}, {"below": 99, "credit": 9}], "credit_tiers"),
        (99.9, [{"below": 99}], "credit_tiers"),
        (None, [{"below": 99, "credit": 5}], "credit_tiers"),
    ],
)
def test_bad_slas_and_tiers_are_refused(sla, tiers, field):
    with pytest.raises(ServiceError) as raised:
        check_sla(sla, tiers)
    assert raised.value.field == field


def test_good_tiers_are_sorted_from_the_highest_below():
    assert check_sla(100, [{"below": 99, "credit": 25}, {"below": 100, "credit": 5}]) == (
        100.0,
        [{"below": 100.0, "credit": 5.0}, {"below": 99.0, "credit": 25.0}],
    )
    assert parse_tier_lines("99.9=10\n\n 99 % = 25 ") == TIERS
    with pytest.raises(ServiceError):
        parse_tier_lines("below 99.9 give 10")


@pytest.mark.parametrize("month", ["2025-13", "2025-9", "September", "2099-01"])
def test_bad_or_future_months_are_refused(month):
    with pytest.raises(ServiceError):
        parse_month(month, date(2025, 12, 7))


def test_the_default_month_is_last_month():
    assert parse_month(None, date(2025, 1, 7)) == date(2024, 12, 1)


def test_staff_set_the_sla_and_tiers_on_the_component_form(app, make_user, staff):
    component = create_component(None, "Payments")
    db.session.commit()
    client = staff(make_user("admin"))
    url = f"/admin/components/{component.id}"
    form = {
        "name": "Payments",
        "group_id": "0",
        "team_id": "0",
        "visibility": "public",
        "tier": "tier2",
        "showcase": "y",
    }
    refused = client.post(url, data={**form, "sla_percent": "99.9", "credit_tiers": "99.95=10"})
    assert refused.status_code == 400
    assert "at most the SLA" in refused.get_data(as_text=True)
    db.session.refresh(component)
    assert component.sla_percent is None and component.credit_tiers == []
    saved = client.post(url, data={**form, "sla_percent": "99.9", "credit_tiers": "99=25\n99.9=10"})
    assert saved.status_code == 302
    db.session.refresh(component)
    assert component.sla_percent == 99.9 and component.credit_tiers == TIERS
    page = client.get(url).get_data(as_text=True)
    assert 'value="99.9"' in page and "99.9=10\n99=25" in page


def test_the_component_api_sets_the_sla_for_admins_only(app, make_user, api):
    component = create_component(None, "Payments")
    db.session.commit()
    url = f"/api/v1/components/{component.public_id}"
    body = {"sla_percent": 99.9, "credit_tiers": TIERS}
    error_of(api(make_user("responder")).patch(url, json=body), 403)
    admin = api(make_user("admin"))
    error = error_of(admin.patch(url, json={"sla_percent": 99.9, "credit_tiers": "99=5"}), 400)
    assert error["field"] == "credit_tiers"
    error_of(admin.patch(url, json={"sla_percent": 120}), 400)
    error_of(admin.patch(url, json={}), 400)
    response = admin.patch(url, json=body)
    assert response.status_code == 200
    assert response.get_json()["sla_percent"] == 99.9
    assert response.get_json()["credit_tiers"] == TIERS
    # The status alone still works for responders.
    assert (
        api(make_user("responder")).patch(url, json={"status": "degraded_performance"}).status_code
        == 200
    )


def test_the_admin_page_and_csv(credits_world, make_user, staff):
    client = staff(make_user("viewer"))
    page = client.get("/admin/credits?month=2025-09").get_data(as_text=True)
    assert "Breached" in page and "Met" in page
    assert "Acme &lt;acme@example.com&gt;" in page and "key account" in page
    assert "Payments: 10%; Ledger: 25%" in page
    assert client.get("/admin/credits?month=2025-9").status_code == 400
    response = client.get("/admin/credits.csv?month=2025-09")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [
        (r["component"], r["breach"], r["credit_percent"], r["customer_kind"], r["customer"])
        for r in rows
    ] == [
        ("Payments", "yes", "10", "subscriber", "acme@example.com"),
        ("Payments", "yes", "10", "subscriber", "everything@example.com"),
        ("Payments", "yes", "10", "subscriber", "ledgers@example.com"),
        ("Ledger", "yes", "25", "subscriber", "everything@example.com"),
        ("Ledger", "yes", "25", "subscriber", "ledgers@example.com"),
        ("Search", "no", "", "subscriber", "everything@example.com"),
    ]
    assert list(rows[0])[:6] == [
        "component",
        "month",
        "availability_percent",
        "sla_percent",
        "breach",
        "credit_percent",
    ]
    assert rows[0]["month"] == "2025-09" and rows[0]["sla_percent"] == "99.9"


def test_the_api_answers_a_month_and_refuses_a_bad_one(credits_world, make_user, api):
    client = api(make_user("viewer"))
    body = client.get("/api/v1/service-credits?month=2025-09").get_json()
    assert body["month"] == "2025-09"
    assert [(c["name"], c["breach"], c["credit_percent"]) for c in body["components"]] == [
        ("Payments", True, 10),
        ("Ledger", True, 25),
        ("Search", False, None),
    ]
    assert {c["address"] for c in body["customers"]} == {
        "acme@example.com",
        "everything@example.com",
        "ledgers@example.com",
    }
    quiet = client.get("/api/v1/service-credits?month=2025-08").get_json()
    assert not any(c["breach"] for c in quiet["components"])
    for month in ("2025-13", "last", "2099-01"):
        assert (
            error_of(client.get(f"/api/v1/service-credits?month={month}"), 400)["field"] == "month"
        )


def test_the_resolved_customers_text_offers_the_credit_of_a_breach(app, audiences):
    now = utcnow()
    card = create_component(
        None, "Card payments", at=now - timedelta(days=40), sla_percent=99.9, credit_tiers=TIERS
    )
    calm = create_component(None, "Docs", at=now - timedelta(days=40), sla_percent=99.9)
    incident = declare_incident(
        None,
        "Card payments failing",
        "major",
        {card: "major_outage"},
        body="Card payments fail.",
        # 8 hours: over 1 % of any month so far, so the 25 % tier applies.
        started_at=now - timedelta(hours=8, minutes=10),
        deliver_notifications=False,
        reviewed=True,
    )
    update(incident, "resolved", now - timedelta(minutes=10))
    db.session.commit()
    facts = Facts(summary="A faulty release stopped card payments.")
    sheet = compose(None, incident, status="resolved", facts=facts, audiences=["customers"])
    customers = sheet.drafts[0]
    month = now.strftime("%B %Y")
    assert f"Card payments fell below the availability we promise for {month}" in (
        customers.page_text
    )
    assert "service credit of 25% of that month's fee" in customers.page_text
    assert "**Service credit:**" in customers.email_body

    # An incident on a component that kept its SLA offers nothing.
    other = declare_incident(
        None,
        "Docs slow",
        "minor",
        {calm: "degraded_performance"},
        body="Docs are slow.",
        started_at=now - timedelta(minutes=30),
        deliver_notifications=False,
        reviewed=True,
    )
    update(other, "resolved", now - timedelta(minutes=5))
    sheet = compose(None, other, status="resolved", facts=facts, audiences=["customers"])
    assert "credit" not in sheet.drafts[0].page_text
    assert db.session.get(Component, calm.id).sla_percent == 99.9


def test_nobody_is_owed_for_a_month_that_ended_before_they_subscribed(
    credits_world, make_subscriber
):
    late = make_subscriber("kunde.de@example.com")
    late.created_at = BORN.replace(year=2025, month=10, day=7)  # after September
    db.session.commit()
    september = credits_report(date(2025, 9, 1))
    assert "kunde.de@example.com" not in [c.address for c, _ in september.by_customer()]
    october = credits_report(date(2025, 10, 1))
    rows = {r.component.name: r for r in october.rows}
    assert "kunde.de@example.com" in [c.address for c in rows["Payments"].customers]


def test_a_private_page_is_a_customer_owed_for_the_components_it_shows(
    credits_world, make_user, staff
):
    from app.pages import services, viewers

    page = services.create_page(
        None,
        slug="acme",
        name="Acme Corp",
        components=[credits_world["ledger"].public_id, credits_world["search"].public_id],
    )
    viewers.invite_viewer(None, page, "ops@acme.example")
    page.created_at = BORN
    later = services.create_page(
        None, slug="globex", name="Globex", components=[credits_world["ledger"].public_id]
    )
    db.session.commit()
    assert later.created_at > BORN.replace(year=2025, month=10)  # made after September
    report = credits_report(date(2025, 9, 1))
    per_customer = {
        c.label: [(r.component.name, r.credit) for r in rs] for c, rs in report.by_customer()
    }
    assert per_customer["Acme Corp"] == [("Ledger", 25)]
    assert not any("Globex" in label for label in per_customer)
    client = staff(make_user("viewer"))
    html = client.get("/admin/credits?month=2025-09").get_data(as_text=True)
    assert '<span class="hint viewers">Viewers: ops@acme.example</span>' in html
    assert "do not exist yet" not in html
    assert 'href="/admin/pages/acme"' in html
    body = client.get("/admin/credits.csv?month=2025-09").get_data(as_text=True)
    assert "Ledger,2025-09,98.8889,99.9,yes,25,private_page,Acme Corp" in body.splitlines()


def test_each_csv_cell_holds_one_customer_and_is_guarded_alone(
    credits_world, make_subscriber, make_user, staff
):
    """A phone number is a customer, not a formula; a page's name is quoted as text only
    where it would run as one; viewers are never joined into one cell."""
    from app.pages import services, viewers

    phone = make_subscriber("+14155550142", channel="sms", components=[credits_world["ledger"]])
    phone.created_at = BORN
    page = services.create_page(
        None, slug="ops", name="@Ops Crew", components=[credits_world["ledger"].public_id]
    )
    for address in ("scan@acme.example", "jane.doe@acme.example"):
        viewers.invite_viewer(None, page, address)
    page.created_at = BORN
    db.session.commit()
    client = staff(make_user("viewer"))
    text = client.get("/admin/credits.csv?month=2025-09").get_data(as_text=True)
    ledger = [r for r in csv.DictReader(io.StringIO(text)) if r["component"] == "Ledger"]
    assert [(r["customer_kind"], r["customer"]) for r in ledger] == [
        ("subscriber", "+14155550142"),
        ("subscriber", "everything@example.com"),
        ("subscriber", "ledgers@example.com"),
        ("private_page", "'@Ops Crew"),
    ]
    assert "acme.example" not in text  # the page is one customer, by its name


def test_the_api_lists_customers_as_structures(credits_world, make_user, api):
    from app.pages import services, viewers

    page = services.create_page(
        None, slug="acme", name="Acme Corp", components=[credits_world["ledger"].public_id]
    )
    for address in ("ops@acme.example", "jane.doe@acme.example"):
        viewers.invite_viewer(None, page, address)
    page.created_at = BORN
    db.session.commit()
    body = api(make_user("viewer")).get("/api/v1/service-credits?month=2025-09").get_json()
    ledger = next(c for c in body["components"] if c["name"] == "Ledger")
    acme = {
        "kind": "private_page",
        "page": "acme",
        "name": "Acme Corp",
        "viewers": ["jane.doe@acme.example", "ops@acme.example"],
    }
    assert ledger["customers"][-1] == acme
    assert ledger["customers"][0] == {
        "kind": "subscriber",
        "address": "everything@example.com",
        "name": "",
        "channel": "email",
        "audience": "customers",
        "key_account": False,
    }
    owed = next(c for c in body["customers"] if c.get("page") == "acme")
    assert owed == {
        **acme,
        "credits": [{"id": ledger["id"], "name": "Ledger", "credit_percent": 25}],
    }
    # The OpenAPI document describes both kinds, field for field.
    document = api(make_user("viewer")).get("/api/v1/openapi.json").get_json()
    schema = document["components"]["schemas"]["ServiceCredits"]["properties"]
    kinds = {
        s["properties"]["kind"]["const"]: set(s["properties"])
        for s in schema["components"]["items"]["properties"]["customers"]["items"]["oneOf"]
    }
    assert {c["kind"]: set(c) for c in ledger["customers"]} == kinds
