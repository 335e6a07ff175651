"""The policy store: version numbers under a per-region lock, the versions, history pages."""

from datetime import date
from typing import Any

from shouwang.common.events.envelope import EventEnvelope
from shouwang.common.policy.calendar import WorkCalendar
from shouwang.common.policy.projection import apply_policy_event, effective_policy, work_calendar
from shouwang.common.policy.resolution import EffectivePolicy, PolicyVersion
from shouwang.policy.adapters.tables import calendars, versions
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession


async def _lock(session: AsyncSession, key: str) -> None:
    # NOTE: serialises changes of one region (or province year) so versions count up without gaps
    await session.execute(select(func.pg_advisory_xact_lock(func.hashtext(key))))


async def next_policy_version(session: AsyncSession, *, region_code: str) -> int:
    """Lock the region for this transaction and return its next version number."""
    await _lock(session, f"policy:{region_code}")
    stmt = select(func.coalesce(func.max(versions.c.version), 0)).where(
        versions.c.region_code == region_code
    )
    return int((await session.execute(stmt)).scalar_one()) + 1


async def next_calendar_version(session: AsyncSession, *, province_code: str, year: int) -> int:
    """Lock the province's year for this transaction and return its next version number."""
    await _lock(session, f"calendar:{province_code}:{year}")
    stmt = select(func.coalesce(func.max(calendars.c.version), 0)).where(
        calendars.c.region_code == province_code, calendars.c.year == year
    )
    return int((await session.execute(stmt)).scalar_one()) + 1


async def record(envelope: EventEnvelope, session: AsyncSession) -> None:
    """Store a policy or calendar version, as every projection of it stores it."""
    await apply_policy_event(envelope, session, versions=versions, calendars=calendars)


async def effective(conn: AsyncConnection, *, region_code: str, on: date) -> EffectivePolicy:
    """Every setting in force for a region on a date (its layers resolved)."""
    return await effective_policy(conn, table=versions, region_code=region_code, on_date=on)


async def province_calendar(conn: AsyncConnection, *, province_code: str) -> WorkCalendar:
    """The province's working days."""
    return await work_calendar(conn, table=calendars, province_code=province_code)


async def history_page(
    conn: AsyncConnection, *, region_code: str, limit: int, before: int | None
) -> list[dict[str, Any]]:
    """A region's versions, newest first, those below `before` when given."""
    stmt = select(versions).where(versions.c.region_code == region_code)
    if before is not None:
        stmt = stmt.where(versions.c.version < before)
    stmt = stmt.order_by(versions.c.version.desc()).limit(limit)
    return [dict(row) for row in (await conn.execute(stmt)).mappings()]


def version_json(row: dict[str, Any]) -> dict[str, Any]:
    """A stored version as the API shows it."""
    effective_from: date = row["effective_from"]
    return {**row, "effective_from": effective_from.isoformat(),
            "recorded_at": row["recorded_at"].isoformat()}  # fmt: skip


async def province_versions(conn: AsyncConnection, *, province_code: str) -> list[PolicyVersion]:
    """Every version of a province's layer and of its counties' layers."""
    stmt = select(versions).where(versions.c.region_code.startswith(province_code, autoescape=True))
    return [
        PolicyVersion(
            region_code=row["region_code"],
            version=row["version"],
            effective_from=row["effective_from"],
            settings=row["settings"],
        )  # fmt: skip
        for row in (await conn.execute(stmt)).mappings()
    ]
