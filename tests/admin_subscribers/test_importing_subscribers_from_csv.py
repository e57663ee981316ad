"""Importing subscribers from CSV: a report per row, active at once with a notice, and a
check that changes nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from app.models import AuditEvent, Base
from core.db import db
from subscribers import csv_export, csv_io
from subscribers.models import Broadcast, Subscriber

HEADER = "channel,address,audience,components,team\n"


def row_counts() -> dict[str, int]:
    db.session.expire_all()
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in Base.metadata.sorted_tables
    }


def outcomes(report) -> list[tuple[int, str]]:
    return [(row.line, row.outcome) for row in report.rows]


def reason_of(report, line: int) -> str:
    return next(row.reason for row in report.rows if row.line == line)


def test_valid_rows_are_added_active_and_each_new_subscriber_gets_a_notice(
    app, make_component, make_team
):
    payments = make_component("Payments")
    make_component("Search")
    make_team("Payments team")
    text = HEADER + (
        "email,Alice@Example.com,executives,Payments,Payments team\n"
        "sms,(415) 555-2671,support,,\n"
        "webhook,https://hooks.example.com/herald,engineering,Payments;Search,\n"
    )

    report = csv_io.import_rows(text, dry_run=False)
    db.session.commit()

    assert outcomes(report) == [(2, "added"), (3, "added"), (4, "added")]
    assert report.ok and report.added == 3
    alice = db.session.scalar(select(Subscriber).where(Subscriber.channel == "email"))
    assert alice.address == "alice@example.com"  # normalised by add_internal
    assert alice.state == "active" and alice.source == "staff"
    assert alice.audience.key == "executives"
    assert [s.component_id for s in alice.selections] == [payments.id]
    phone = db.session.scalar(select(Subscriber).where(Subscriber.channel == "sms"))
    assert phone.address == "+14155552671" and phone.all_components
    notices = db.session.scalars(select(Broadcast).where(Broadcast.kind == "added_notice")).all()
    assert sorted(n.subscriber_id for n in notices) == sorted(
        db.session.scalars(select(Subscriber.id))
    )
    email_notice = next(n for n in notices if n.subscriber_id == alice.id)
    assert "[%unsubscribe_url%]" in email_notice.text_body
    assert "Executives" in email_notice.text_body


def test_a_row_for_a_known_address_updates_it_and_sends_no_second_notice(
    app, make_component, make_team, make_subscriber
):
    make_component("Payments")
    make_team("Platform")
    make_subscriber("bob@example.com", "executives", key_account=True)

    report = csv_io.import_rows(
        HEADER + "email,BOB@example.com,executives,Payments,Platform\n", dry_run=False
    )
    db.session.commit()

    assert outcomes(report) == [(2, "updated")]
    assert reason_of(report, 2) == "changed team, components"
    bob = db.session.scalar(select(Subscriber))
    assert not bob.all_components and bob.team_id is not None
    assert bob.key_account  # no key_account column: what the subscriber had is kept
    assert db.session.scalar(select(func.count(Broadcast.id))) == 0


def test_an_unchanged_row_says_so(app, make_subscriber):
    make_subscriber("carol@example.com", "support")
    report = csv_io.import_rows(HEADER + "email,carol@example.com,support,,\n", dry_run=False)
    assert outcomes(report) == [(2, "updated")]
    assert reason_of(report, 2) == "no change"


def test_bad_rows_are_rejected_with_the_reason_and_leave_nothing_behind(app, make_component):
    make_component("Payments")
    text = HEADER + (
        "email,not-an-email,executives,,\n"
        "sms,12345,executives,,\n"
        "webhook,http://hooks.example.com/x,engineering,,\n"
        "email,dan@example.com,board,,\n"
        "email,erin@example.com,executives,,Nobody\n"
        "email,fay@example.com,executives,Payments;Billing,\n"
        "fax,+14155552671,executives,,\n"
        "email,gus@example.com,executives,,\n"
    )

    report = csv_io.import_rows(text, dry_run=False)
    db.session.commit()

    assert [o for _, o in outcomes(report)] == ["rejected"] * 7 + ["added"]
    assert "email address is not valid" in reason_of(report, 2)
    assert "'12345' is not a valid phone number" in reason_of(report, 3)
    assert "must start with https://" in reason_of(report, 4)
    assert reason_of(report, 5) == "there is no audience called 'board'"
    assert reason_of(report, 6) == "there is no team called 'Nobody'"
    assert reason_of(report, 7) == "there is no component called 'Billing'"
    assert "channel 'fax' is not one of email, sms, webhook" in reason_of(report, 8)
    assert not report.ok
    assert list(db.session.scalars(select(Subscriber.address))) == ["gus@example.com"]


def test_every_problem_of_a_row_is_reported_at_once(app):
    report = csv_io.import_rows(HEADER + "email,nope,board,Ghost,Nobody\n", dry_run=False)
    reason = reason_of(report, 2)
    for part in ("not valid", "'board'", "'Ghost'", "'Nobody'"):
        assert part in reason


def test_the_same_address_twice_in_a_file_is_reported_as_a_duplicate(app):
    text = HEADER + (
        "email,hana@example.com,executives,,\n"
        "email,HANA@example.com,executives,,\n"
        "email,hana@example.com,support,,\n"
    )
    report = csv_io.import_rows(text, dry_run=False)
    assert outcomes(report) == [(2, "added"), (3, "rejected"), (4, "added")]
    assert reason_of(report, 3) == "duplicate of line 2 (same address and audience)"


def test_someone_who_unsubscribed_is_not_re_added(app, make_subscriber):
    make_subscriber("ivan@example.com", state="unsubscribed")
    report = csv_io.import_rows(HEADER + "email,ivan@example.com,executives,,\n", dry_run=False)
    assert outcomes(report) == [(2, "rejected")]
    assert "unsubscribed and cannot be re-added" in reason_of(report, 2)


def test_a_check_reports_the_same_outcomes_and_changes_nothing(
    app, make_component, make_subscriber
):
    make_component("Payments")
    make_subscriber("bob@example.com", "executives")
    text = HEADER + (
        "email,new@example.com,executives,Payments,\n"
        "email,bob@example.com,executives,Payments,\n"
        "email,broken,executives,,\n"
    )
    before = row_counts()

    report = csv_io.import_rows(text, dry_run=True)
    db.session.commit()

    assert outcomes(report) == [(2, "added"), (3, "updated"), (4, "rejected")]
    assert report.dry_run and "nothing was changed" in report.summary()
    assert row_counts() == before
    assert db.session.scalar(select(Subscriber).where(Subscriber.address == "bob@example.com"))


def test_a_real_import_is_recorded_in_the_audit_log_and_a_check_is_not(app, make_user):
    user = make_user("comms_lead")
    csv_io.import_rows(HEADER + "email,a@example.com,support,,\n", dry_run=True, actor=user)
    csv_io.import_rows(HEADER + "email,a@example.com,support,,\n", dry_run=False, actor=user)
    db.session.commit()
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "subscriber.import")
    ).all()
    assert [(e.actor, e.summary) for e in events] == [
        (user.email, "Imported subscribers: 1 added, 0 updated, 0 rejected")
    ]


def test_the_header_row_is_required_and_checked(app):
    report = csv_io.import_rows("email,a@example.com,support,,\n", dry_run=False)
    assert report.rows == [] and not report.ok
    assert "The first row must be the header" in report.errors[0]
    assert db.session.scalar(select(func.count(Subscriber.id))) == 0

    report = csv_io.import_rows("channel,address,audience\n", dry_run=False)
    assert "missing: components, team" in report.errors[0]
    assert csv_io.import_rows("", dry_run=False).errors == [
        "The file is empty; it needs a header row and some rows."
    ]


def test_a_utf8_bom_spaces_and_capitals_in_the_header_and_blank_lines_are_fine(app):
    data = (
        "\ufeffChannel, Address ,AUDIENCE,Components,Team,Notes\r\n"
        "\r\n"
        "email,a@example.com,Support,,,hi\r\n"
    )
    report = csv_io.import_rows(data.encode("utf-8"), dry_run=False)
    assert outcomes(report) == [(3, "added")]
    assert report.warnings == ["Ignored the columns notes."]


def test_a_file_that_is_not_utf8_is_refused_as_a_whole(app):
    report = csv_io.import_rows(
        (HEADER + "email,zoë@example.com,support,,\n").encode("latin-1"), False
    )
    assert report.rows == [] and "not UTF-8" in report.errors[0]


def test_a_row_with_too_many_fields_is_rejected(app):
    report = csv_io.import_rows(HEADER + "email,a@example.com,support,,,extra\n", dry_run=False)
    assert outcomes(report) == [(2, "rejected")]
    assert reason_of(report, 2) == "has 6 fields, the header has 5"


def test_component_group_names_choose_the_whole_group(app, make_component):
    make_component("Card API", group="Payments")
    report = csv_io.import_rows(HEADER + "email,a@example.com,support,payments,\n", False)
    assert outcomes(report) == [(2, "added")]
    subscriber = db.session.scalar(select(Subscriber))
    assert [(s.component_id, s.group_id is not None) for s in subscriber.selections] == [
        (None, True)
    ]


def test_an_export_has_the_import_columns_and_the_state(
    app, make_component, make_team, make_subscriber
):
    api = make_component("API")
    make_component("Card API", group="Payments")
    team = make_team("Platform")
    make_subscriber("b@example.com", "support", team_id=team.id, component_ids=[api.id], name="Bea")
    make_subscriber("+14155552671", "executives", channel="sms", state="quarantined")

    lines = csv_export.export_rows().splitlines()

    assert lines == [
        "channel,address,audience,components,team,key_account,name,state",
        "sms,+14155552671,executives,,,no,,quarantined",
        "email,b@example.com,support,API,Platform,no,Bea,active",
    ]
    assert csv_export.export_rows(["active"]).count("\n") == 2


def test_an_export_imports_again_unchanged(app, make_component, make_team, make_subscriber):
    api = make_component("API")
    make_component("Card API", group="Payments")
    team = make_team("Platform")
    make_subscriber(
        "a@example.com", "support", team_id=team.id, component_ids=[api.id], key_account=True
    )
    make_subscriber("https://hooks.example.com/h", "engineering", channel="webhook", name="CI")
    csv_io.import_rows(HEADER + "email,g@example.com,executives,Payments;API,\n", False)
    db.session.commit()
    exported = csv_export.export_rows()

    report = csv_io.import_rows(exported, dry_run=False)
    db.session.commit()

    assert [row.outcome for row in report.rows] == ["updated"] * 3
    assert {row.reason for row in report.rows} == {"no change"}
    assert csv_export.export_rows() == exported


def test_cells_a_spreadsheet_would_run_as_formulas_are_quoted_and_read_back(app, make_team):
    make_team("=cmd|calc")
    report = csv_io.import_rows(HEADER + "email,a@example.com,support,,'=cmd|calc\n", False)
    assert outcomes(report) == [(2, "added")]
    exported = csv_export.export_rows()
    assert ",'=cmd|calc," in exported
    again = csv_io.import_rows(exported, dry_run=True)
    assert [row.reason for row in again.rows] == ["no change"]


def test_an_import_does_not_release_a_quarantined_subscriber_but_says_so(app, make_subscriber):
    make_subscriber("q@example.com", "support", state="quarantined")
    report = csv_io.import_rows(HEADER + "email,q@example.com,support,,\n", dry_run=False)
    assert outcomes(report) == [(2, "updated")]
    assert reason_of(report, 2) == (
        "no change (still quarantined: made quarantined by the test; release it in the admin)"
    )
    assert db.session.scalar(select(Subscriber.state)) == "quarantined"
