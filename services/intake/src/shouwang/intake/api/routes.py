"""Declarations: filing on the four channels, the filer's status, scoped lists and the sheet."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import ValidationError
from shouwang.common.auth.deps import CurrentPrincipal
from shouwang.common.clock import SHANGHAI
from shouwang.common.errors import validation_details
from shouwang.common.failures import validation_failed
from shouwang.common.http.download import XLSX_TYPE, xlsx_response
from shouwang.common.http.idempotency_key import IdempotencyKey
from shouwang.intake.api.deps import PromisesDep, RuntimeDep
from shouwang.intake.api.schemas import (
    FIELD_LABELS,
    DeclarationAccepted,
    DeclarationCreate,
    DeclarationPage,
    DeclarationStatus,
    ExportFormat,
)
from shouwang.intake.service import queries
from shouwang.intake.service.export import declarations_xlsx
from shouwang.intake.service.filing import file_declaration
from shouwang.intake.service.ratelimit import check_limits

router = APIRouter(prefix="/api/v1/declarations", tags=["declarations"])


def parse_body(raw: bytes) -> DeclarationCreate:
    """Parse the JSON body; type errors become 422 with Chinese field labels."""
    try:
        return DeclarationCreate.model_validate_json(raw)
    except ValidationError as exc:
        details = validation_details(list(exc.errors()))
        for d in details:
            label = FIELD_LABELS.get(d["field"].split(".")[0])
            if label:
                d["message"] = label + d["message"][len(d["field"]) :]
        raise validation_failed(details) from None


@router.post(
    "",
    status_code=201,
    response_model=DeclarationAccepted,
    responses={200: {"model": DeclarationAccepted, "description": "本人重复申报"}},
)
async def create_declaration(
    request: Request,
    response: Response,
    runtime: RuntimeDep,
    promises: PromisesDep,
    principal: CurrentPrincipal,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, Any]:
    """File a declaration; another caller's while the person's is open is merged into it."""
    host = request.client.host if request.client else "unknown"
    await check_limits(runtime, principal, host=host)
    raw = await request.body()
    body = parse_body(raw)
    status, result = await file_declaration(
        runtime, principal, body, raw=raw, idempotency_key=idempotency_key, promises=promises
    )
    response.status_code = status
    return result


@router.get(
    "",
    response_model=DeclarationPage,
    responses={200: {"content": {XLSX_TYPE: {}}, "description": "format=xlsx 时为 XLSX 台账"}},
)
async def list_declarations(
    runtime: RuntimeDep,
    principal: CurrentPrincipal,
    status: str | None = None,
    channel: str | None = None,
    village_code: str | None = None,
    township_code: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
    format: ExportFormat = "json",
) -> Any:
    """Declarations in the caller's scope by status and channel; `format=xlsx` for the sheet."""
    filters = {
        "status": status,
        "channel": channel,
        "village_code": village_code,
        "township_code": township_code,
    }
    queries.scope_filter(principal)  # 403 before any work for roles without a list
    if format == "xlsx":
        today = runtime.clock.now().astimezone(SHANGHAI).date().isoformat()
        return xlsx_response(
            declarations_xlsx(runtime, principal, filters),
            filename=f"申报台账_{today}.xlsx",
            fallback="declarations.xlsx",
        )
    async with runtime.sessionmaker() as session:
        rows, next_cursor = await queries.list_page(
            session,
            principal,
            filters=filters,
            limit=limit,
            cursor=cursor,
            now=runtime.clock.now(),
        )
    return {"items": rows, "next_cursor": next_cursor}


@router.get("/{receipt}", response_model=DeclarationStatus)
async def get_declaration(
    runtime: RuntimeDep, principal: CurrentPrincipal, receipt: str
) -> dict[str, Any]:
    """The status of a declaration (masked), for the resident who filed it or staff in scope."""
    async with runtime.sessionmaker() as session:
        return await queries.get_status(session, principal, receipt)
