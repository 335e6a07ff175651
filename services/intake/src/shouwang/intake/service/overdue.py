"""Overdue declarations: `declaration.overdue` once per stage (accept, visit), state in Postgres.

The periodic sweep flags a stage still pending when its day has ended; a stage done late (the
task opened or reported after its day, intake down meanwhile) is flagged where the consumer
records it. Either way the flag column makes it once: a restart or a second replica changes
nothing.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from shouwang.common.db.uow import UnitOfWork
from shouwang.common.events.catalog.intake import DeclarationOverdue
from shouwang.common.events.envelope import new_envelope
from shouwang.common.periodic import periodic
from shouwang.intake.adapters.tables import declarations
from shouwang.intake.domain.deadlines import Stage, day_end, local_date
from shouwang.intake.runtime import IntakeRuntime
from sqlalchemy import Select, select, update

SOURCE = "/shouwang/intake"
DONE_AT = {"accept": "accepted_at", "visit": "visited_at"}
_D = declarations.c
_EVENT_COLUMNS = (
    _D.receipt, _D.county_code, _D.township_code, _D.village_code, _D.channel,
    _D.person_ref, _D.name_masked, _D.created_at, _D.accept_by, _D.visit_by,
)  # fmt: skip


def _publish(uow: UnitOfWork, row: Any, stage: Stage, now: datetime) -> None:
    event = DeclarationOverdue(
        receipt=row["receipt"],
        county_code=row["county_code"],
        township_code=row["township_code"],
        village_code=row["village_code"],
        channel=row["channel"],
        person_ref=row["person_ref"],
        name_masked=row["name_masked"],
        stage=stage,
        due_on=row[f"{stage}_by"],
        filed_at=row["created_at"],
    )
    uow.publish(new_envelope(event, source=SOURCE, subject=row["receipt"], time=now))


async def _flag(uow: UnitOfWork, receipts: Select[Any], stage: Stage, now: datetime) -> int:
    """Flag the stage of the selected declarations not flagged yet; stage their events."""
    flag = declarations.c[f"{stage}_overdue_at"]
    stmt = (
        update(declarations)
        .where(_D.receipt.in_(receipts), flag.is_(None))
        .values({flag: now})
        .returning(*_EVENT_COLUMNS)
    )
    rows = (await uow.session.execute(stmt)).mappings().all()
    for row in rows:
        _publish(uow, row, stage, now)
    return len(rows)


def _pending(stage: Stage, now: datetime, limit: int) -> Select[Any]:
    """Declarations whose stage is still pending after its day ended (oldest first)."""
    due = declarations.c[f"{stage}_by"]
    return (
        select(_D.receipt)
        .where(
            due < local_date(now),
            declarations.c[DONE_AT[stage]].is_(None),
            declarations.c[f"{stage}_overdue_at"].is_(None),
        )
        .order_by(due)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )


async def sweep_overdue(runtime: IntakeRuntime, *, batch_size: int = 1000) -> int:
    """Flag every pending stage past its deadline, once; return how many were raised."""
    now = runtime.clock.now()
    raised = 0
    for stage in ("accept", "visit"):
        while True:
            async with runtime.uow() as uow:
                changed = await _flag(uow, _pending(stage, now, batch_size), stage, now)
                await uow.commit()
            raised += changed
            if changed < batch_size:
                break
    return raised


async def flag_if_late(uow: UnitOfWork, rows: Sequence[Any], stage: Stage, now: datetime) -> int:
    """Flag the rows whose stage was done after its day ended (and was not flagged yet)."""
    late = [
        row["receipt"]
        for row in rows
        if row[f"{stage}_by"] is not None
        and row[DONE_AT[stage]] is not None
        and row[DONE_AT[stage]] >= day_end(row[f"{stage}_by"])
    ]
    if not late:
        return 0
    return await _flag(uow, select(_D.receipt).where(_D.receipt.in_(late)), stage, now)


# one sweep per round whatever the number of replicas (a lease in Postgres)
deadline_loop = periodic(
    "intake.deadlines",
    every=lambda settings: settings.deadline_sweep_seconds,
    jobs=[sweep_overdue],
)
