"""Screening campaigns (集中排查): problems with the four lists, 销号, progress, export."""

from typing import Any, Literal
from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel, Field
from shouwang.assistance.api.campaign_schemas import CampaignCreate, ProblemClose, ProblemCreate
from shouwang.assistance.api.deps import RuntimeDep
from shouwang.assistance.service import campaign_export, campaign_problems, campaigns, screening
from shouwang.common.auth.deps import CurrentPrincipal

router = APIRouter(prefix="/api/v1/campaigns", tags=["campaigns"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.post("", status_code=201)
async def create_campaign(
    runtime: RuntimeDep, principal: CurrentPrincipal, body: CampaignCreate
) -> dict[str, Any]:
    """A county opens a campaign with its phases and dates."""
    return await campaigns.create_campaign(runtime, principal, body.model_dump())


@router.get("")
async def list_campaigns(runtime: RuntimeDep, principal: CurrentPrincipal) -> dict[str, Any]:
    """The campaigns of the caller's county."""
    return {"items": await campaigns.list_campaigns(runtime, principal)}


@router.get("/{campaign_id}")
async def get_campaign(
    runtime: RuntimeDep, principal: CurrentPrincipal, campaign_id: str
) -> dict[str, Any]:
    """A campaign with its current phase."""
    return await campaigns.get_campaign(runtime, principal, campaign_id)


@router.post("/{campaign_id}/problems", status_code=201)
async def record_problem(
    runtime: RuntimeDep, principal: CurrentPrincipal, campaign_id: str, body: ProblemCreate
) -> dict[str, Any]:
    """A township or village records a problem: 问题, 措施, 责任, 时限."""
    return await campaign_problems.record_problem(
        runtime, principal, campaign_id, body.model_dump()
    )


@router.get("/{campaign_id}/problems")
async def list_problems(
    runtime: RuntimeDep,
    principal: CurrentPrincipal,
    campaign_id: str,
    township_code: str | None = None,
    state: Literal["open", "overdue", "closed"] | None = None,
) -> dict[str, Any]:
    """The problems within the caller's geography (state: open, overdue or closed)."""
    items = await campaign_problems.list_problems(
        runtime, principal, campaign_id, township_code=township_code, state=state
    )
    return {"items": items}


@router.post("/{campaign_id}/problems/{problem_id}/close")
async def close_problem(
    runtime: RuntimeDep,
    principal: CurrentPrincipal,
    campaign_id: str,
    problem_id: str,
    body: ProblemClose,
) -> dict[str, Any]:
    """销号 with evidence (text + attachment metadata); 422 evidence_required without."""
    return await campaign_problems.close_problem(
        runtime, principal, campaign_id, problem_id, body.model_dump(mode="json")
    )


@router.get("/{campaign_id}/progress")
async def progress(
    runtime: RuntimeDep, principal: CurrentPrincipal, campaign_id: str
) -> dict[str, Any]:
    """Found, closed, overdue and 整改完成率 per township."""
    return await campaigns.progress(runtime, principal, campaign_id)


class TownshipDone(BaseModel):
    note: str = Field(default="", max_length=1000)


@router.post("/{campaign_id}/townships/{township_code}/complete")
async def complete_township(
    runtime: RuntimeDep,
    principal: CurrentPrincipal,
    campaign_id: str,
    township_code: str,
    body: TownshipDone,
) -> dict[str, Any]:
    """A township reports its screening done (completion per township in `progress`)."""
    return await screening.complete_township(
        runtime, principal, campaign_id, township_code, body.note
    )


@router.get("/{campaign_id}/four-lists.xlsx")
async def export_four_lists(
    runtime: RuntimeDep,
    principal: CurrentPrincipal,
    campaign_id: str,
    township_code: str | None = None,
) -> Response:
    """One township's four lists as XLSX (masked)."""
    name, data = await campaign_export.export_four_lists(
        runtime, principal, campaign_id, township_code
    )
    disposition = f"attachment; filename=four-lists.xlsx; filename*=UTF-8''{quote(name)}"
    return Response(data, media_type=XLSX, headers={"Content-Disposition": disposition})
