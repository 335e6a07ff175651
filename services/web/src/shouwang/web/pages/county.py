"""County: the unroutable queue with routing, extensions, declarations, the dashboard link."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from shouwang.web.client import UpstreamError, gather_sections, seg
from shouwang.web.render import page
from shouwang.web.session import CountySession
from shouwang.web.window import last_periods
from starlette.responses import Response

router = APIRouter(prefix="/county", include_in_schema=False)


async def _county_page(
    request: Request,
    session: CountySession,
    *,
    errors: dict[str, str] | None = None,
    form: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    unroutable, declarations = await gather_sections(
        session.api.get("warning", "/api/v1/unroutable", limit=200),
        session.api.get("intake", "/api/v1/declarations", limit=50),
    )
    # NOTE: no token in the link: the dashboard reads this workbench's HttpOnly session cookie,
    # which the browser sends to the dashboard's host whatever its port
    dashboard = request.app.state.settings.dashboard_url
    return page(
        request,
        "county.html",
        {
            "unroutable": unroutable,
            "declarations": declarations,
            "errors": errors or {},
            "form": {"period": last_periods(request.app.state.clock.now(), 1)[0], **(form or {})},
            "dashboard": dashboard,
            "county": session.principal.scope,
        },
        status=status,
    )


@router.get("")
async def county_home(request: Request, session: CountySession) -> Response:
    """The county's work page."""
    return await _county_page(request, session)


@router.post("/unroutable/{item_id}/route")
async def route(
    request: Request,
    session: CountySession,
    item_id: str,
    village_code: Annotated[str, Form()] = "",
) -> Response:
    """Route a held item to a village."""
    try:
        await session.api.post(
            "warning",
            f"/api/v1/unroutable/{seg(item_id)}/route",
            {"village_code": village_code.strip()},
        )
    except UpstreamError as exc:
        if exc.status == 401:
            raise
        return await _county_page(
            request,
            session,
            errors={f"route:{item_id}": exc.message},
            form={f"route:{item_id}": village_code},
            status=exc.status,
        )
    return RedirectResponse("/county?ok=routed", status_code=303)


@router.post("/extensions")
async def extension(
    request: Request,
    session: CountySession,
    department: Annotated[str, Form()] = "",
    period: Annotated[str, Form()] = "",
    until: Annotated[str, Form()] = "",
) -> Response:
    """Open a late-push window for a department (the time is Beijing time)."""
    values = {"department": department, "period": period, "until": until}
    until_iso = f"{until}:00+08:00" if len(until) == 16 else until
    try:
        await session.api.post(
            "warning",
            "/api/v1/extensions",
            {"department": department, "period": period.strip(), "until": until_iso},
        )
    except UpstreamError as exc:
        if exc.status == 401:
            raise
        field = exc.field if exc.field in values else "_extension"
        return await _county_page(
            request, session, errors={field: exc.message}, form=values, status=exc.status
        )
    return RedirectResponse("/county?ok=extended", status_code=303)
