"""Maintenance by the clock, as pure functions: a window's status at a moment and the
components' statuses the worker's next run would set, with the worker's rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.models import Maintenance
from app.status.maintenance_state import (
    WindowFacts,
    effective_maintenance_status,
    effective_window_times,
    maintenance_steps,
    statuses_after_steps,
)

START = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
END = START + timedelta(hours=2)
BEFORE, DURING, AFTER = START - timedelta(minutes=1), START + timedelta(hours=1), END


def window(status: str = "scheduled", auto: bool = True, **kwargs) -> Maintenance:
    return Maintenance(
        name="Disk swap",
        status=status,
        auto_transition=auto,
        scheduled_for=START,
        scheduled_until=END,
        **kwargs,
    )


@pytest.mark.parametrize(
    ("status", "auto", "now", "expected"),
    [
        ("scheduled", True, BEFORE, "scheduled"),
        ("scheduled", True, START, "in_progress"),
        ("scheduled", True, DURING, "in_progress"),
        ("scheduled", True, AFTER, "completed"),  # the whole window passed unseen
        ("in_progress", True, DURING, "in_progress"),
        ("in_progress", True, AFTER, "completed"),
        ("verifying", True, AFTER, "completed"),
        ("completed", True, AFTER, "completed"),
        # A window run by hand moves only when a person moves it.
        ("scheduled", False, DURING, "scheduled"),
        ("in_progress", False, AFTER, "in_progress"),
    ],
)
def test_a_window_has_the_status_the_clock_gives_it(status, auto, now, expected):
    assert effective_maintenance_status(window(status, auto), now) == expected


def test_a_window_started_and_completed_at_its_scheduled_times():
    assert effective_window_times(window(), BEFORE) == (None, None)
    assert effective_window_times(window(), DURING) == (START, None)
    assert effective_window_times(window(), AFTER) == (START, END)
    early = START - timedelta(minutes=10)  # started by hand before its time
    assert effective_window_times(window("in_progress", started_at=early), AFTER) == (early, END)


def test_a_window_that_passed_unseen_takes_both_steps_in_order():
    assert maintenance_steps(window(), AFTER) == [("in_progress", START), ("completed", END)]
    assert maintenance_steps(window(), BEFORE) == []


def facts(wid: int, status: str, steps, components) -> WindowFacts:
    return WindowFacts(wid, status, tuple(steps), frozenset(components))


def test_starting_puts_only_operational_components_under_maintenance():
    started = facts(1, "scheduled", [("in_progress", START)], {1, 2, 3})
    own = {1: "operational", 2: "degraded_performance", 3: "under_maintenance", 4: "operational"}
    assert statuses_after_steps([started], own) == {
        1: "under_maintenance",
        2: "degraded_performance",  # an incident made it worse: it keeps that
        3: "under_maintenance",
        4: "operational",  # not in the window
    }


def test_completing_restores_components_unless_another_running_window_holds_them():
    ending = facts(1, "in_progress", [("completed", END)], {1, 2, 3})
    other = facts(2, "in_progress", [], {2})
    own = {1: "under_maintenance", 2: "under_maintenance", 3: "partial_outage"}
    assert statuses_after_steps([ending, other], own) == {
        1: "operational",
        2: "under_maintenance",  # held by the other window
        3: "partial_outage",  # an incident's status is not the window's to restore
    }


def test_two_windows_that_both_ended_return_their_shared_component():
    first = facts(1, "in_progress", [("completed", END)], {1})
    second = facts(2, "in_progress", [("completed", END + timedelta(hours=1))], {1})
    # As the worker does it: the first completion sees the second still running, and
    # the second's completion then restores the component.
    assert statuses_after_steps([first, second], {1: "under_maintenance"}) == {1: "operational"}


def test_a_whole_window_passed_unseen_leaves_its_components_as_they_were():
    passed = facts(1, "scheduled", [("in_progress", START), ("completed", END)], {1, 2})
    own = {1: "operational", 2: "major_outage"}
    assert statuses_after_steps([passed], own) == own
