"""The data-quality sweep (DESIGN "Data-quality checks"): every household's checks on a
schedule, kept per household; a flag that newly appears is announced once."""

import uuid
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from shouwang.assistance.adapters import repository as repo
from shouwang.assistance.adapters.tables import data_quality, households, members, plans
from shouwang.assistance.domain.elimination import QualityInputs, quality_flags
from shouwang.assistance.runtime import AssistanceRuntime
from shouwang.assistance.service.timekeeping import local_now
from shouwang.common.db.uow import UnitOfWork
from shouwang.common.events.catalog.assistance import DataQualityFlagged
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

Row = dict[str, Any]
CHECKED = ("identifying", "monitored", "deferred_exit")  # the monitoring objects


async def _labours(session: AsyncSession, ids: list[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    stmt = select(members.c.household_id, members.c.labour).where(members.c.household_id.in_(ids))
    found: dict[uuid.UUID, list[str]] = defaultdict(list)
    for household_id, labour in await session.execute(stmt):
        found[household_id].append(labour)
    return found


async def _measures(session: AsyncSession, ids: list[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    stmt = select(plans.c.household_id, plans.c.measures).where(plans.c.household_id.in_(ids))
    found: dict[uuid.UUID, list[str]] = defaultdict(list)
    for household_id, measures in await session.execute(stmt):
        found[household_id].extend(m["type"] for m in measures)
    return found


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


async def _previous(session: AsyncSession, ids: list[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    stmt = select(data_quality.c.household_id, data_quality.c.flags).where(
        data_quality.c.household_id.in_(ids)
    )
    return {household_id: list(flags) for household_id, flags in await session.execute(stmt)}


async def _save(
    uow: UnitOfWork, row: Row, flags: list[str], before: list[str] | None, now: datetime
) -> bool:
    values = {"county_code": row["county_code"], "township_code": row["township_code"],
              "village_code": row["village_code"], "flags": flags, "checked_at": now}  # fmt: skip
    stmt = insert(data_quality).values(household_id=row["id"], **values)
    await uow.session.execute(
        stmt.on_conflict_do_update(index_elements=["household_id"], set_=values)
    )
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
    labours, measures = await _labours(uow.session, ids), await _measures(uow.session, ids)
    before = await _previous(uow.session, ids)
    raised = 0
    for row in rows:
        flags = household_flags(row, labours[row["id"]], measures[row["id"]], now)
        raised += await _save(uow, row, flags, before.get(row["id"]), now)
    return raised


async def _swept_since(runtime: AssistanceRuntime, since: datetime, now: datetime) -> bool:
    """True when the last sweep ran in (since, now] (one "ahead" of now, a clock set back,
    does not hold the sweep off)."""
    async with runtime.sessionmaker() as session:
        last = (await session.execute(select(func.max(data_quality.c.checked_at)))).scalar()
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
            stmt = select(households).order_by(households.c.id).limit(batch_size)
            if after is not None:
                stmt = stmt.where(households.c.id > after)
            rows = [dict(r) for r in (await uow.session.execute(stmt)).mappings()]
            raised += await _sweep_batch(uow, rows, now) if rows else 0
            await uow.commit()
        if len(rows) < batch_size:
            return raised
        after = rows[-1]["id"]
