"""Masked reads of the registry, scoped by the caller's geography."""

import calendar
import uuid
from datetime import datetime
from typing import Any

from shouwang.assistance.adapters import repository as repo
from shouwang.assistance.adapters.eliminations import latest_elimination
from shouwang.assistance.adapters.followups import followups_of
from shouwang.assistance.adapters.overdue import flags_of
from shouwang.assistance.adapters.plans import plans_of
from shouwang.assistance.domain.followup import check_view
from shouwang.assistance.domain.plan_rules import plan_due
from shouwang.assistance.domain.vocab import registry_status
from shouwang.assistance.service.access import READ_ROLES, household_in_scope
from shouwang.assistance.service.cadres import cadre_history, cadre_view, current_cadre
from shouwang.assistance.service.identification_store import (
    identification_view,
    latest_identification,
)
from shouwang.assistance.service.policy import county_policy
from shouwang.assistance.service.visits import VISITED_STATUSES
from shouwang.common.auth.principal import Principal
from shouwang.common.failures import Forbidden
from sqlalchemy.ext.asyncio import AsyncSession


def require_reader(principal: Principal) -> None:
    """Refuse (403) a role that has no household list."""
    if principal.role not in READ_ROLES:
        raise Forbidden(f"当前角色（{principal.role}）无权查看农户", code="forbidden_role")


async def list_households(
    session: AsyncSession, principal: Principal, *, filters: dict[str, Any], limit: int, offset: int
) -> list[dict[str, Any]]:
    """Households in the caller's area (masked summary rows)."""
    require_reader(principal)
    rows = await repo.households_in_area(
        session, region=principal.region, filters=filters, limit=limit, offset=offset
    )
    return [summary(r) for r in rows]


def summary(row: dict[str, Any]) -> dict[str, Any]:
    """The masked summary of a household row."""
    return {
        "id": str(row["id"]),
        "county_code": row["county_code"],
        "township_code": row["township_code"],
        "village_code": row["village_code"],
        "category": row["category"],
        "status": row["status"],
        "registry_status": registry_status(row["status"], row["category"]),
        "head_name_masked": row["head_name_masked"],
        "size": row["size"],
        "risk_types": row["risk_types"],
        "protection": row["protection"],
        "security": row["security"],
        "monitored_since": _iso(row["monitored_since"]),
        "approved_on": _iso(row["approved_on"]),
        "guarantee_household": row["guarantee_household"],
        "remarked": row["remarked"],
        "elimination_way": row["elimination_way"],
        "source": row["source"],
    }


async def household_detail(
    session: AsyncSession,
    principal: Principal,
    household_id: str,
    *,
    now: datetime,
) -> dict[str, Any]:
    """A household with its masked members, identification, plans, follow-ups, elimination."""
    row = await household_in_scope(session, principal, household_id)
    policy = await county_policy(session, county_code=row["county_code"], on=now.date())
    key: uuid.UUID = row["id"]
    view = summary(row)
    view["members"] = [
        {
            "id": str(m["id"]),
            "name_masked": m["name_masked"],
            "id_masked": m["id_masked"],
            "phone_masked": m["phone_masked"],
            "relation": m["relation"],
            "labour": m["labour"],
            "is_head": m["is_head"],
        }
        for m in await repo.get_members(session, key)
    ]
    ident = await latest_identification(session, key)
    notice_days = policy.deadline("notice_days").days
    view["identification"] = identification_view(ident, now, notice_days) if ident else None
    view["plan_due_on"] = _iso(plan_due(row["approved_on"], policy.deadline("plan_days").days))
    cadre = await current_cadre(session, key)
    view["cadre"] = cadre_view(cadre) if cadre else None
    view["cadre_history"] = await cadre_history(session, key)
    view["plans"] = [_plan_view(p) for p in await plans_of(session, key)]
    view["followups"] = [_followup_view(f) for f in await followups_of(session, key)]
    elimination = await latest_elimination(session, key)
    view["elimination"] = _elimination_view(elimination) if elimination else None
    view["overdue_flags"] = [_flag_view(f) for f in await flags_of(session, key)]
    view["visit"] = visit_status(row, view["followups"], now, policy.value("amber_ratio"))
    return view


def visit_status(
    row: dict[str, Any], recorded: list[dict[str, Any]], now: datetime, amber_ratio: float
) -> dict[str, Any] | None:
    """This month's visit: green, or amber once `amber_ratio` of the month passed without one
    (a month that ended without one is red: a `missed_visit` flag from the sweep)."""
    if row["status"] not in VISITED_STATUSES:
        return None
    month = now.strftime("%Y-%m")
    done = any(f["month"] == month for f in recorded)
    days = calendar.monthrange(now.year, now.month)[1]
    used = (now.day - 1 + (now.hour * 60 + now.minute) / 1440) / days
    return {"month": month, "recorded": done,
            "colour": "amber" if not done and used >= amber_ratio else "green"}  # fmt: skip


def _flag_view(r: dict[str, Any]) -> dict[str, Any]:
    """A deadline the sweep found passed (identification, plan, campaign problem, visit)."""
    return {
        "stage": r["stage"],
        "ref": r["ref"],
        "colour": "red",
        "due_at": r["due_at"].isoformat(),
        "flagged_at": r["flagged_at"].isoformat(),
    }


def _plan_view(p: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(p["id"]),
        "cadre_name": p["cadre_name"],
        "cadre_id": str(p["cadre_id"]) if p["cadre_id"] else None,
        "measures": p["measures"],
        "made_on": _iso(p["made_on"]),
        "due_on": _iso(p["due_on"]),
        "late": p["late"],
    }


def _followup_view(f: dict[str, Any]) -> dict[str, Any]:
    return {
        "month": f["month"],
        "income": f["income"],
        "expense": f["expense"],
        "checks": check_view(f["checks"]),
        "flags": f["flags"],
        "annual_income_per_person": f["annual_income_per_person"],
    }


def _elimination_view(e: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(e["id"]),
        "status": e["status"],
        "way": e["way"],
        "steps": e["steps"],
        "outcome": e["outcome"],
        "quality_flags": e["quality_flags"],
        "evidence": e["evidence"],
    }


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None
