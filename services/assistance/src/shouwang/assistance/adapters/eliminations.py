"""Risk eliminations: a row per attempt, its steps as JSON; the latest one tells where it stands."""

import uuid
from typing import Any

from shouwang.assistance.adapters.tables import eliminations
from sqlalchemy import Select, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

Row = dict[str, Any]
_E = eliminations.c


async def open_elimination(session: AsyncSession, household_id: uuid.UUID) -> Row | None:
    """The household's elimination under way, locked (None if none is)."""
    stmt = select(eliminations).where(_E.household_id == household_id, _E.status == "open")
    return await _first(session, stmt.with_for_update())


async def latest_elimination(session: AsyncSession, household_id: uuid.UUID) -> Row | None:
    """The household's most recent elimination, whatever its state."""
    return await _first(session, _latest(household_id))


async def latest_done_elimination(session: AsyncSession, household_id: uuid.UUID) -> Row | None:
    """The household's latest completed elimination, if any."""
    return await _first(session, _latest(household_id).where(_E.status == "done"))


async def latest_with_outcome(
    session: AsyncSession, household_id: uuid.UUID, outcome: str
) -> Row | None:
    """The household's latest completed elimination with this outcome, locked."""
    stmt = _latest(household_id).where(_E.status == "done", _E.outcome == outcome)
    return await _first(session, stmt.with_for_update())


async def add_elimination(session: AsyncSession, values: Row) -> None:
    """Record an elimination begun (its pre-judgement)."""
    await session.execute(insert(eliminations).values(**values))


async def update_elimination(
    session: AsyncSession, elimination_id: uuid.UUID, **values: Any
) -> None:
    """Change columns of an elimination (its steps, status, outcome)."""
    await session.execute(update(eliminations).where(_E.id == elimination_id).values(**values))


def _latest(household_id: uuid.UUID) -> Select[Any]:
    stmt = select(eliminations).where(_E.household_id == household_id)
    return stmt.order_by(_E.started_at.desc()).limit(1)


async def _first(session: AsyncSession, stmt: Select[Any]) -> Row | None:
    found = (await session.execute(stmt)).mappings().first()
    return dict(found) if found else None
