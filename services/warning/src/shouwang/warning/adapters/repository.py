"""Loading and saving tasks: rows ↔ the Task aggregate, history, live feed and outbox."""

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from shouwang.common.db.bulk import JsonText, copy_rows
from shouwang.common.db.uow import UnitOfWork
from shouwang.common.events.envelope import new_envelope
from shouwang.common.live.notify import notify
from shouwang.warning.adapters.tables import idempotency as idempotency
from shouwang.warning.adapters.tables import task_feed, task_history, tasks
from shouwang.warning.domain.errors import TaskNotFound
from shouwang.warning.domain.task import Task
from sqlalchemy import and_, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

SOURCE = "/shouwang/warning"
_TASK_FIELDS = (
    "county_code",
    "township_code",
    "village_code",
    "period",
    "person_ref",
    "channel",
    "source_ref",
    "status",
    "assign_by",
    "report_by",
    "created_at",
    "assigned_village",
    "cadre_name",
    "outcome",
    "reason",
    "visited_on",
    "note",
    "target_township_code",
    "risk_type",
    "overdue_stages",
)
_MUTABLE = tuple(
    f
    for f in _TASK_FIELDS
    if f not in ("county_code", "period", "person_ref", "channel", "source_ref")
)


def task_from_row(row: Any) -> Task:
    """Build the aggregate from a tasks row."""
    values = {f: row[f] for f in _TASK_FIELDS}
    values["overdue_stages"] = list(values["overdue_stages"] or [])
    return Task(id=str(row["id"]), **values)


def task_key(task_id: str) -> uuid.UUID:
    """The UUID of a task id from a URL; TaskNotFound if it is not one."""
    try:
        return uuid.UUID(task_id)
    except ValueError:
        raise TaskNotFound() from None


async def get_task(
    session: AsyncSession, task_id: str, *, for_update: bool = False
) -> tuple[Task, Any]:
    """Load a task (and its raw row); raise TaskNotFound."""
    stmt = select(tasks).where(tasks.c.id == task_key(task_id))
    if for_update:
        stmt = stmt.with_for_update()
    row = (await session.execute(stmt)).mappings().first()
    if row is None:
        raise TaskNotFound()
    return task_from_row(row), row


async def save_task(uow: UnitOfWork, task: Task, *, now: datetime) -> None:
    """Persist the aggregate's changes with its history, feed rows and events (one transaction)."""
    values = {f: getattr(task, f) for f in _MUTABLE}
    await uow.session.execute(
        update(tasks).where(tasks.c.id == uuid.UUID(task.id)).values(**values, updated_at=now)
    )
    if task.history:
        await uow.session.execute(
            insert(task_history),
            [
                {
                    "task_id": uuid.UUID(task.id),
                    "at": now,
                    "action": action,
                    "actor": actor,
                    "details": _jsonable(details),
                }
                for action, actor, details in task.history
            ],
        )
    stage_events(uow, task.events, subject=task.id, now=now)
    await add_feed(uow.session, task.events, now=now)
    task.events.clear()
    task.history.clear()


async def lock_overdue(session: AsyncSession, *, now: datetime, limit: int) -> list[Task]:
    """Lock up to `limit` tasks whose running deadline passed unflagged (others' locks skipped)."""
    stages = tasks.c.overdue_stages
    due = or_(
        and_(tasks.c.status == "routed", tasks.c.assign_by < now, ~stages.contains(["assign"])),
        and_(tasks.c.status == "assigned", tasks.c.report_by < now, ~stages.contains(["report"])),
    )
    stmt = select(tasks).where(due).order_by(tasks.c.id).limit(limit)
    rows = (await session.execute(stmt.with_for_update(skip_locked=True))).mappings()
    return [task_from_row(row) for row in rows]


async def save_overdue(uow: UnitOfWork, marked: list[Task], *, now: datetime) -> None:
    """Persist many overdue escalations at once (a sweep may find thousands)."""
    if not marked:
        return
    stmt = (
        update(tasks)
        .where(tasks.c.id == bindparam("task_key"))
        .values(overdue_stages=bindparam("stages"), updated_at=now)
    )
    await uow.session.execute(
        stmt, [{"task_key": uuid.UUID(t.id), "stages": t.overdue_stages} for t in marked]
    )
    history = [
        {
            "task_id": uuid.UUID(t.id),
            "at": now,
            "action": action,
            "actor": actor,
            "details": _jsonable(details),
        }
        for t in marked
        for action, actor, details in t.history
    ]
    await uow.session.execute(insert(task_history), history)
    events = [event for t in marked for event in t.events]
    uow.publish(*(new_envelope(e, source=SOURCE, subject=e.task_id, time=now) for e in events))  # type: ignore[attr-defined]
    await add_feed(uow.session, events, now=now)
    for t in marked:
        t.events.clear()
        t.history.clear()


def stage_events(uow: UnitOfWork, events: list[BaseModel], *, subject: str, now: datetime) -> None:
    """Wrap domain events in envelopes and stage them in the outbox."""
    uow.publish(*(new_envelope(e, source=SOURCE, subject=subject, time=now) for e in events))


# the sealed PII of a confirmed risk is for assistance (via the topic), not for a township screen
FEED_OMITS = {"pii_sealed"}
FEED_CHANNEL = "warning_task_feed"  # NOTIFY `township:position`, read by the live streams
_FEED_ID_SEQUENCE = func.pg_get_serial_sequence(f"{task_feed.schema}.{task_feed.name}", "id")


async def add_feed(session: AsyncSession, events: list[BaseModel], *, now: datetime) -> None:
    """Append task events to the township live feed and wake its streams (after commit)."""
    rows = [
        {
            "township_code": e.township_code,
            "event_type": type(e).__name__,
            "task_id": e.task_id,  # its text: COPY parses it (no uuid.UUID per row)
            "payload": JsonText.of(e, exclude=FEED_OMITS),
            "at": now,
        }
        for e in events
        if hasattr(e, "township_code") and hasattr(e, "task_id")
    ]
    if not rows:
        return
    await copy_rows(session, task_feed, rows)
    # NOTE: COPY returns no ids; the sequence's value in this session is the batch's last id,
    # an upper bound of each township's newest row, which is all a woken stream needs
    last = (await session.execute(select(func.currval(_FEED_ID_SEQUENCE)))).scalar_one()
    await notify(session, channel=FEED_CHANNEL, positions=dict.fromkeys(_townships(rows), last))


async def purge_feed_before(conn: AsyncConnection, cutoff: datetime, *, limit: int) -> int:
    """Delete up to `limit` of the oldest feed rows from before `cutoff`; return how many.

    Expired rows sit at the start of the primary key, so this walks it (no time index needed).
    """
    expired = select(task_feed.c.id).where(task_feed.c.at < cutoff)
    oldest = expired.order_by(task_feed.c.id).limit(limit)
    return (await conn.execute(delete(task_feed).where(task_feed.c.id.in_(oldest)))).rowcount


def _townships(rows: list[dict[str, Any]]) -> list[str]:
    return sorted({row["township_code"] for row in rows})


def _jsonable(details: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in details.items()}
