"""Reading a large result through a server-side cursor, a batch of rows at a time.

Every export (task lists, plan ledgers) streams this way, so its memory stays flat whatever the
number of rows.
"""

from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import RowMapping, Select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession


async def stream_mappings(
    db: AsyncSession | AsyncConnection, stmt: Select[Any], *, yield_per: int = 1000
) -> AsyncIterator[RowMapping]:
    """Yield the rows of `stmt` as mappings, fetched `yield_per` at a time."""
    result = await db.stream(stmt.execution_options(yield_per=yield_per))
    async for row in result.mappings():
        yield row
