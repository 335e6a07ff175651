"""Screening campaigns (集中排查): create (county), read, and progress per township."""

import uuid
from datetime import date
from typing import Any

from shouwang.assistance.adapters import campaigns as store
from shouwang.assistance.domain.campaign import (
    CampaignNotFound,
    TownshipProgress,
    check_phases,
    current_phase,
    totals,
)
from shouwang.assistance.runtime import AssistanceRuntime
from shouwang.assistance.service.access import READ_ROLES, require_role
from shouwang.assistance.service.campaign_completion import completion_view, completions
from shouwang.assistance.service.timekeeping import local_now
from shouwang.common.auth.principal import Principal
from shouwang.common.failures import Forbidden
from sqlalchemy.ext.asyncio import AsyncSession

Row = dict[str, Any]


def sees_county(principal: Principal, county_code: str) -> bool:
    """True when the principal's geography overlaps the county (above, at or below it)."""
    region = principal.region or ""
    return principal.covers(county_code) or (bool(region) and region.startswith(county_code))


async def load_campaign(session: AsyncSession, principal: Principal, campaign_id: str) -> Row:
    """A campaign the principal may see; 404 otherwise (also for another county's)."""
    if principal.role not in READ_ROLES:
        raise Forbidden(f"当前角色（{principal.role}）无权查看排查活动", code="forbidden_role")
    try:
        key = uuid.UUID(campaign_id)
    except ValueError:
        raise CampaignNotFound() from None
    row = await store.get_campaign(session, key)
    if row is None or not sees_county(principal, row["county_code"]):
        raise CampaignNotFound()
    return row


def campaign_view(row: Row, today: date) -> Row:
    """A campaign as the API shows it."""
    return {
        "id": str(row["id"]),
        "county_code": row["county_code"],
        "name": row["name"],
        "phases": row["phases"],
        "starts_on": row["starts_on"].isoformat(),
        "ends_on": row["ends_on"].isoformat(),
        "current_phase": current_phase(row["phases"], today),
        "running": row["starts_on"] <= today <= row["ends_on"],
        "kind": row.get("kind") or "manual",
        "period": row.get("period"),
    }


async def create_campaign(runtime: AssistanceRuntime, principal: Principal, body: Row) -> Row:
    """A county opens a campaign with its phases."""
    require_role(principal, "county")
    phases = body["phases"]
    starts_on, ends_on = check_phases(phases)
    now = local_now(runtime)
    values = {
        "id": uuid.uuid4(),
        "county_code": principal.region,
        "name": body["name"],
        "phases": [
            {**p, "starts_on": str(p["starts_on"]), "ends_on": str(p["ends_on"])} for p in phases
        ],
        "starts_on": starts_on,
        "ends_on": ends_on,
        "created_by": principal.sub,
        "created_at": now,
    }
    async with runtime.uow() as uow:
        await store.add_campaign(uow.session, values)
        await uow.commit()
    return campaign_view(values, now.date())


async def list_campaigns(runtime: AssistanceRuntime, principal: Principal) -> list[Row]:
    """The campaigns of the principal's county (newest first)."""
    require_role(principal, *READ_ROLES)
    today = local_now(runtime).date()
    async with runtime.sessionmaker() as session:
        rows = await store.all_campaigns(session)
    return [campaign_view(r, today) for r in rows if sees_county(principal, r["county_code"])]


async def get_campaign(runtime: AssistanceRuntime, principal: Principal, campaign_id: str) -> Row:
    """One campaign."""
    async with runtime.sessionmaker() as session:
        row = await load_campaign(session, principal, campaign_id)
    return campaign_view(row, local_now(runtime).date())


async def township_progress(
    session: AsyncSession, campaign_id: uuid.UUID, today: date, region: str | None
) -> list[TownshipProgress]:
    """Found / closed / overdue / closed late per township (SQL aggregate)."""
    rows = await store.township_progress(session, campaign_id, today, region)
    return [TownshipProgress(r.township_code, r.found, r.closed, r.overdue, r.late) for r in rows]


async def progress(runtime: AssistanceRuntime, principal: Principal, campaign_id: str) -> Row:
    """整改完成率 and overdue counts per township within the caller's geography, and which
    townships reported the screening complete."""

    today = local_now(runtime).date()
    geography = runtime.geography
    async with runtime.sessionmaker() as session:
        row = await load_campaign(session, principal, campaign_id)
        rows = await township_progress(session, row["id"], today, _narrower(principal, row))
        done = await completions(session, row["id"])
    region = _narrower(principal, row) or ""
    townships = [
        (t.code, t.name)
        for t in geography.townships(row["county_code"])
        if t.code.startswith(region[:9])
    ]
    return {
        "completion": completion_view(townships, done),
        "campaign_id": str(row["id"]),
        "as_of": today.isoformat(),
        "townships": [
            {**r.as_dict(), "township_name": geography.name(r.township_code)} for r in rows
        ],
        "total": {**totals(rows).as_dict(), "township_code": None},
    }


def _narrower(principal: Principal, campaign: Row) -> str | None:
    """The region filter for a principal below the campaign's county (None: the whole county)."""
    region = principal.region
    if region and len(region) > len(campaign["county_code"]):
        return region
    return None
