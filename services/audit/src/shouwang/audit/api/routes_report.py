"""The printable quarterly consultation (会商) report of a county, as a page and as JSON."""

from pathlib import Path
from string import Template
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from shouwang.audit.api.deps import Reader, RuntimeDep, county_for, stream_reader
from shouwang.audit.api.web.report import render_report
from shouwang.audit.runtime import AuditRuntime
from shouwang.audit.service.consultation import consultation_report, quarter_of
from shouwang.common.clock import SHANGHAI
from shouwang.common.errors import failure_status
from shouwang.common.failures import Failure

WEB = Path(__file__).resolve().parent / "web"
router = APIRouter(tags=["report"])
_PAGE = Template((WEB / "templates" / "consultation.html").read_text(encoding="utf-8"))


async def _report(runtime: AuditRuntime, county: str, quarter: str | None) -> dict[str, Any]:
    quarter = quarter or quarter_of(runtime.clock.now())
    async with runtime.engine.connect() as conn:
        return await consultation_report(conn, county, quarter, runtime.geography)


@router.get("/report/consultation", response_class=HTMLResponse, include_in_schema=False)
async def consultation_page(
    request: Request, runtime: RuntimeDep, county: str | None = None, quarter: str | None = None
) -> HTMLResponse:
    """The county's quarterly 会商 report, printable (header, session cookie or `?ticket=`)."""
    try:
        county = county_for((await stream_reader(request)).principal, county)
        report = await _report(runtime, county, quarter)
    except Failure as exc:
        return HTMLResponse(
            f"<!doctype html><meta charset=utf-8><title>守望</title>"
            f"<p>无法生成会商报告：{exc.message}</p>",
            status_code=failure_status(exc),
        )
    generated = runtime.clock.now().astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    return HTMLResponse(
        render_report(_PAGE, report, generated), headers={"Cache-Control": "no-store"}
    )


@router.get("/api/v1/reports/consultation")
async def consultation_json(
    principal: Reader, runtime: RuntimeDep, county: str | None = None, quarter: str | None = None
) -> dict[str, Any]:
    """The same report's figures as JSON (default quarter: the current one)."""
    return await _report(runtime, county_for(principal, county), quarter)
