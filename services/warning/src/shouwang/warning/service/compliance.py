"""Push compliance per department and period, and the `push.missing` notice after the window."""

import io
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from shouwang.common.db.uow import UnitOfWork
from shouwang.common.events.catalog.warning import PushMissing
from shouwang.common.events.envelope import new_envelope
from shouwang.common.geography import Geography
from shouwang.warning.adapters.batches import pushes_per_department
from shouwang.warning.adapters.push_window import first_missing_notice
from shouwang.warning.adapters.repository import SOURCE
from shouwang.warning.domain.indicators import DEPARTMENTS
from shouwang.warning.domain.window import current_period, window_of
from shouwang.warning.runtime import WarningRuntime
from shouwang.warning.service.policy import period_start, policies_on
from sqlalchemy.ext.asyncio import AsyncSession

STATUS_LABELS = {
    "on_time": "按时推送",
    "late": "延期补报",
    "urgent_only": "仅紧急推送",
    "missing": "未推送",
}


def classify(timeliness: set[str]) -> str:
    """on_time beats late (extension) beats urgent-only; nothing pushed is missing."""
    if "on_time" in timeliness:
        return "on_time"
    if "extended" in timeliness:
        return "late"
    return "urgent_only" if "urgent" in timeliness else "missing"


async def compliance(
    session: AsyncSession, *, county_code: str, period: str
) -> list[dict[str, Any]]:
    """One row per catalogue department: status, batches, items, first push."""
    pushed = await pushes_per_department(session, county_code=county_code, period=period)
    rows = []
    for code, label in DEPARTMENTS.items():
        got = pushed.get(code)
        status = classify(set(got.kinds) if got else set())
        rows.append(
            {
                "department": code,
                "department_name": label,
                "period": period,
                "status": status,
                "status_label": STATUS_LABELS[status],
                "batches": got.batches if got else 0,
                "items": int(got.items or 0) if got else 0,
                "first_pushed_at": got.first_at.isoformat() if got else None,
            }
        )
    return rows


def compliance_workbook(rows: list[dict[str, Any]], *, county_code: str, period: str) -> bytes:
    """The compliance sheet (Chinese headers) as XLSX bytes."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(f"{period} 推送情况")
    sheet.append([f"县（市、区）代码 {county_code}", f"期次 {period}"])
    sheet.append(["部门代码", "部门", "推送状态", "批次数", "条目数", "首次推送时间"])
    for r in rows:
        sheet.append(
            [
                r["department"],
                r["department_name"],
                r["status_label"],
                r["batches"],
                r["items"],
                r["first_pushed_at"] or "",
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def sweep_missing_pushes(runtime: WarningRuntime) -> int:
    """After the window closes, announce every department that pushed nothing (once)."""
    now = runtime.clock.now()
    period = current_period(now)
    geography: Geography = runtime.geography
    counties = [county.code for county in geography.counties()]
    async with runtime.sessionmaker() as session:
        policies = await policies_on(session, counties=counties, on=period_start(period))
    sent = 0
    for code in counties:
        if now < window_of(period, policies[code].push_window).closes_at:
            continue
        async with runtime.uow() as uow:
            sent += await _announce_missing(uow, code, period, now)
            await uow.commit()
    return sent


async def _announce_missing(uow: UnitOfWork, county: str, period: str, now: datetime) -> int:
    """Publish `push.missing` once per department of the county that pushed nothing."""
    sent = 0
    for row in await compliance(uow.session, county_code=county, period=period):
        department = row["department"]
        if row["status"] == "missing" and await first_missing_notice(
            uow.session, county_code=county, department=department, period=period
        ):
            missing = PushMissing(county_code=county, department=department, period=period)
            subject = f"{county}/{department}/{period}"
            uow.publish(new_envelope(missing, source=SOURCE, time=now, subject=subject))
            sent += 1
    return sent
