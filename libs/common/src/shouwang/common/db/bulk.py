"""Bulk writes through COPY inside the caller's transaction (the fast path for big batches)."""

from collections.abc import Sequence
from operator import itemgetter
from typing import Any

import asyncpg
from pydantic import BaseModel
from pydantic_core import to_json
from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession


class JsonText(str):
    """A JSONB value already encoded (a model's own JSON): COPY sends it as it is."""

    @classmethod
    def of(cls, model: BaseModel, *, exclude: set[str] | None = None) -> "JsonText":
        # NOTE: pydantic's JSON (Rust) is the same text model_dump(mode="json") + json.dumps gave
        return cls(model.model_dump_json(exclude=exclude))


async def copy_rows(
    session: AsyncSession | AsyncConnection, table: Table, rows: Sequence[dict[str, Any]]
) -> None:
    """COPY dict rows (all with the same keys) into a table; omitted columns take defaults."""
    if not rows:
        return
    columns = list(rows[0])
    as_json = [i for i, name in enumerate(columns) if isinstance(table.c[name].type, JSONB)]
    # NOTE: itemgetter builds each record in C; a generator per row was a visible share
    values = itemgetter(*columns) if len(columns) > 1 else (lambda row: (row[columns[0]],))
    records: list[tuple[Any, ...]] = [values(row) for row in rows]
    if as_json:
        records = [_encoded(record, as_json) for record in records]
    driver = await _driver(session)
    await driver.copy_records_to_table(
        table.name, schema_name=table.schema, columns=columns, records=records
    )


def _encoded(record: tuple[Any, ...], as_json: list[int]) -> tuple[Any, ...]:
    fields = list(record)
    for i in as_json:
        fields[i] = _json(fields[i])
    return tuple(fields)


def _json(value: Any) -> str:
    if isinstance(value, JsonText):
        return value
    # NOTE: pydantic_core's encoder (Rust), ~6x json.dumps; UTF-8 as is, like ensure_ascii=False
    return to_json(value).decode()


async def _driver(session: AsyncSession | AsyncConnection) -> asyncpg.Connection:
    connection = await session.connection() if isinstance(session, AsyncSession) else session
    raw = await connection.get_raw_connection()
    driver: asyncpg.Connection = raw.driver_connection
    return driver
