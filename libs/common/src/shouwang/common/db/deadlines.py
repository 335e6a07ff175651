"""Overdue bookkeeping in Postgres: each stage of each thing is flagged exactly once.

A flag is set by whichever transaction writes it first, so a sweep that runs again, a second
replica, or a consumer that sees the late completion changes nothing: only the writer that set
it stages the overdue event. Two shapes of flag, one rule:

- a nullable timestamp column on the row itself (`flag_unflagged`: UPDATE ... WHERE flag IS NULL
  RETURNING), for a fixed set of stages;
- a claim table keyed by (stage, reference) (`claim_once`: INSERT ... ON CONFLICT DO NOTHING
  RETURNING), for deadlines that come and go with other rows.

`sweep` runs a batch step in its own transaction until the work runs out, and `colour_case` is
the SQL twin of `common.deadlines.colour`.
"""

from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from shouwang.common.db.uow import UnitOfWork
from sqlalchemy import ColumnElement, RowMapping, Table, case, func, literal, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

# what one batch of a sweep did: rows it looked at, flags it raised
Batch = tuple[int, int]
BatchStep = Callable[[UnitOfWork], Awaitable[Batch]]


async def flag_unflagged(
    session: AsyncSession,
    *,
    flag: Any,
    where: Sequence[ColumnElement[bool]],
    at: datetime,
    returning: Sequence[Any],
) -> Sequence[RowMapping]:
    """Set the `flag` column to `at` on the matching rows where it is still NULL; return them."""
    table: Table = flag.table
    stmt = update(table).where(*where, flag.is_(None)).values({flag: at}).returning(*returning)
    return (await session.execute(stmt)).mappings().all()


async def claim_once(session: AsyncSession, *, table: Table, values: Mapping[str, Any]) -> bool:
    """Insert the claim row unless one with its key exists; True if this call made it."""
    stmt = insert(table).values(**values).on_conflict_do_nothing().returning(literal(True))
    return (await session.execute(stmt)).first() is not None


async def sweep(open_uow: Callable[[], UnitOfWork], step: BatchStep, *, batch_size: int) -> int:
    """Run `step` in one transaction after the other until a batch comes back short or raises
    nothing; return how many flags were raised in all."""
    raised = 0
    while True:
        async with open_uow() as uow:
            seen, changed = await step(uow)
            await uow.commit()
        raised += changed
        if changed == 0 or seen < batch_size:
            return raised


def colour_case(
    now: datetime, *, started_at: Any, due_at: Any, amber_ratio: Any
) -> ColumnElement[str]:
    """The deadline colour as SQL, matching `common.deadlines.colour` (due NULL: closed)."""
    used = func.extract("epoch", literal(now) - started_at)
    total = func.extract("epoch", due_at - started_at)
    return case(
        (due_at.is_(None), "closed"),
        (due_at < now, "red"),
        (used >= total * amber_ratio, "amber"),
        else_="green",
    )
