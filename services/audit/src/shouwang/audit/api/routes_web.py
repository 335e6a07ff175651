"""The county dashboard page (Chinese), its static files, and the AsyncAPI document."""

from pathlib import Path
from string import Template
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from shouwang.audit.api.deps import RuntimeDep, county_for, stream_reader
from shouwang.common.clock import SHANGHAI
from shouwang.common.errors import failure_status
from shouwang.common.events.asyncapi import asyncapi_document
from shouwang.common.failures import Failure
from starlette.middleware.gzip import GZipMiddleware

WEB = Path(__file__).resolve().parent / "web"
router = APIRouter(tags=["dashboard"])
_PAGE = Template((WEB / "templates" / "dashboard.html").read_text(encoding="utf-8"))


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def dashboard(
    request: Request, runtime: RuntimeDep, county: str | None = None
) -> HTMLResponse:
    """The county supervision dashboard: header, the workbench's session cookie, or `?ticket=`.

    The page's own fetches and its EventSource are same-origin and carry the workbench's HttpOnly
    cookie (cookies are per host, not per port), so no token is ever put in a URL or in the page.
    """
    try:
        principal = (await stream_reader(request)).principal
        county = county_for(principal, county)
    except Failure as exc:
        return HTMLResponse(
            f"<!doctype html><meta charset=utf-8><title>守望</title>"
            f"<p>无法打开督导看板：{exc.message}</p>",
            status_code=failure_status(exc),
        )
    geography = runtime.geography
    period = runtime.clock.now().astimezone(SHANGHAI).strftime("%Y-%m")
    html = _PAGE.substitute(
        county=county,
        county_name=geography.name(county) or county,
        period=period,
        role=principal.label,
    )
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})


@router.get("/asyncapi.json", tags=["events"])
async def asyncapi() -> dict[str, Any]:
    """AsyncAPI 3 document of every topic and event type, generated from the registry."""
    return asyncapi_document()


def mount_static(app: FastAPI) -> None:
    """Serve the dashboard's JS and the vendored ECharts (no CDN), gzipped (ECharts: 1 MB)."""
    files = StaticFiles(directory=WEB / "static")
    app.mount("/static", GZipMiddleware(files, minimum_size=1024), name="static")
