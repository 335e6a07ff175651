"""Identifications as rows ↔ the Identification aggregate."""

import uuid
from typing import Any

from shouwang.assistance.adapters.tables import identifications
from shouwang.assistance.domain.identification import Identification
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession


def _from_row(row: Any) -> Identification:
    return Identification(
        id=str(row["id"]),
        status=row["status"],
        started_at=row["started_at"],
        due_at=row["due_at"],
        steps=dict(row["steps"] or {}),
        decided_at=row["decided_at"],
    )


async def latest_identification(
    session: AsyncSession, household_id: uuid.UUID, *, for_update: bool = False
) -> Identification | None:
    """The household's most recent identification."""
    stmt = (
        select(identifications)
        .where(identifications.c.household_id == household_id)
        .order_by(identifications.c.started_at.desc())
        .limit(1)
    )
    if for_update:
        stmt = stmt.with_for_update()
    row = (await session.execute(stmt)).mappings().first()
    return _from_row(row) if row else None


async def add_identification(
    session: AsyncSession,
    ident: Identification,
    *,
    household_id: uuid.UUID,
    trigger: str,
    source_ref: str | None,
    started_by: str,
) -> None:
    """Insert a newly opened identification."""
    await session.execute(
        insert(identifications).values(
            id=uuid.UUID(ident.id),
            household_id=household_id,
            status=ident.status,
            trigger=trigger,
            source_ref=source_ref,
            started_by=started_by,
            started_at=ident.started_at,
            due_at=ident.due_at,
            steps=ident.steps,
        )
    )


async def save_identification(session: AsyncSession, ident: Identification) -> None:
    """Persist an identification's steps and status."""
    await session.execute(
        update(identifications)
        .where(identifications.c.id == uuid.UUID(ident.id))
        .values(status=ident.status, steps=ident.steps, decided_at=ident.decided_at)
    )
