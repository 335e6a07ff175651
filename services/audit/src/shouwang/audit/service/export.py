"""Streaming CSV/XLSX exports of an audit query (masked data only; formula cells neutralised)."""

import csv
import io
import json
from collections.abc import AsyncIterator
from typing import Any

from shouwang.audit.adapters.log_store import stream_filtered
from shouwang.audit.service.queries import EventFilter
from shouwang.common.spreadsheet import writer
from sqlalchemy import RowMapping
from sqlalchemy.ext.asyncio import AsyncEngine

HEADER = [
    "位置",
    "事件ID",
    "事件类型",
    "来源",
    "主体",
    "发生时间",
    "主题",
    "操作人",
    "县代码",
    "乡镇代码",
    "事件数据",
    "哈希",
]
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 64 * 1024


def neutralise(value: Any) -> str:
    """Render a cell as text that a spreadsheet will not evaluate as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def _cells(row: RowMapping) -> list[str]:
    data = json.dumps(json.loads(row["canonical"])["data"], ensure_ascii=False, sort_keys=True)
    values = [
        row["position"],
        row["event_id"],
        row["type"],
        row["source"],
        row["subject"],
        row["time"].isoformat(),
        row["topic"],
        row["actor"],
        row["county_code"],
        row["township_code"],
        data,
        row["hash"],
    ]
    return [neutralise(v) for v in values]


async def _rows(engine: AsyncEngine, flt: EventFilter, max_rows: int) -> AsyncIterator[list[str]]:
    async with engine.connect() as conn:
        async for row in stream_filtered(conn, flt, limit=max_rows):
            yield _cells(row)


async def csv_stream(engine: AsyncEngine, flt: EventFilter, max_rows: int) -> AsyncIterator[bytes]:
    """Yield a UTF-8 (BOM, for Excel) CSV of the query, a chunk at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(HEADER)
    async for cells in _rows(engine, flt, max_rows):
        writer.writerow(cells)
        if buffer.tell() >= CHUNK:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def xlsx_stream(engine: AsyncEngine, flt: EventFilter, max_rows: int) -> AsyncIterator[bytes]:
    """The XLSX of the query, written while the rows stream (the shared writer: flat memory)."""
    return writer.xlsx_stream("审计日志", HEADER, _rows(engine, flt, max_rows))
