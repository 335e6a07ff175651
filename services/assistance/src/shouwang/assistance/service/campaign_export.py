"""XLSX of a township's four lists (问题/措施/责任/时限): masked, formulas neutralised."""

import io
from datetime import date
from typing import Any

from openpyxl import Workbook
from shouwang.assistance.domain.campaign import STATE_LABELS, problem_state
from shouwang.assistance.runtime import AssistanceRuntime
from shouwang.assistance.service.campaign_problems import scoped_problems
from shouwang.assistance.service.campaigns import load_campaign
from shouwang.assistance.service.timekeeping import local_now
from shouwang.common.auth.principal import Principal
from shouwang.common.failures import Invalid
from shouwang.common.geography import Geography
from shouwang.common.pii_scrub import scrub_text

Row = dict[str, Any]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SHEETS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("问题清单", ("序号", "乡镇", "村", "户主", "问题类型", "问题描述", "发现日期")),
    ("措施清单", ("序号", "问题类型", "整改措施")),
    ("责任清单", ("序号", "责任单位", "责任人")),
    ("时限清单", ("序号", "整改时限", "状态", "销号日期", "销号佐证")),
)


def neutralise(value: object) -> object:
    """Keep a spreadsheet from evaluating text as a formula; scrub ID and phone numbers."""
    if not isinstance(value, str):
        return value
    text = scrub_text(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _cells(no: int, row: Row, geography: Geography, today: date) -> list[list[object]]:
    closed_at = row["closed_at"]
    evidence = (row["evidence"] or {}).get("text", "")
    state = STATE_LABELS[problem_state(row["status"], row["deadline"], today)]
    return [
        [
            no,
            geography.name(row["township_code"]) or row["township_code"],
            geography.name(row["village_code"]) or row["village_code"],
            row["head_name_masked"] or f"（项目）{row['project_name'] or ''}",
            row["problem_type"],
            row["description"],
            row["found_on"].isoformat(),
        ],
        [no, row["problem_type"], row["measure"]],
        [no, row["responsible_unit"], row["responsible_person"]],
        [
            no,
            row["deadline"].isoformat(),
            state,
            closed_at.date().isoformat() if closed_at else "",
            evidence,
        ],
    ]


def four_lists_xlsx(rows: list[Row], geography: Geography, today: date) -> bytes:
    """The workbook: one sheet per list, rows keyed by 序号."""
    book = Workbook(write_only=True)
    sheets = []
    for title, header in SHEETS:
        sheet = book.create_sheet(title)
        sheet.append(list(header))
        sheets.append(sheet)
    for no, row in enumerate(rows, start=1):
        for sheet, cells in zip(sheets, _cells(no, row, geography, today), strict=True):
            sheet.append([neutralise(c) for c in cells])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _township(principal: Principal, requested: str | None) -> str:
    region = principal.region or ""
    if len(region) >= 9:
        return region[:9]
    if not requested or not requested.isdigit() or len(requested) != 9:
        raise Invalid("请指定 9 位乡镇代码", code="township_required", field="township_code")
    return requested


async def export_four_lists(
    runtime: AssistanceRuntime, principal: Principal, campaign_id: str, township_code: str | None
) -> tuple[str, bytes]:
    """(file name, XLSX bytes) of one township's four lists in a campaign."""
    today = local_now(runtime).date()
    geography: Geography = runtime.geography
    async with runtime.sessionmaker() as session:
        campaign = await load_campaign(session, principal, campaign_id)
        township = _township(principal, township_code)
        rows = await scoped_problems(session, principal, campaign["id"], township)
    name = geography.name(township) or township
    return f"四项清单_{name}_{today.isoformat()}.xlsx", four_lists_xlsx(rows, geography, today)
