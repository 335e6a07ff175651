"""XLSX downloads of the household and follow-up lists: Chinese headers, masked, constant memory.

The API is read a page at a time; openpyxl's write-only sheet spills each row to a temporary
file, the finished workbook is saved to disk and streamed out in chunks, then deleted.
"""

import asyncio
import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from datetime import date
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from openpyxl import Workbook
from shouwang.web.client import Api
from shouwang.web.labels import CATEGORIES, HOUSEHOLD_STATUS, INCOME_KINDS, label
from shouwang.web.ledger import month_rows
from shouwang.web.pages.households import list_filters, today_of
from shouwang.web.pages.visits import household_details
from shouwang.web.places import place_name
from shouwang.web.session import AreaSession

router = APIRouter(prefix="/exports", include_in_schema=False)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE = 200
CHUNK = 64 * 1024
HOUSEHOLD_HEADERS = [
    "档案编号",
    "乡镇",
    "村（社区）",
    "户主（脱敏）",
    "家庭人口",
    "类别",
    "状态",
    "风险类型",
    "兜底保障",
    "监测起始日",
    "批准纳入日",
    "整户兜底保障户",
]
FOLLOWUP_HEADERS = [
    "档案编号",
    "乡镇",
    "村（社区）",
    "户主（脱敏）",
    "家庭人口",
    "月份",
    *INCOME_KINDS.values(),
    "月收入合计（元）",
    "年化人均收入（元）",
    "预警标记",
]


async def _pages(api: Api, filters: dict[str, str]) -> AsyncIterator[list[dict[str, Any]]]:
    offset = 0
    while True:
        found = await api.get(
            "assistance", "/api/v1/households", limit=PAGE, offset=offset, **filters
        )
        items: list[dict[str, Any]] = found["items"]
        if items:
            yield items
        if len(items) < PAGE:
            return
        offset += PAGE


def _where(h: dict[str, Any]) -> list[Any]:
    return [
        h["id"],
        place_name(h.get("township_code")),
        place_name(h.get("village_code")),
        h.get("head_name_masked"),
        h.get("size"),
    ]


def household_row(h: dict[str, Any]) -> list[Any]:
    """One household as a sheet row (masked summary fields only)."""
    category = h.get("category")
    return [
        *_where(h),
        category if category in CATEGORIES else "—",
        label(HOUSEHOLD_STATUS, h.get("status")),
        "、".join(h.get("risk_types") or []),
        "、".join(h.get("protection") or []),
        h.get("monitored_since") or "",
        h.get("approved_on") or "",
        "是" if h.get("guarantee_household") else "否",
    ]


def followup_rows(h: dict[str, Any]) -> Iterator[list[Any]]:
    """A household's follow-up months as sheet rows."""
    for m in month_rows(h.get("followups") or []):
        yield [
            *_where(h),
            m.month,
            *m.income.values(),
            m.total,
            m.annual_per_person,
            "、".join(f["message"] for f in m.flags),
        ]


def _stream(path: str) -> Iterator[bytes]:
    try:
        with open(path, "rb") as file:
            while chunk := file.read(CHUNK):
                yield chunk
    finally:
        os.unlink(path)


async def _sheet(title: str, headers: list[str], rows: AsyncIterator[list[Any]]) -> str:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    sheet.append(headers)
    async for row in rows:
        sheet.append(row)
    fd, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(fd)
    try:
        await asyncio.to_thread(book.save, path)
    except BaseException:
        os.unlink(path)
        raise
    return path


def _download(path: str, name: str, today: date) -> StreamingResponse:
    filename = f"{name}_{today.isoformat()}.xlsx"
    disposition = f"attachment; filename=export.xlsx; filename*=UTF-8''{quote(filename)}"
    headers = {"Content-Disposition": disposition, "Cache-Control": "no-store"}
    return StreamingResponse(_stream(path), media_type=XLSX, headers=headers)


@router.get("/households.xlsx")
async def households_xlsx(request: Request, session: AreaSession) -> StreamingResponse:
    """The filtered household list."""

    async def rows() -> AsyncIterator[list[Any]]:
        async for items in _pages(session.api, list_filters(request)):
            for h in items:
                yield household_row(h)

    path = await _sheet("监测农户", HOUSEHOLD_HEADERS, rows())
    return _download(path, "监测农户清单", today_of(request))


@router.get("/followups.xlsx")
async def followups_xlsx(request: Request, session: AreaSession) -> StreamingResponse:
    """Every recorded month of the filtered households."""

    async def rows() -> AsyncIterator[list[Any]]:
        async for items in _pages(session.api, list_filters(request)):
            for h in await household_details(session.api, items):
                for row in followup_rows(h):
                    yield row

    path = await _sheet("月走访收入", FOLLOWUP_HEADERS, rows())
    return _download(path, "月走访收入台账", today_of(request))
