"""The registry projection: the status of each known person (imported, or from assistance)."""

from collections.abc import Iterable
from typing import Any

from shouwang.warning.adapters.tables import registry
from sqlalchemy import Text, any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.ext.asyncio import AsyncSession

UPSERT_CHUNK = 5000


def any_ref(refs: list[str]) -> Any:
    """`= any_ref(refs)`: one array parameter; an IN list would hit the 32k bind-parameter limit."""
    return any_(bindparam("refs", value=refs, type_=ARRAY(Text)))


async def statuses_of(
    session: AsyncSession, refs: list[str], *, statuses: Iterable[str]
) -> dict[str, str]:
    """The registry status of each of these persons that has one of `statuses`."""
    stmt = select(registry.c.person_ref, registry.c.status).where(
        registry.c.person_ref == any_ref(refs), registry.c.status.in_(tuple(statuses))
    )
    return {r.person_ref: r.status for r in await session.execute(stmt)}


async def save_statuses(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Insert or update registry rows (person_ref, county_code, status, household_id)."""
    for start in range(0, len(rows), UPSERT_CHUNK):
        stmt = insert(registry).values(rows[start : start + UPSERT_CHUNK])
        await session.execute(
            stmt.on_conflict_do_update(
                index_elements=[registry.c.person_ref],
                set_={
                    "status": stmt.excluded.status,
                    "household_id": stmt.excluded.household_id,
                    "updated_at": stmt.excluded.updated_at,
                },
            )
        )
