"""Bulk writes through COPY inside the caller's transaction (the fast path for big batches)."""

import json
from collections.abc import Sequence
from typing import Any

import asyncpg
from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession


async def copy_rows(
    session: AsyncSession | AsyncConnection, table: Table, rows: Sequence[dict[str, Any]]
) -> None:
    """COPY dict rows (all with the same keys) into a table; omitted columns take defaults."""
    if not rows:
        return
    columns = list(rows[0])
    as_json = {name for name in columns if isinstance(table.c[name].type, JSONB)}
    records = [
        tuple(_json(row[name]) if name in as_json else row[name] for name in columns)
        for row in rows
    ]
    driver = await _driver(session)
    await driver.copy_records_to_table(
        table.name, schema_name=table.schema, columns=columns, records=records
    )


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


async def _driver(session: AsyncSession | AsyncConnection) -> asyncpg.Connection:
    connection = await session.connection() if isinstance(session, AsyncSession) else session
    raw = await connection.get_raw_connection()
    driver: asyncpg.Connection = raw.driver_connection
    return driver
