"""The ``herald`` command: create-user, seed-demo, tick, rebuild-uptime, and the real
console script's behaviour on a bad setting."""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from app.maintenance.services import schedule_maintenance
from app.models import (
    AuditEvent,
    Component,
    ComponentDependency,
    ComponentGroup,
    DailyUptime,
    Incident,
    Maintenance,
    Team,
    User,
    utcnow,
)
from app.status.components import set_component_status
from core.db import db
from core.vocab import ROLES

HERALD = Path(__file__).resolve().parents[1] / ".venv" / "bin" / "herald"
PASSWORD = "a long enough secret"


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def herald(runner, *args, **kwargs):
    result = runner.invoke(args=list(args), **kwargs)
    db.session.expire_all()
    return result


# create-user ------------------------------------------------------------------------


def test_create_user_creates_a_staff_user_who_can_sign_in(runner):
    result = herald(
        runner,
        *("create-user", "Casey@Example.com", "--role", "comms_lead"),
        *("--password", PASSWORD, "--name", "Casey Comms"),
    )
    assert result.exit_code == 0, result.output
    assert "Created casey@example.com (comms_lead)." in result.output
    user = db.session.scalar(select(User))
    assert (user.email, user.role, user.name, user.active) == (
        "casey@example.com",
        "comms_lead",
        "Casey Comms",
        True,
    )
    assert user.check_password(PASSWORD)
    event = db.session.scalar(select(AuditEvent))
    assert (event.actor, event.action) == ("system", "user.create")


def test_create_user_asks_for_the_password_twice_when_it_is_not_given(runner):
    result = herald(
        runner, "create-user", "ada@example.com", "--role", "admin", input=f"{PASSWORD}\n" * 2
    )
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output  # not echoed
    assert db.session.scalar(select(User)).check_password(PASSWORD)


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (
            ["x@example.com", "--role", "overlord", "--password", PASSWORD],
            2,
            "Invalid value for '--role'",
        ),
        (
            ["x@example.com", "--role", "admin", "--password", "short"],
            1,
            "Error: Passwords need at least 10 characters.",
        ),
        (
            ["not an email", "--role", "admin", "--password", PASSWORD],
            1,
            "Error: That email address is not valid",
        ),
        (["--role", "admin", "--password", PASSWORD], 2, "Missing argument 'EMAIL'"),
    ],
    ids=["bad role", "short password", "bad email", "no email"],
)
def test_create_user_refuses_bad_input_with_a_message_and_creates_nothing(
    runner, args, code, message
):
    result = herald(runner, "create-user", *args)
    assert result.exit_code == code
    assert message in result.output
    assert "Traceback" not in result.output
    assert count(User) == 0
    assert count(AuditEvent) == 0


def test_create_user_refuses_a_duplicate_email_whatever_its_case(runner, make_user):
    make_user("viewer", email="vic@example.com")
    result = herald(
        runner, "create-user", "VIC@example.com", "--role", "admin", "--password", PASSWORD
    )
    assert result.exit_code == 1
    assert "Error: There is already a user with the email vic@example.com." in result.output
    assert count(User) == 1
    assert db.session.scalar(select(User.role)) == "viewer"


# seed-demo --------------------------------------------------------------------------


def demo_counts() -> dict[str, int]:
    return {
        "components": count(Component),
        "groups": count(ComponentGroup),
        "dependencies": count(ComponentDependency),
        "teams": count(Team),
        "users": count(User),
        "incidents": count(Incident),
        "maintenance": count(Maintenance),
    }


@pytest.fixture
def seeded(runner):
    result = herald(runner, "seed-demo")
    assert result.exit_code == 0, result.output
    assert "Loaded the demo data." in result.output
    return demo_counts()


def test_seed_demo_loads_the_whole_demo_company(seeded):
    now = utcnow()
    assert 18 <= seeded["components"] <= 24
    assert seeded["groups"] == 5
    assert seeded["dependencies"] >= 10
    assert seeded["teams"] >= 5
    assert count(Component, Component.visibility == "internal") >= 3
    vendors = db.session.scalar(
        select(ComponentGroup).where(ComponentGroup.name == "Third-party vendors")
    )
    assert len(vendors.components) >= 3
    assert sorted(db.session.scalars(select(User.role))) == sorted(ROLES)

    past = db.session.scalars(select(Incident).where(Incident.status == "resolved")).all()
    assert len(past) >= 8
    assert all(len(i.updates) >= 2 and i.updates[0].status == "resolved" for i in past)
    assert all(i.started_at < now - timedelta(days=1) for i in past)
    published = [i for i in past if i.postmortem_published_at is not None]
    assert len(published) == 1
    assert published[0].postmortem_body.strip()

    [active] = db.session.scalars(select(Incident).where(Incident.status != "resolved")).all()
    assert active.affected
    assert any(c.status != "operational" for c in active.components)
    upcoming = db.session.scalars(
        select(Maintenance).where(
            Maintenance.status == "scheduled", Maintenance.scheduled_for > now
        )
    ).all()
    assert len(upcoming) == 1
    assert upcoming[0].components


def test_seed_demo_refuses_a_second_run_without_reset(runner, seeded):
    result = herald(runner, "seed-demo")
    assert result.exit_code != 0
    assert "already has components; use --reset" in result.output
    assert demo_counts() == seeded


def test_seed_demo_with_reset_replaces_everything_with_a_fresh_demo(runner, seeded, make_component):
    make_component("Not part of the demo")
    db.session.execute(update(Incident).values(name="Renamed since"))
    db.session.commit()
    result = herald(runner, "seed-demo", "--reset")
    assert result.exit_code == 0, result.output
    assert "Loaded the demo data." in result.output
    assert demo_counts() == seeded
    assert count(Component, Component.name == "Not part of the demo") == 0
    assert count(Incident, Incident.name == "Renamed since") == 0


# tick and rebuild-uptime --------------------------------------------------------------


def test_tick_starts_a_maintenance_window_whose_time_has_come(runner, make_component):
    api = make_component("API")
    start = utcnow().replace(microsecond=0) + timedelta(hours=1)
    item = schedule_maintenance(
        None, "Database upgrade", start, start + timedelta(hours=2), [api], body="Upgrade."
    )
    db.session.commit()
    assert item.status == "scheduled"
    item.scheduled_for = utcnow() - timedelta(minutes=1)  # as if an hour had passed
    db.session.commit()

    result = herald(runner, "tick")
    assert result.exit_code == 0, result.output
    assert "Periodic jobs done." in result.output
    assert (item.status, api.status) == ("in_progress", "under_maintenance")
    assert sorted(u.status for u in item.updates) == ["in_progress", "scheduled"]


def test_tick_with_nothing_due_changes_nothing(runner, make_component):
    api = make_component("API")
    result = herald(runner, "tick")
    assert result.exit_code == 0
    assert api.status == "operational"
    assert count(Maintenance) == 0


def test_rebuild_uptime_recomputes_the_daily_roll_up_from_the_history(runner, make_component):
    api = make_component("API", at=utcnow() - timedelta(days=5))
    make_component("Website", at=utcnow() - timedelta(days=5))
    day = (utcnow() - timedelta(days=2)).date()
    outage = datetime.combine(day, time(10, 0), tzinfo=UTC)
    set_component_status(None, api, "major_outage", at=outage)
    set_component_status(None, api, "operational", at=outage + timedelta(minutes=90))
    db.session.commit()
    # Spoil the roll-up: lose the real row and add a wrong one.
    db.session.query(DailyUptime).delete()
    db.session.add(DailyUptime(component_id=api.id, day=day - timedelta(days=1), major_outage=999))
    db.session.commit()

    result = herald(runner, "rebuild-uptime")
    assert result.exit_code == 0, result.output
    assert "Rebuilt the roll-up of 2 components." in result.output
    rows = db.session.scalars(select(DailyUptime)).all()
    assert [(r.component_id, r.day, r.major_outage, r.partial_outage) for r in rows] == [
        (api.id, day, 5400.0, 0.0)
    ]


# the console script ------------------------------------------------------------------


def run_herald(tmp_path, *args, **env):
    environ = {k: v for k, v in os.environ.items() if not k.startswith("HERALD_")}
    environ.update(HERALD_DATABASE_URL=f"sqlite:///{tmp_path / 'cli.db'}", **env)
    return subprocess.run(
        [str(HERALD), *args], cwd=tmp_path, env=environ, capture_output=True, text=True, timeout=60
    )


def test_the_console_script_lists_herald_commands(tmp_path):
    result = run_herald(tmp_path, "--help", HERALD_ENV="development")
    assert result.returncode == 0, result.stderr
    for command in ("create-user", "seed-demo", "demo", "tick", "worker", "rebuild-uptime"):
        assert f"  {command} " in result.stdout


@pytest.mark.parametrize(
    "command",
    [("create-user", "x@example.com", "--role", "admin", "--password", PASSWORD), ("--help",)],
    ids=["create-user", "help"],
)
def test_production_without_a_secret_key_fails_with_a_message_not_a_traceback(tmp_path, command):
    result = run_herald(tmp_path, *command, HERALD_ENV="production")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "Error: HERALD_SECRET_KEY is required when HERALD_ENV=production"
    )
    assert "Traceback" not in result.stdout
    assert not (tmp_path / "cli.db").exists()  # nothing was created
