"""``herald import-subscribers FILE [--check]`` and ``herald export-subscribers [FILE]``."""

from __future__ import annotations

from sqlalchemy import func, select

from core.db import db
from subscribers.default_audiences import DEFAULT_AUDIENCES
from subscribers.models import Audience, Broadcast, Subscriber

HEADER = "channel,address,audience,components,team\n"


def write(tmp_path, text: str, name: str = "people.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def subscriber_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Subscriber.id)))


def test_importing_a_good_file_prints_each_row_and_a_summary_and_exits_0(app, runner, tmp_path):
    path = write(
        tmp_path, HEADER + "email,a@example.com,support,,\nsms,+14155552671,executives,,\n"
    )

    result = runner.invoke(args=["import-subscribers", path])

    assert result.exit_code == 0, result.output
    assert "line 2: added email a@example.com support" in result.output
    assert "line 3: added sms +14155552671 executives" in result.output
    assert "2 rows: 2 were added, 0 were updated, 0 were rejected." in result.output
    assert subscriber_count() == 2
    assert db.session.scalar(select(func.count(Broadcast.id))) == 2  # the notices


def test_a_rejected_row_makes_the_exit_code_1_and_the_good_rows_are_still_imported(
    app, runner, tmp_path
):
    path = write(tmp_path, HEADER + "email,a@example.com,support,,\nemail,nope,support,,\n")

    result = runner.invoke(args=["import-subscribers", path])

    assert result.exit_code == 1
    assert "line 3: rejected email nope support: That email address is not valid" in (result.output)
    assert "1 were added, 0 were updated, 1 were rejected" in result.output
    assert subscriber_count() == 1


def test_check_reports_without_changing_anything(app, runner, tmp_path):
    path = write(tmp_path, HEADER + "email,a@example.com,support,,\nemail,nope,support,,\n")

    result = runner.invoke(args=["import-subscribers", path, "--check"])

    assert result.exit_code == 1
    assert "line 2: added" in result.output and "line 3: rejected" in result.output
    assert "Checked only: nothing was changed." in result.output
    assert subscriber_count() == 0
    # Only the audiences every database has: the check created none.
    assert db.session.scalar(select(func.count(Audience.id))) == len(DEFAULT_AUDIENCES)
    assert db.session.scalar(select(func.count(Broadcast.id))) == 0

    clean = write(tmp_path, HEADER + "email,a@example.com,support,,\n", "clean.csv")
    assert runner.invoke(args=["import-subscribers", "--check", clean]).exit_code == 0
    assert subscriber_count() == 0


def test_a_file_without_the_header_exits_2_and_imports_nothing(app, runner, tmp_path):
    path = write(tmp_path, "email,a@example.com,support,,\n")

    result = runner.invoke(args=["import-subscribers", path])

    assert result.exit_code == 2
    assert "The first row must be the header channel,address,audience,components,team" in (
        result.output
    )
    assert subscriber_count() == 0


def test_a_missing_file_is_a_usage_error(app, runner, tmp_path):
    result = runner.invoke(args=["import-subscribers", str(tmp_path / "nope.csv")])
    assert result.exit_code == 2
    assert "No such file or directory" in result.output


def test_the_file_can_come_from_standard_input(app, runner):
    result = runner.invoke(
        args=["import-subscribers", "-"], input=HEADER + "email,a@example.com,support,,\n"
    )
    assert result.exit_code == 0, result.output
    assert subscriber_count() == 1


def test_export_writes_csv_to_standard_output(app, runner, make_subscriber):
    make_subscriber("a@example.com", "support")
    make_subscriber("q@example.com", "support", state="quarantined")

    result = runner.invoke(args=["export-subscribers"])

    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "channel,address,audience,components,team,key_account,name,state",
        "email,a@example.com,support,,,no,,active",
        "email,q@example.com,support,,,no,,quarantined",
    ]
    only = runner.invoke(args=["export-subscribers", "--state", "quarantined"]).output
    assert "q@example.com" in only and "a@example.com" not in only


def test_an_export_to_a_file_imports_again_with_nothing_to_change(
    app, runner, tmp_path, make_component, make_subscriber
):
    api = make_component("API")
    make_subscriber("a@example.com", "support", component_ids=[api.id], key_account=True)
    make_subscriber("+14155552671", "executives", channel="sms")
    path = str(tmp_path / "export.csv")

    result = runner.invoke(args=["export-subscribers", path])
    assert result.exit_code == 0, result.output
    assert "Wrote 2 subscribers" in result.output

    again = runner.invoke(args=["import-subscribers", path])
    assert again.exit_code == 0, again.output
    assert again.output.count(": updated ") == 2
    assert again.output.count(": no change") == 2
    assert subscriber_count() == 2
