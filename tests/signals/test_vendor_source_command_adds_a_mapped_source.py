"""``herald add-vendor-source NAME URL --map "Vendor=Herald"``."""

from __future__ import annotations

from sqlalchemy import select

from app.models import VendorSource
from core.db import db


def test_the_command_adds_a_source_with_its_mapping(runner, make_component):
    payments = make_component("Payments")
    result = runner.invoke(
        args=[
            "add-vendor-source",
            "Acme Payments",
            "https://status.acmepay.example/api/v2/summary.json",
            "--map",
            "Card Authorisation=payments",
            "--map",
            f"Payouts = {payments.id}",
            "--poll-seconds",
            "90",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Added vendor source Acme Payments (statuspage)" in result.output
    assert "Card Authorisation → Payments" in result.output
    db.session.expire_all()
    source = db.session.scalar(select(VendorSource))
    assert source.component_map == {"Card Authorisation": payments.id, "Payouts": payments.id}
    assert (source.kind, source.poll_seconds, source.poll_state) == ("statuspage", 90, "new")


def test_a_feed_maps_the_whole_vendor(runner, make_component):
    make_component("File storage")
    result = runner.invoke(
        args=[
            "add-vendor-source",
            "Nimbus",
            "https://status.nimbus.example/history.rss",
            "--kind",
            "feed",
            "--map",
            "*=File storage",
        ]
    )
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(VendorSource.kind)) == "feed"


def test_bad_input_is_an_error_and_adds_nothing(runner, make_component):
    make_component("Payments")
    for args in (
        ["Acme", "ftp://x.example"],
        ["Acme", "https://x.example", "--map", "Card=Nowhere"],
        ["Acme", "https://x.example", "--map", "no equals sign"],
        ["Acme", "https://x.example", "--poll-seconds", "10"],
        ["Acme", "https://x.example", "--kind", "feed", "--map", "Card=Payments"],
    ):
        result = runner.invoke(args=["add-vendor-source", *args])
        assert result.exit_code != 0, args
        assert "Error" in result.output, result.output
    assert db.session.scalar(select(VendorSource)) is None


def test_the_command_prints_the_admin_page_and_the_api_id_each_labelled(
    runner, make_component, make_user, staff
):
    make_component("Payments")
    result = runner.invoke(
        args=[
            "add-vendor-source",
            "Acme Payments",
            "https://status.acmepay.example/api/v2/summary.json",
            "--map",
            "Card Authorisation=Payments",
        ]
    )
    assert result.exit_code == 0, result.output
    source = db.session.scalar(select(VendorSource))
    admin_url = f"https://status.example.com/admin/vendor-sources/{source.id}"
    assert f"Admin page: {admin_url}" in result.output
    assert f"API id:     {source.public_id}" in result.output

    admin = staff(make_user("admin"))
    shown = admin.get(admin_url.removeprefix("https://status.example.com"))
    assert shown.status_code == 200 and "Acme Payments" in shown.get_data(as_text=True)
    # The admin's pages take the number only: the API id is not an admin address.
    assert admin.get(f"/admin/vendor-sources/{source.public_id}").status_code == 404
