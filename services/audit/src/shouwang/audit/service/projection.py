"""Supervision metrics, maintained in the consumer's transaction as each event arrives."""

from collections import Counter
from datetime import datetime
from typing import Any, cast

from shouwang.audit.adapters import task_metrics as store
from shouwang.audit.adapters.policy import record_policy_event
from shouwang.audit.service.projection_households import HOUSEHOLD_EVENTS, project_household
from shouwang.common.events.catalog import warning as w
from shouwang.common.events.catalog.policy import CalendarChanged, PolicyChanged
from shouwang.common.events.envelope import EventEnvelope
from sqlalchemy.ext.asyncio import AsyncSession

STATUS_OF = {
    w.TaskCreated: "routed",
    w.TaskAssigned: "assigned",
    w.TaskReported: "reported",
    w.TaskConfirmed: "confirmed",
    w.TaskReturned: "returned",
}
CLOSED = ("confirmed",)


async def project(session: AsyncSession, envelope: EventEnvelope) -> None:
    """Update the pre-aggregated metrics for one newly appended event."""
    data = envelope.data
    if isinstance(data, w.BatchFiled):
        await _bump_compliance(
            session,
            data.county_code,
            data.department,
            data.period,
            {data.timeliness: 1, "accepted": data.accepted},
        )
    elif isinstance(data, w.PushMissing):
        await _bump_compliance(
            session, data.county_code, data.department, data.period, {}, missing=True
        )
    elif isinstance(data, w.TaskFacts):
        await _project_task(session, data, envelope.time)
    elif isinstance(data, HOUSEHOLD_EVENTS):
        await project_household(session, envelope)
    elif isinstance(data, PolicyChanged | CalendarChanged):
        await record_policy_event(envelope, session)


async def project_many(session: AsyncSession, envelopes: list[EventEnvelope]) -> None:
    """Project a poll: new and overdue tasks in bulk (a big push, a big sweep), the rest in turn."""
    created = [e for e in envelopes if type(e.data) is w.TaskCreated]
    if created:
        await _start_tasks(session, created)
    overdue = [e.data for e in envelopes if isinstance(e.data, w.TaskOverdue)]
    unknown = await _mark_overdue_many(session, overdue) if overdue else []
    for envelope in envelopes:
        kind = type(envelope.data)
        if kind is w.TaskCreated or (kind is w.TaskOverdue and envelope.data not in unknown):
            continue
        await project(session, envelope)


async def _mark_overdue_many(
    session: AsyncSession, overdue: list[w.TaskOverdue]
) -> list[w.TaskOverdue]:
    """Record escalations in one update; return those whose task is unknown (projected singly)."""
    current = await store.lock_tasks(session, {d.task_id for d in overdue})
    first: Counter[tuple[Any, ...]] = Counter()
    updates, unknown = [], []
    for data in overdue:
        task = current.get(data.task_id)
        if task is None:
            unknown.append(data)
            continue
        if task.get("overdue_stage") is None:
            first[(task["county_code"], task["period"], task["township_code"])] += 1
        task["overdue_stage"] = data.stage
        updates.append({"key": data.task_id, "stage": data.stage, "due": data.due_at})
    if updates:
        await store.mark_overdue_many(session, updates)
    await _count_many(session, first, ("overdue",))
    return unknown


async def _start_tasks(session: AsyncSession, created: list[EventEnvelope]) -> None:
    rows = [_state_row(cast(w.TaskCreated, e.data), e.time) for e in created]
    started = Counter(await store.add_new_tasks(session, rows))
    await _count_many(session, started, ("created", "routed"))


def _state_row(data: w.TaskCreated, at: datetime) -> dict[str, Any]:
    return {
        "task_id": data.task_id,
        "county_code": data.county_code,
        "township_code": data.township_code,
        "period": data.period,
        "status": "routed",
        "created_at": at,
        "report_by": data.report_by,
        **_deadlines(data, at),
    }


async def _count_many(
    session: AsyncSession, per_township: Counter[tuple[Any, ...]], columns: tuple[str, ...]
) -> None:
    """Add n to each column for every (county, period, township), plus the county totals."""
    totals: Counter[tuple[Any, ...]] = Counter()
    for (county, period, _), n in per_township.items():
        totals[(county, period, store.COUNTY_TOTAL)] += n
    rows = [
        {"county_code": c, "period": p, "township_code": t, **dict.fromkeys(columns, n)}
        for (c, p, t), n in (per_township + totals).items()
    ]
    if rows:
        await store.add_counts_many(session, rows, columns)


async def _bump_compliance(
    session: AsyncSession,
    county: str,
    department: str,
    period: str,
    deltas: dict[str, int],
    *,
    missing: bool = False,
) -> None:
    row = {"county_code": county, "department": department, "period": period}
    await store.add_compliance(session, row, deltas, missing=missing)


async def _project_task(session: AsyncSession, data: w.TaskFacts, at: datetime) -> None:
    found = await store.lock_task(session, data.task_id)
    current = found if found is not None else await _start_task(session, data, at)
    if isinstance(data, w.TaskOverdue):
        await _mark_overdue(session, current, data)
    elif isinstance(data, w.TaskRerouted):
        await _move_township(session, current, data.township_code)
        await _restart_deadlines(session, current, at)
    elif type(data) in STATUS_OF:
        await _set_status(session, current, STATUS_OF[type(data)], at)


async def _start_task(session: AsyncSession, data: w.TaskFacts, at: datetime) -> dict[str, object]:
    created = isinstance(data, w.TaskCreated)
    row = {
        "task_id": data.task_id,
        "county_code": data.county_code,
        "township_code": data.township_code,
        "period": data.period,
        "status": "routed",
        "created_at": at if created else None,
        "report_by": data.report_by if isinstance(data, w.TaskCreated) else None,
        **_deadlines(data, at),
    }
    await store.add_task(session, row)
    await _count(session, row, {"created": 1, "routed": 1})
    return row


async def _set_status(
    session: AsyncSession, current: dict[str, object], status: str, at: datetime
) -> None:
    old = str(current["status"])
    if old == status:
        return
    values: dict[str, object] = {"status": status, "due_at": _running_due(current, status)}
    deltas = {old: -1, status: 1}
    if status == "reported" and current.get("reported_at") is None:
        values["reported_at"] = at
        await _record_verify_time(session, current, at)
    if status in CLOSED and old not in CLOSED:
        values["closed_at"] = at
        deltas["closed"] = 1
    await store.update_task(session, current["task_id"], **values)
    await _count(session, current, deltas)
    current.update(values)


def _deadlines(data: w.TaskFacts, at: datetime) -> dict[str, object]:
    """The deadline columns of a task first seen with this event (unknown unless created)."""
    if not isinstance(data, w.TaskCreated):
        return {"assign_by": None, "deadline_start": None, "due_at": None}
    return {"assign_by": data.assign_by, "deadline_start": at, "due_at": data.assign_by}


def _running_due(current: dict[str, object], status: str) -> object:
    """The deadline running in a status: assignment while routed, report while assigned."""
    return {"routed": current.get("assign_by"), "assigned": current.get("report_by")}.get(status)


async def _mark_overdue(
    session: AsyncSession, current: dict[str, object], data: w.TaskOverdue
) -> None:
    first = current.get("overdue_stage") is None
    await store.update_task(
        session, data.task_id, overdue_stage=data.stage, overdue_due_at=data.due_at
    )
    if first:
        await _count(session, current, {"overdue": 1})


async def _move_township(session: AsyncSession, current: dict[str, object], township: str) -> None:
    if current["township_code"] == township:
        return
    moved = {
        str(current["status"]): 1,
        "created": 1,
        "overdue": 1 if current.get("overdue_stage") else 0,
        "closed": 1 if current.get("closed_at") else 0,
    }
    await _count(session, current, {k: -v for k, v in moved.items()}, county_too=False)
    await store.update_task(session, current["task_id"], township_code=township)
    current["township_code"] = township
    await _count(session, current, moved, county_too=False)


async def _restart_deadlines(
    session: AsyncSession, current: dict[str, object], at: datetime
) -> None:
    """A rerouted task is routed again with fresh deadlines of the same lengths (as in warning)."""
    start, assign_by, report_by = (
        current.get(k) for k in ("deadline_start", "assign_by", "report_by")
    )
    if all(isinstance(v, datetime) for v in (start, assign_by, report_by)):
        shift = at - start  # type: ignore[operator]
        current["assign_by"], current["report_by"] = assign_by + shift, report_by + shift
        current["deadline_start"] = at
        await store.update_task(
            session,
            current["task_id"],
            assign_by=current["assign_by"],
            report_by=current["report_by"],
            deadline_start=at,
            due_at=current["assign_by"],
        )
    await _set_status(session, current, "routed", at)


async def _record_verify_time(
    session: AsyncSession, current: dict[str, object], at: datetime
) -> None:
    created = current.get("created_at")
    if not isinstance(created, datetime):
        return
    hours = max(0, int((at - created).total_seconds() // 3600))
    await store.add_verify_hour(
        session, county=current["county_code"], period=current["period"], hours=hours
    )


async def _count(
    session: AsyncSession,
    task: dict[str, object],
    deltas: dict[str, int],
    *,
    county_too: bool = True,
) -> None:
    deltas = {k: v for k, v in deltas.items() if v}
    if not deltas:
        return
    townships = [str(task["township_code"])] + ([store.COUNTY_TOTAL] if county_too else [])
    for township in townships:
        await store.add_counts(session, (task["county_code"], task["period"], township), deltas)
