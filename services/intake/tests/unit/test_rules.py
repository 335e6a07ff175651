from datetime import UTC, datetime, timedelta

from shouwang.intake.config import RateLimit
from shouwang.intake.domain.declaration import may_file, status_after_confirmation
from shouwang.intake.service.ratelimit import retry_after_seconds


def test_channels_and_roles():
    assert may_file("resident", "self_declaration")
    assert not may_file("resident", "petition")
    assert may_file("village", "cadre_screening") and may_file("township", "cadre_screening")
    assert may_file("county", "hotline") and not may_file("township", "hotline")


def test_status_after_confirmation():
    assert status_after_confirmation("risk_confirmed") == "verified"
    assert status_after_confirmation("already_monitored") == "included"
    assert status_after_confirmation("no_risk") == "not_included"


def test_retry_after_counts_the_refill():
    now = datetime(2026, 11, 10, tzinfo=UTC)
    limit = RateLimit(burst=5, per_minute=2)
    assert retry_after_seconds(0.0, now, now, limit) == 30
    assert retry_after_seconds(0.0, now - timedelta(seconds=20), now, limit) == 10
    assert retry_after_seconds(0.9, now, now, limit) == 3


def test_only_events_about_declarations_are_relevant():
    from shouwang.common.events.catalog.assistance import HouseholdStatusChanged
    from shouwang.common.events.catalog.warning import TaskAssigned, TaskCreated, TaskReported
    from shouwang.intake.messaging.consumers import relevant

    facts = {
        "task_id": "t",
        "county_code": "231226",
        "township_code": "231226100",
        "village_code": "231226100201",
        "period": "2026-11",
        "person_ref": "p",
    }
    now = datetime(2026, 11, 10, tzinfo=UTC)
    created = {
        **facts,
        "name_masked": "张*",
        "id_masked": "x",
        "source_ref": "r",
        "comparison": "new",
        "assign_by": now,
        "report_by": now,
    }
    assert not relevant(TaskCreated(**created, channel="department_warning"))
    assert relevant(TaskCreated(**created, channel="self_declaration"))
    assert not relevant(TaskAssigned(**facts, channel="self_declaration", assigned_by="t"))
    assert relevant(
        TaskReported(
            **facts,
            channel="department_warning",
            outcome="no_risk",
            source_ref="b",
            reported_by="v",
        )
    )
    household = {"household_id": "h", "county_code": "231226", "village_code": "231226100201"}
    assert relevant(HouseholdStatusChanged(**household, status="monitored", member_refs=["p"]))
    assert not relevant(HouseholdStatusChanged(**household, status="lifted", member_refs=["p"]))
