"""Reading filed batches: one by id (with its raw bytes), or the newest of a scope (without)."""

import uuid
from typing import Any

from shouwang.warning.adapters.tables import batches
from sqlalchemy import RowMapping, select
from sqlalchemy.ext.asyncio import AsyncSession

_SUMMARY = [c for c in batches.c if c.name != "raw"]


async def batch(session: AsyncSession, batch_id: uuid.UUID) -> RowMapping | None:
    """The batch as filed, raw bytes included; None when there is none."""
    found = await session.execute(select(batches).where(batches.c.id == batch_id))
    return found.mappings().first()


async def newest(
    session: AsyncSession,
    *,
    county_prefix: str | None,
    department: str | None,
    period: str | None,
    limit: int,
) -> list[RowMapping]:
    """The newest batches (summaries, no raw bytes) of counties under a prefix, newest first."""
    stmt = select(*_SUMMARY)
    conditions: list[Any] = []
    if county_prefix is not None:
        conditions.append(batches.c.county_code.startswith(county_prefix))
    if department:
        conditions.append(batches.c.department == department)
    if period:
        conditions.append(batches.c.period == period)
    stmt = stmt.where(*conditions).order_by(batches.c.received_at.desc(), batches.c.seq.desc())
    return list((await session.execute(stmt.limit(limit))).mappings())
