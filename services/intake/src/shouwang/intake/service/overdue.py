"""Overdue declarations: `declaration.overdue` once per stage (accept, visit), state in Postgres.

The periodic sweep flags a stage still pending when its day has ended; a stage done late (the
task opened or reported after its day, intake down meanwhile) is flagged where the consumer
records it. Either way the flag column makes it once (common.db.deadlines): a restart or a second
replica changes nothing.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from shouwang.common.db.deadlines import Batch, BatchStep, sweep
from shouwang.common.db.uow import UnitOfWork
from shouwang.common.deadlines import has_passed, last_moment
from shouwang.common.events.catalog.intake import DeclarationOverdue
from shouwang.common.events.envelope import new_envelope
from shouwang.common.periodic import periodic
from shouwang.intake.adapters import repository as repo
from shouwang.intake.domain.deadlines import Stage
from shouwang.intake.runtime import IntakeRuntime

SOURCE = "/shouwang/intake"
STAGES: tuple[Stage, ...] = ("accept", "visit")


def _publish(uow: UnitOfWork, rows: Sequence[Any], stage: Stage, now: datetime) -> None:
    for row in rows:
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


def _flag_pending(stage: Stage, now: datetime, batch_size: int) -> BatchStep:
    async def batch(uow: UnitOfWork) -> Batch:
        rows = await repo.flag_pending_overdue(uow.session, stage=stage, now=now, limit=batch_size)
        _publish(uow, rows, stage, now)
        return len(rows), len(rows)

    return batch


async def sweep_overdue(runtime: IntakeRuntime, *, batch_size: int = 1000) -> int:
    """Flag every pending stage past its deadline, once; return how many were raised."""
    now = runtime.clock.now()
    raised = 0
    for stage in STAGES:
        step = _flag_pending(stage, now, batch_size)
        raised += await sweep(runtime.uow, step, batch_size=batch_size)
    return raised


async def flag_if_late(uow: UnitOfWork, rows: Sequence[Any], stage: Stage, now: datetime) -> int:
    """Flag the rows whose stage was done after its day ended (and was not flagged yet)."""
    done_at = repo.DONE_AT[stage]
    late = [
        row["receipt"]
        for row in rows
        if row[f"{stage}_by"] is not None
        and row[done_at] is not None
        and has_passed(last_moment(row[f"{stage}_by"]), row[done_at])
    ]
    if not late:
        return 0
    flagged = await repo.flag_overdue(uow.session, receipts=late, stage=stage, now=now)
    _publish(uow, flagged, stage, now)
    return len(flagged)


# one sweep per round whatever the number of replicas (a lease in Postgres)
deadline_loop = periodic(
    "intake.deadlines",
    every=lambda settings: settings.deadline_sweep_seconds,
    jobs=[sweep_overdue],
)
