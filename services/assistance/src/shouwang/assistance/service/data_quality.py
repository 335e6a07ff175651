"""The data-quality sweep (DESIGN "Data-quality checks"): every household's checks on a
schedule, kept per household; a flag that newly appears is announced once."""

from datetime import datetime, timedelta
from typing import Any

from shouwang.assistance.adapters import quality
from shouwang.assistance.adapters import repository as repo
from shouwang.assistance.domain.elimination import QualityInputs, quality_flags
from shouwang.assistance.runtime import AssistanceRuntime
from shouwang.assistance.service.timekeeping import local_now
from shouwang.common.db.uow import UnitOfWork
from shouwang.common.events.catalog.assistance import DataQualityFlagged

Row = dict[str, Any]
CHECKED = ("identifying", "monitored", "deferred_exit")  # the monitoring objects


def household_flags(
    row: Row, labours: list[str], measure_types: list[str], now: datetime
) -> list[str]:
    """The standing data-quality flags of a household (none unless it is monitored)."""
    if row["status"] not in CHECKED:
        return []
    return quality_flags(
        QualityInputs(
            approved_on=row["approved_on"], today=now.date(), income_per_person=None, line=0.0,
            risk_types=list(row["risk_types"] or []), labours=labours,
            measure_types=measure_types, guarantee_household=row["guarantee_household"],
            eliminating=False,
        )
    )  # fmt: skip


async def _save(
    uow: UnitOfWork, row: Row, flags: list[str], before: list[str] | None, now: datetime
) -> bool:
    values = {"county_code": row["county_code"], "township_code": row["township_code"],
              "village_code": row["village_code"], "flags": flags, "checked_at": now}  # fmt: skip
    await quality.put_flags(uow.session, row["id"], values)
    if not set(flags) - set(before or []):
        return False
    event = DataQualityFlagged(
        household_id=str(row["id"]), county_code=row["county_code"],
        village_code=row["village_code"], stage="sweep", flags=flags,
    )  # fmt: skip
    repo.publish(uow, event, subject=str(row["id"]), now=now)
    return True


async def _sweep_batch(uow: UnitOfWork, rows: list[Row], now: datetime) -> int:
    ids = [r["id"] for r in rows]
    labours = await quality.labours(uow.session, ids)
    measures = await quality.measure_types(uow.session, ids)
    before = await quality.standing_flags(uow.session, ids)
    raised = 0
    for row in rows:
        flags = household_flags(row, labours[row["id"]], measures[row["id"]], now)
        raised += await _save(uow, row, flags, before.get(row["id"]), now)
    return raised


async def _swept_since(runtime: AssistanceRuntime, since: datetime, now: datetime) -> bool:
    """True when the last sweep ran in (since, now] (one "ahead" of now, a clock set back,
    does not hold the sweep off)."""
    async with runtime.sessionmaker() as session:
        last = await quality.last_checked(session)
    return last is not None and since < last <= now


async def sweep_data_quality(runtime: AssistanceRuntime, *, batch_size: int = 500) -> int:
    """Check every household (at most once per `data_quality_sweep_hours`); returns how many
    households got a new flag."""
    now = local_now(runtime)
    every = timedelta(hours=runtime.settings.data_quality_sweep_hours)
    if await _swept_since(runtime, now - every, now):
        return 0
    after, raised = None, 0
    while True:
        async with runtime.uow() as uow:
            rows = await quality.households_after(uow.session, after, limit=batch_size)
            raised += await _sweep_batch(uow, rows, now) if rows else 0
            await uow.commit()
        if len(rows) < batch_size:
            return raised
        after = rows[-1]["id"]
