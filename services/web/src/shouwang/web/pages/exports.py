"""XLSX downloads of every list page: Chinese headers, masked, streamed in constant memory.

Tasks, declarations and plans are written by the service that owns them, from a server-side
cursor, and passed through here chunk by chunk. The household and follow-up sheets are written
here from the assistance API, a page at a time, by the same streaming writer.
"""

from collections.abc import AsyncIterator, Iterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from shouwang.common.http.download import xlsx_response
from shouwang.common.spreadsheet.writer import Cell, xlsx_stream
from shouwang.web.client import Api
from shouwang.web.labels import CATEGORIES, HOUSEHOLD_STATUS, INCOME_KINDS, label
from shouwang.web.ledger import month_rows
from shouwang.web.pages.downloads import stream_through
from shouwang.web.pages.households import list_filters, today_of
from shouwang.web.pages.visits import household_details
from shouwang.web.places import place_name
from shouwang.web.session import AreaSession, CountySession

router = APIRouter(prefix="/exports", include_in_schema=False)
PAGE = 200
TASK_FILTERS = ("status", "village_code", "township_code", "channel", "colour")
DECLARATION_FILTERS = ("status", "channel", "village_code", "township_code")
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


def _where(h: dict[str, Any]) -> list[Cell]:
    return [
        h["id"],
        place_name(h.get("township_code")),
        place_name(h.get("village_code")),
        h.get("head_name_masked"),
        h.get("size"),
    ]


def household_row(h: dict[str, Any]) -> list[Cell]:
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


def followup_rows(h: dict[str, Any]) -> Iterator[list[Cell]]:
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


async def _primed(rows: AsyncIterator[list[Cell]]) -> AsyncIterator[list[Cell]]:
    """The rows with the first already read: a failing first API call is an error page, not a
    download cut short."""
    first = await anext(rows, None)

    async def resumed() -> AsyncIterator[list[Cell]]:
        if first is not None:
            yield first
            async for row in rows:
                yield row

    return resumed()


def _query(request: Request, names: tuple[str, ...]) -> dict[str, str]:
    return {k: v for k in names if (v := request.query_params.get(k, "").strip())}


@router.get("/households.xlsx")
async def households_xlsx(request: Request, session: AreaSession) -> StreamingResponse:
    """The filtered household list."""

    async def rows() -> AsyncIterator[list[Cell]]:
        async for items in _pages(session.api, list_filters(request)):
            for h in items:
                yield household_row(h)

    name = f"监测农户清单_{today_of(request).isoformat()}.xlsx"
    body = xlsx_stream("监测农户", HOUSEHOLD_HEADERS, await _primed(rows()))
    return xlsx_response(body, filename=name, fallback="households.xlsx")


@router.get("/followups.xlsx")
async def followups_xlsx(request: Request, session: AreaSession) -> StreamingResponse:
    """Every recorded month of the filtered households."""

    async def rows() -> AsyncIterator[list[Cell]]:
        async for items in _pages(session.api, list_filters(request)):
            for h in await household_details(session.api, items):
                for row in followup_rows(h):
                    yield row

    name = f"月走访收入台账_{today_of(request).isoformat()}.xlsx"
    body = xlsx_stream("月走访收入", FOLLOWUP_HEADERS, await _primed(rows()))
    return xlsx_response(body, filename=name, fallback="followups.xlsx")


@router.get("/tasks.xlsx")
async def tasks_xlsx(request: Request, session: AreaSession) -> StreamingResponse:
    """The filtered task list, as the warning service writes it."""
    params = {**_query(request, TASK_FILTERS), "format": "xlsx"}
    return await stream_through(session.api, "warning", "/api/v1/tasks", **params)


@router.get("/declarations.xlsx")
async def declarations_xlsx(request: Request, session: CountySession) -> StreamingResponse:
    """The county's declarations, as the intake service writes them."""
    params = {**_query(request, DECLARATION_FILTERS), "format": "xlsx"}
    return await stream_through(session.api, "intake", "/api/v1/declarations", **params)


@router.get("/plans.xlsx")
async def plans_xlsx(request: Request, session: AreaSession) -> StreamingResponse:
    """The plan ledger of the filtered households, as the assistance service writes it."""
    return await stream_through(
        session.api, "assistance", "/api/v1/plans.xlsx", **list_filters(request)
    )
