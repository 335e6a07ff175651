"""The household registry: list, register, read (masked), update, members, PII, import."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel
from shouwang.assistance.api.deps import HouseholdFilters, RuntimeDep
from shouwang.assistance.api.schemas import (
    CadreIn,
    HouseholdCreate,
    HouseholdUpdate,
    Labour,
    MemberIn,
)
from shouwang.assistance.service import cadres, import_upload, queries, registry
from shouwang.assistance.service.timekeeping import local_now
from shouwang.common.auth.deps import CurrentPrincipal

router = APIRouter(prefix="/api/v1/households", tags=["households"])


class LabourIn(BaseModel):
    labour: Labour


@router.get("")
async def list_households(
    runtime: RuntimeDep,
    principal: CurrentPrincipal,
    filters: HouseholdFilters,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """Households in the caller's area, masked."""
    async with runtime.sessionmaker() as session:
        items = await queries.list_households(
            session, principal, filters=filters, limit=limit, offset=offset
        )
    return {"items": items, "limit": limit, "offset": offset}


@router.post("", status_code=201)
async def register_household(
    runtime: RuntimeDep, principal: CurrentPrincipal, body: HouseholdCreate
) -> dict[str, Any]:
    """Register a household with its members."""
    household_id = await registry.register_household(runtime, principal, body.model_dump())
    return await get_household(runtime, principal, household_id)


IMPORT_PATH = f"{router.prefix}/import"  # its body limit: main.create_app


@router.post("/import")
async def import_households(
    runtime: RuntimeDep, principal: CurrentPrincipal, request: Request
) -> dict[str, Any]:
    """Import a registry export, CSV (UTF-8 or GBK) or XLSX: the raw body or a multipart `file`."""
    return await import_upload.import_upload(runtime, principal, request)


@router.get("/{household_id}")
async def get_household(
    runtime: RuntimeDep, principal: CurrentPrincipal, household_id: str
) -> dict[str, Any]:
    """A household, masked, with its procedures."""
    async with runtime.sessionmaker() as session:
        row = await queries.household_detail(
            session, principal, household_id, now=local_now(runtime)
        )
    return row


@router.patch("/{household_id}")
async def update_household(
    runtime: RuntimeDep, principal: CurrentPrincipal, household_id: str, body: HouseholdUpdate
) -> dict[str, Any]:
    """Correct category, risk types, protection, security, size."""
    await registry.update_household(
        runtime, principal, household_id, body.model_dump(exclude_none=True)
    )
    return await get_household(runtime, principal, household_id)


@router.post("/{household_id}/members", status_code=201)
async def add_member(
    runtime: RuntimeDep, principal: CurrentPrincipal, household_id: str, body: MemberIn
) -> dict[str, Any]:
    """Add a member to a household."""
    await registry.add_member(runtime, principal, household_id, body.model_dump())
    return await get_household(runtime, principal, household_id)


@router.put("/{household_id}/members/{member_id}/labour")
async def set_labour(
    runtime: RuntimeDep,
    principal: CurrentPrincipal,
    household_id: str,
    member_id: str,
    body: LabourIn,
) -> dict[str, Any]:
    """Record a member's labour capacity."""
    await registry.set_member_labour(runtime, principal, household_id, member_id, body.labour)
    return await get_household(runtime, principal, household_id)


@router.put("/{household_id}/cadre")
async def put_cadre(
    runtime: RuntimeDep, principal: CurrentPrincipal, household_id: str, body: CadreIn
) -> dict[str, Any]:
    """Name or change the household's responsible cadre (township or county); kept in history."""
    return await cadres.assign_cadre(runtime, principal, household_id, body.model_dump())


@router.get("/{household_id}/pii")
async def get_household_pii(
    runtime: RuntimeDep, principal: CurrentPrincipal, household_id: str
) -> dict[str, Any]:
    """Decrypted members and address; every call is audited."""
    return await registry.reveal_household(runtime, principal, household_id)
