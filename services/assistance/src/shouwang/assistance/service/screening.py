"""The scheduled screenings, opened by the sweep once per county and period, and each
township's completion of a campaign."""

import uuid
from datetime import date
from typing import Any

from shouwang.assistance.adapters import campaigns as store
from shouwang.assistance.adapters.overdue import household_counties
from shouwang.assistance.domain.screening import Screening, due_screenings
from shouwang.assistance.runtime import AssistanceRuntime
from shouwang.assistance.service.access import require_role
from shouwang.assistance.service.campaign_completion import completions
from shouwang.assistance.service.campaigns import load_campaign
from shouwang.assistance.service.timekeeping import local_now
from shouwang.common.auth.principal import Principal
from shouwang.common.db.uow import UnitOfWork
from shouwang.common.failures import Forbidden

Row = dict[str, Any]
ACTOR = "screening-schedule"


async def _open(uow: UnitOfWork, county: str, s: Screening, now: Any) -> bool:
    values = {
        "id": uuid.uuid4(), "county_code": county, "name": s.name, "phases": s.phases,
        "starts_on": date.fromisoformat(s.phases[0]["starts_on"]),
        "ends_on": date.fromisoformat(s.phases[-1]["ends_on"]), "created_by": ACTOR,
        "created_at": now, "kind": s.kind, "period": s.period,
    }  # fmt: skip
    return await store.open_scheduled(uow.session, values)


async def open_scheduled_screenings(runtime: AssistanceRuntime) -> int:
    """Open this period's quarterly and half-yearly screening of every county, once each."""
    now = local_now(runtime)
    opened = 0
    async with runtime.uow() as uow:
        for county in await household_counties(uow.session):
            for screening in due_screenings(now.date()):
                opened += await _open(uow, county, screening, now)
        await uow.commit()
    return opened


async def complete_township(
    runtime: AssistanceRuntime, principal: Principal, campaign_id: str, township: str, note: str
) -> Row:
    """A township (or its county) reports its screening done; a second report changes nothing."""
    require_role(principal, "township", "county")
    now = local_now(runtime)
    async with runtime.uow() as uow:
        campaign = await load_campaign(uow.session, principal, campaign_id)
        if not township.startswith(campaign["county_code"]) or not principal.covers(township):
            raise Forbidden("无权为其他乡镇报告排查完成", code="forbidden_scope")
        values = {"campaign_id": campaign["id"], "township_code": township,
                  "completed_at": now, "completed_by": principal.sub, "note": note}  # fmt: skip
        await store.complete_township(uow.session, values)
        await uow.commit()
    async with runtime.sessionmaker() as session:
        done = await completions(session, campaign["id"])
    return {"campaign_id": campaign_id, **done[township]}
