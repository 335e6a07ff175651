"""Audit log API: verify the chain, query events, PII access per actor, exports."""

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from shouwang.audit.api.deps import Reader, RuntimeDep, region_filter
from shouwang.audit.config import AuditSettings
from shouwang.audit.service.export import csv_stream, xlsx_stream
from shouwang.audit.service.queries import PII_VIEWED, EventFilter, event_view, filtered
from shouwang.audit.service.verify import verify_chain
from shouwang.common.auth.deps import require_role
from shouwang.common.auth.principal import Principal

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _filter(
    principal: Principal,
    subject: str | None,
    type: str | None,
    actor: str | None,
    person_ref: str | None,
    since: datetime | None,
    until: datetime | None,
    cursor: int = 0,
) -> EventFilter:
    return EventFilter(
        subject=subject,
        type=type,
        actor=actor,
        person_ref=person_ref,
        since=since,
        until=until,
        region=region_filter(principal),
        after=cursor,
    )


@router.get("/verify")
async def verify(principal: Reader, runtime: RuntimeDep) -> dict[str, Any]:
    """Recompute the whole chain and name the first broken link (auditor only)."""
    require_role(principal, "auditor")
    result = await verify_chain(runtime.engine, workers=runtime.settings.verify_workers)
    if result.ok:
        return {"ok": True, "events": result.events}
    return {"ok": False, "events": result.events, "first_broken": result.first_broken}


@router.get("/events")
async def list_events(
    principal: Reader,
    runtime: RuntimeDep,
    subject: str | None = None,
    type: str | None = None,
    actor: str | None = None,
    person_ref: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """Events matching the filters in log order; `next_cursor` pages on."""
    flt = _filter(principal, subject, type, actor, person_ref, since, until, cursor)
    return await _page(runtime, flt, limit)


@router.get("/pii-access")
async def pii_access(
    principal: Reader,
    runtime: RuntimeDep,
    actor: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """Decrypted reads of personal data (`access.pii.viewed`), per actor (auditor only)."""
    require_role(principal, "auditor")
    flt = EventFilter(type=PII_VIEWED, actor=actor, since=since, until=until, after=cursor)
    return await _page(runtime, flt, limit)


async def _page(runtime: RuntimeDep, flt: EventFilter, limit: int) -> dict[str, Any]:
    async with runtime.engine.connect() as conn:
        rows = (await conn.execute(filtered(flt).limit(limit))).mappings().all()
    items = [event_view(row) for row in rows]
    next_cursor = items[-1]["position"] if len(items) == limit else None
    return {"items": items, "next_cursor": next_cursor}


@router.get("/export")
async def export(
    principal: Reader,
    runtime: RuntimeDep,
    format: Literal["csv", "xlsx"] = "csv",
    subject: str | None = None,
    type: str | None = None,
    actor: str | None = None,
    person_ref: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> StreamingResponse:
    """Stream the query as CSV or XLSX (events carry masked data only)."""
    flt = _filter(principal, subject, type, actor, person_ref, since, until)
    settings = runtime.settings
    assert isinstance(settings, AuditSettings)
    if format == "xlsx":
        body, media = xlsx_stream(runtime.engine, flt, settings.export_max_rows), XLSX
    else:
        body = csv_stream(runtime.engine, flt, settings.export_max_rows)
        media = "text/csv; charset=utf-8"
    headers = {"Content-Disposition": f'attachment; filename="audit-events.{format}"'}
    return StreamingResponse(body, media_type=media, headers=headers)
