"""A county's exceptions around the push window: extensions (补报延期), missing-push notices."""

from datetime import datetime
from typing import Any

from shouwang.warning.adapters.tables import extensions, push_missing_sent
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession


async def extension_until(
    session: AsyncSession, *, county_code: str, department: str, period: str
) -> datetime | None:
    """Until when the department may push late for the period, if the county allowed it."""
    stmt = select(extensions.c.until).where(
        extensions.c.county_code == county_code,
        extensions.c.department == department,
        extensions.c.period == period,
    )
    return (await session.execute(stmt)).scalar()


async def save_extension(session: AsyncSession, row: dict[str, Any]) -> None:
    """Record an extension; a later one for the same department and period replaces it."""
    stmt = insert(extensions).values(row)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["county_code", "department", "period"],
            set_={"until": row["until"], "created_by": row["created_by"]},
        )
    )


async def first_missing_notice(
    session: AsyncSession, *, county_code: str, department: str, period: str
) -> bool:
    """Note that a missing push was announced; False if it already was."""
    stmt = (
        insert(push_missing_sent)
        .values(county_code=county_code, department=department, period=period)
        .on_conflict_do_nothing()
    )
    return bool((await session.execute(stmt.returning(push_missing_sent.c.period))).first())
