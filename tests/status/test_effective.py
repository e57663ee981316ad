import pytest

from app.status.components import add_dependency, set_component_status
from app.status.effective import compute_effective
from core.db import db
from core.errors import Conflict


def test_a_hard_dependency_passes_its_outage_on_with_the_reason():
    result = compute_effective(
        {1: "operational", 2: "major_outage"}, {1: "API", 2: "Database"}, [(1, 2, "hard")]
    )
    assert result[1].status == "major_outage"
    assert result[1].reason == "Depends on Database (major outage)"
    assert result[2].reason == ""


def test_a_soft_dependency_only_degrades():
    result = compute_effective(
        {1: "operational", 2: "major_outage"}, {1: "Search", 2: "Cache"}, [(1, 2, "soft")]
    )
    assert result[1].status == "degraded_performance"
    assert "Cache" in result[1].reason


def test_a_soft_dependency_under_maintenance_changes_nothing():
    result = compute_effective(
        {1: "operational", 2: "under_maintenance"}, {1: "A", 2: "B"}, [(1, 2, "soft")]
    )
    assert result[1].status == "operational"


def test_own_status_wins_when_it_is_worse_and_needs_no_reason():
    result = compute_effective(
        {1: "major_outage", 2: "degraded_performance"}, {1: "A", 2: "B"}, [(1, 2, "hard")]
    )
    assert result[1].status == "major_outage"
    assert result[1].reason == ""


def test_outages_travel_through_chains_and_name_the_root():
    statuses = {1: "operational", 2: "operational", 3: "partial_outage"}
    names = {1: "Dashboard", 2: "API", 3: "Database"}
    result = compute_effective(statuses, names, [(1, 2, "hard"), (2, 3, "hard")])
    assert result[1].status == "partial_outage"
    assert result[1].reason == "Depends on API (partial outage via Database)"


def test_a_cycle_in_old_data_is_cut_not_looped():
    result = compute_effective(
        {1: "operational", 2: "major_outage"}, {1: "A", 2: "B"}, [(1, 2, "hard"), (2, 1, "hard")]
    )
    assert result[1].status == "major_outage"


def test_adding_a_dependency_that_closes_a_cycle_is_refused(make_component):
    a, b, c = make_component("A"), make_component("B"), make_component("C")
    add_dependency(None, a, b)
    add_dependency(None, b, c)
    db.session.commit()
    with pytest.raises(Conflict, match="cycle"):
        add_dependency(None, c, a)
    with pytest.raises(Conflict, match="itself"):
        add_dependency(None, a, a)
    with pytest.raises(Conflict, match="already depends"):
        add_dependency(None, a, b)


def test_dependents_follow_status_changes_and_recover(make_component):
    database = make_component("Database", visibility="internal")
    api = make_component("API")
    add_dependency(None, api, database, "hard")
    set_component_status(None, database, "major_outage")
    db.session.commit()
    assert api.status == "operational"
    assert api.effective_status == "major_outage"
    assert api.effective_reason == "Depends on Database (major outage)"
    set_component_status(None, database, "operational")
    db.session.commit()
    assert api.effective_status == "operational"
    assert api.effective_reason == ""
