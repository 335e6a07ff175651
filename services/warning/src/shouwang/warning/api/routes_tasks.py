"""Verification tasks: township and village work, county re-routing."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from shouwang.common.auth.deps import CurrentPrincipal
from shouwang.common.auth.principal import Principal
from shouwang.common.clock import SHANGHAI
from shouwang.common.http.download import XLSX_TYPE, xlsx_response
from shouwang.common.http.idempotency_key import IdempotencyKey
from shouwang.warning.api.deps import RuntimeDep
from shouwang.warning.api.schemas import TaskAssign, TaskPage, TaskRead, TaskReport, TaskReroute
from shouwang.warning.service import task_commands
from shouwang.warning.service.policy import amber_ratios
from shouwang.warning.service.task_export import tasks_xlsx
from shouwang.warning.service.task_queries import (
    scope_counties,
    scope_filter,
    task_detail,
    task_page,
    to_read,
)
from sqlalchemy.ext.asyncio import AsyncSession

router = APIRouter(prefix="/api/v1/tasks", tags=["verification tasks"])


async def _amber(
    runtime: RuntimeDep, principal: Principal, session: AsyncSession
) -> dict[str, float]:
    counties = scope_counties(principal, runtime.geography)
    today = runtime.clock.now().astimezone(SHANGHAI).date()
    return await amber_ratios(session, counties=counties, on=today)


@router.get(
    "",
    response_model=TaskPage,
    responses={200: {"content": {XLSX_TYPE: {}}, "description": "format=xlsx 时为 XLSX 任务清单"}},
)
async def list_verification_tasks(
    runtime: RuntimeDep,
    principal: CurrentPrincipal,
    status: str | None = None,
    period: str | None = None,
    village_code: str | None = None,
    township_code: str | None = None,
    channel: str | None = None,
    colour: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
    order: Literal["oldest", "newest"] = "oldest",
    format: Literal["json", "xlsx"] = "json",
) -> Any:
    """List the tasks in the caller's scope, a keyset page at a time (`order=newest`: the newest
    first); `format=xlsx`: every matching task as a sheet, oldest first."""
    filters = {
        "status": status,
        "period": period,
        "village_code": village_code,
        "township_code": township_code,
        "channel": channel,
        "colour": colour,
    }
    scope_filter(principal)  # 403 before any work (and before a sheet starts streaming)
    async with runtime.sessionmaker() as session:
        amber = await _amber(runtime, principal, session)
        if format == "json":
            return await task_page(
                session,
                principal,
                now=runtime.clock.now(),
                amber_ratio=amber,
                filters=filters,
                limit=limit,
                cursor=cursor,
                newest_first=order == "newest",
            )
    today = runtime.clock.now().astimezone(SHANGHAI).date().isoformat()
    return xlsx_response(
        tasks_xlsx(runtime, principal, amber_ratio=amber, filters=filters),
        filename=f"核实任务清单_{today}.xlsx",
        fallback="tasks.xlsx",
    )


@router.get("/{task_id}", response_model=TaskRead)
async def get_verification_task(
    runtime: RuntimeDep, principal: CurrentPrincipal, task_id: str
) -> dict[str, Any]:
    """A task with every signal and its history."""
    async with runtime.sessionmaker() as session:
        amber = await _amber(runtime, principal, session)
        row = await task_detail(
            session, principal, task_id, now=runtime.clock.now(), amber_ratio=amber
        )
    return to_read(row)


@router.post("/{task_id}/assign", response_model=TaskRead)
async def assign_verification_task(
    runtime: RuntimeDep, principal: CurrentPrincipal, task_id: str, body: TaskAssign
) -> dict[str, Any]:
    """Township assigns the task to a village (and cadre)."""
    await task_commands.assign_task(
        runtime, principal, task_id, village_code=body.village_code, cadre_name=body.cadre_name
    )
    return await get_verification_task(runtime, principal, task_id)


@router.post("/{task_id}/report", response_model=TaskRead)
async def report_verification_task(
    runtime: RuntimeDep,
    principal: CurrentPrincipal,
    task_id: str,
    body: TaskReport,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, Any]:
    """Village records the visit's outcome (a retry with the same Idempotency-Key: the first
    answer again; the same key with another body: 409 `idempotency_key_reused`)."""
    return await task_commands.report_task(
        runtime,
        principal,
        task_id,
        body.model_dump(),
        render=_task_json,
        idempotency_key=idempotency_key,
    )


def _task_json(row: dict[str, Any]) -> dict[str, Any]:
    """A task as the API shows it, as JSON (what an idempotent retry replays)."""
    return TaskRead.model_validate(to_read(row)).model_dump(mode="json")


@router.post("/{task_id}/confirm", response_model=TaskRead)
async def confirm_verification_task(
    runtime: RuntimeDep, principal: CurrentPrincipal, task_id: str
) -> dict[str, Any]:
    """Township confirms the village's report (not_found/moved return to the county)."""
    await task_commands.confirm_task(runtime, principal, task_id)
    return await get_verification_task(runtime, principal, task_id)


@router.post("/{task_id}/route", response_model=TaskRead)
async def reroute_verification_task(
    runtime: RuntimeDep, principal: CurrentPrincipal, task_id: str, body: TaskReroute
) -> dict[str, Any]:
    """County routes a returned task to the village now responsible."""
    await task_commands.reroute_task(runtime, principal, task_id, village_code=body.village_code)
    return await get_verification_task(runtime, principal, task_id)


@router.get("/{task_id}/pii")
async def get_verification_task_pii(
    runtime: RuntimeDep, principal: CurrentPrincipal, task_id: str
) -> dict[str, Any]:
    """Decrypted ID number and name for the visit; every call is audited."""
    return await task_commands.reveal_task_person(runtime, principal, task_id)
