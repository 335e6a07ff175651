from datetime import UTC, datetime, timedelta

import pytest
from shouwang.common.events.catalog.warning import TaskCreated
from shouwang.warning.domain.errors import BadRequest, InvalidTransition
from shouwang.warning.domain.task import Task

T0 = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)


def new_task() -> Task:
    return Task(
        id="00000000-0000-0000-0000-000000000001",
        county_code="231226",
        township_code="231226100",
        village_code="231226100201",
        period="2026-11",
        person_ref="ref",
        channel="department_warning",
        source_ref="batch",
        status="routed",
        assign_by=T0 + timedelta(days=3),
        report_by=T0 + timedelta(days=15),
        created_at=T0,
    )


def test_happy_path_records_one_event_per_step():
    task = new_task()
    task.assign(village_code="231226100201", cadre_name="李干部", actor="township")
    task.report(
        outcome="no_risk",
        reason="收入稳定",
        visited_on=None,
        note=None,
        target_township_code=None,
        actor="village",
    )
    task.confirm(actor="township", pii_sealed=None)
    assert task.status == "confirmed"
    assert [type(e).__name__ for e in task.events] == [
        "TaskAssigned",
        "TaskReported",
        "TaskConfirmed",
    ]


def test_cannot_assign_outside_the_township():
    with pytest.raises(BadRequest):
        new_task().assign(village_code="231226101200", cadre_name=None, actor="t")


def test_no_risk_needs_a_reason_and_moved_needs_a_target():
    task = new_task()
    with pytest.raises(BadRequest):
        task.report(
            outcome="no_risk",
            reason=None,
            visited_on=None,
            note=None,
            target_township_code=None,
            actor="v",
        )
    with pytest.raises(BadRequest):
        task.report(
            outcome="moved",
            reason=None,
            visited_on=None,
            note=None,
            target_township_code=None,
            actor="v",
        )


def test_moved_goes_back_to_the_county_and_can_be_rerouted():
    task = new_task()
    task.report(
        outcome="moved",
        reason=None,
        visited_on=None,
        note=None,
        target_township_code="231226101",
        actor="v",
    )
    task.confirm(actor="t", pii_sealed=None)
    assert task.status == "returned"
    task.reroute(
        township_code="231226101",
        village_code="231226101200",
        actor="county",
        now=T0 + timedelta(days=1),
        due=(T0 + timedelta(days=4), T0 + timedelta(days=16)),
    )
    assert (task.status, task.township_code) == ("routed", "231226101")
    assert (task.assign_by, task.report_by) == (T0 + timedelta(days=4), T0 + timedelta(days=16))


def test_confirm_requires_a_report():
    with pytest.raises(InvalidTransition):
        new_task().confirm(actor="t", pii_sealed=None)


def test_colour_turns_amber_at_80_percent_and_red_past_due():
    task = new_task()  # assignment due in 3 days
    assert task.colour(T0 + timedelta(days=2), 0.8) == "green"
    assert task.colour(T0 + timedelta(days=2.5), 0.8) == "amber"
    assert task.colour(T0 + timedelta(days=3, seconds=1), 0.8) == "red"


def test_overdue_is_raised_once_per_stage():
    task = new_task()
    late = T0 + timedelta(days=4)
    assert task.mark_overdue(late) is True
    assert task.mark_overdue(late) is False
    assert type(task.events[-1]).__name__ == "TaskOverdue"


def test_a_task_opens_itself_and_returns_its_created_event():
    now = datetime(2026, 11, 10, 10, 0, tzinfo=UTC)
    task = Task.open(
        id="t-1", county_code="231226", township_code="231226100", village_code="231226100201",
        period="2026-11", person_ref="ref-1", channel="department_warning", source_ref="batch:1",
        comparison="new", masked=("张*", "2312**********1234"), now=now,
        due=(now + timedelta(days=2), now + timedelta(days=7)),
    )  # fmt: skip
    assert (task.status, task.assign_by, task.report_by) == (
        "routed", now + timedelta(days=2), now + timedelta(days=7))  # fmt: skip
    [created] = task.events
    assert isinstance(created, TaskCreated)
    assert (created.task_id, created.comparison, created.name_masked) == ("t-1", "new", "张*")
    assert created.report_by == task.report_by
    assert task.history == [("created", "batch:1", {"comparison": "new"})]
