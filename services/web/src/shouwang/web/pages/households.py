"""一户一档: the household list (filters, pages) and the household file (county, township, village).

The assistance API scopes every answer to the caller's area: a village cadre reads only the
households of their own village, and writes only what the API lets a village write.
"""

from datetime import date, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from shouwang.common.clock import SHANGHAI
from shouwang.web.client import UpstreamError, seg
from shouwang.web.ledger import income_chart, month_rows
from shouwang.web.places import area_villages, townships_of
from shouwang.web.render import page
from shouwang.web.session import AreaSession
from starlette.responses import Response

router = APIRouter(prefix="/households", include_in_schema=False)
FILTERS = ("category", "status", "township_code", "village_code")
PAGE_SIZE = 20


def today_of(request: Request) -> date:
    """Today in Beijing by the server's clock (the dates the forms start from)."""
    now: datetime = request.app.state.clock.now()
    return now.astimezone(SHANGHAI).date()


def list_filters(request: Request) -> dict[str, str]:
    """The list filters the assistance API supports, from the query string."""
    return {k: request.query_params.get(k, "").strip() for k in FILTERS}


def upstream_messages(exc: UpstreamError) -> list[str]:
    """The error's message plus each detail's (validation fields, broken plan rules)."""
    details = exc.details
    if isinstance(details, dict):
        details = details.get("rules") or []
    extra = [
        str(d.get("message"))
        for d in (details if isinstance(details, list) else [])
        if isinstance(d, dict) and d.get("message") and d.get("message") != exc.message
    ]
    return [exc.message, *extra]


@router.get("")
async def household_list(request: Request, session: AreaSession) -> Response:
    """Monitored households in the user's area, filtered and paged."""
    filters = list_filters(request)
    try:
        page_no = max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        page_no = 1
    found = await session.api.get(
        "assistance",
        "/api/v1/households",
        limit=PAGE_SIZE + 1,
        offset=(page_no - 1) * PAGE_SIZE,
        **filters,
    )
    items = found["items"]
    scope = session.principal.scope
    query = urlencode({k: v for k, v in filters.items() if v})
    return page(
        request,
        "households.html",
        {
            "households": items[:PAGE_SIZE],
            "filters": filters,
            "page_no": page_no,
            "has_next": len(items) > PAGE_SIZE,
            "query": query,
            "role": session.principal.role,
            "townships": townships_of(scope) if session.principal.role == "county" else [],
            "villages": area_villages(scope),
            "scope": scope,
        },
    )


async def detail_page(
    request: Request,
    session: AreaSession,
    household_id: str,
    *,
    errors: dict[str, list[str]] | None = None,
    form: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    """The household file; a failed action re-renders it with the API's messages."""
    household = await session.api.get("assistance", f"/api/v1/households/{seg(household_id)}")
    rows = month_rows(household.get("followups") or [])
    return page(
        request,
        "household.html",
        {
            "h": household,
            "ident": household.get("identification"),
            "months": rows,
            "chart": income_chart(rows),
            "role": session.principal.role,
            "today": today_of(request).isoformat(),
            "errors": errors or {},
            "form": form or {},
        },
        status=status,
    )


@router.get("/{household_id}")
async def household_detail(request: Request, session: AreaSession, household_id: str) -> Response:
    """One household: members, identification, plans, follow-ups, elimination."""
    return await detail_page(request, session, household_id)


@router.post("/{household_id}/members/{member_id}/labour")
async def set_labour(
    request: Request,
    session: AreaSession,
    household_id: str,
    member_id: str,
    labour: Annotated[str, Form()] = "",
) -> Response:
    """Record a member's labour capacity after the home visit."""
    path = f"/api/v1/households/{seg(household_id)}/members/{seg(member_id)}/labour"
    try:
        await session.api.request("assistance", "PUT", path, json={"labour": labour})
    except UpstreamError as exc:
        if exc.status == 401:
            raise
        errors = {f"labour:{member_id}": upstream_messages(exc)}
        return await detail_page(request, session, household_id, errors=errors, status=exc.status)
    return RedirectResponse(f"/households/{seg(household_id)}?ok=labour", status_code=303)
