"""Department pushes and the county's filed batches (备案)."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import ValidationError
from shouwang.common.auth.deps import CurrentPrincipal
from shouwang.common.errors import invalid_body
from shouwang.common.http.idempotency_key import IdempotencyKey
from shouwang.common.pii_access import record_pii_view
from shouwang.warning.api.deps import RuntimeDep
from shouwang.warning.api.schemas import WarningBatchAccepted, WarningBatchCreate, WarningBatchRead
from shouwang.warning.service.batch_queries import list_batches, visible_batch
from shouwang.warning.service.push import PushBatch, open_raw, push_batch

router = APIRouter(prefix="/api/v1/warning-batches", tags=["warning batches"])


@router.post("", status_code=202, response_model=WarningBatchAccepted)
async def create_warning_batch(
    request: Request,
    response: Response,
    runtime: RuntimeDep,
    principal: CurrentPrincipal,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, Any]:
    """Push a month's warnings (or a zero report with `items: []`)."""
    raw = await request.body()  # size-limited as it streams in (main.body_limits)
    try:
        body = WarningBatchCreate.model_validate_json(raw)
    except ValidationError as exc:
        raise invalid_body(exc) from None
    cmd = PushBatch(
        department=body.department,
        period=body.period,
        urgent=body.urgent,
        urgent_reason=body.urgent_reason,
        items=[item.model_dump() for item in body.items],
        raw=raw,
        content_type="application/json",
        idempotency_key=idempotency_key,
    )
    status, result = await push_batch(cmd, runtime=runtime, principal=principal)
    response.status_code = status
    return result


async def _visible_batch(runtime: RuntimeDep, principal: CurrentPrincipal, batch_id: str) -> Any:
    async with runtime.sessionmaker() as session:
        return await visible_batch(session, principal, batch_id)


def _batch_read(row: Any) -> dict[str, Any]:
    return {**{k: v for k, v in row.items() if k != "raw"}, "batch_id": str(row["id"])}


@router.get("", response_model=dict[str, Any])
async def list_warning_batches(
    runtime: RuntimeDep,
    principal: CurrentPrincipal,
    department: str | None = None,
    period: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    """List filed batches (county: all departments; department: its own)."""
    async with runtime.sessionmaker() as session:
        rows = await list_batches(
            session, principal, department=department, period=period, limit=limit
        )
    items = [WarningBatchRead.model_validate(_batch_read(r)).model_dump(mode="json") for r in rows]
    return {"items": items, "next_cursor": None}


@router.get("/{batch_id}", response_model=WarningBatchRead)
async def get_warning_batch(
    runtime: RuntimeDep, principal: CurrentPrincipal, batch_id: str
) -> dict[str, Any]:
    """Summary of a batch and how far its processing got."""
    return _batch_read(await _visible_batch(runtime, principal, batch_id))


@router.get("/{batch_id}/raw")
async def get_warning_batch_raw(
    runtime: RuntimeDep, principal: CurrentPrincipal, batch_id: str
) -> Response:
    """The filed bytes, exactly as received (备案原件)."""
    row = await _visible_batch(runtime, principal, batch_id)
    async with runtime.uow() as uow:
        record_pii_view(
            uow,
            principal=principal,
            service="warning",
            subject=batch_id,
            purpose="batch_filing_download",
            person_ref=None,
        )
        await uow.commit()
    raw = open_raw(row["raw"], runtime=runtime, batch_id=row["id"])
    return Response(
        raw, media_type=row["raw_content_type"], headers={"X-Content-SHA256": row["sha256"]}
    )
