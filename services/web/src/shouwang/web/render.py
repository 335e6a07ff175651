"""Jinja2 rendering with the workbench's filters and common context."""

from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from shouwang.common.clock import SHANGHAI
from shouwang.web import labels
from shouwang.web.csrf import csrf_token, keep_seed
from shouwang.web.places import place_name
from shouwang.web.session import principal_of
from starlette.responses import Response

TEMPLATES = Path(__file__).resolve().parent / "templates"
templates = Jinja2Templates(directory=TEMPLATES)


def beijing(value: Any, fmt: str = "%Y/%m/%d %H:%M") -> str:
    """Show an ISO time in Beijing time."""
    if not value:
        return "—"
    at = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return at.astimezone(SHANGHAI).strftime(fmt) if at.tzinfo else at.strftime(fmt)


def day(value: Any) -> str:
    """Show a date as YYYY/MM/DD."""
    if not value:
        return "—"
    parsed = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return parsed.strftime("%Y/%m/%d")


templates.env.filters["beijing"] = beijing
templates.env.filters["day"] = day
templates.env.globals["L"] = labels
templates.env.tests["failed"] = lambda value: isinstance(value, BaseException)
templates.env.globals["label"] = labels.label
templates.env.globals["place"] = place_name


def page(
    request: Request, name: str, context: dict[str, Any] | None = None, status: int = 200
) -> Response:
    """Render a full page (htmx-boosted requests swap its body)."""
    ok = request.query_params.get("ok")
    ctx = {
        "user": principal_of(request),
        "settings": request.app.state.settings,
        "flash": labels.FLASH.get(ok or "", ""),
        "flash_count": request.query_params.get("n"),
        "csrf": csrf_token(request),
        **(context or {}),
    }
    response = templates.TemplateResponse(request, name, ctx, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    keep_seed(request, response)
    return response
