"""Problems of a screening campaign: the four lists (问题/措施/责任/时限) and 销号 with evidence."""

import uuid
from datetime import date, datetime
from typing import Any

from shouwang.assistance.adapters import campaigns as store
from shouwang.assistance.adapters import repository as repo
from shouwang.assistance.domain.campaign import (
    ProblemAlreadyClosed,
    ProblemNotFound,
    check_evidence,
    check_recording,
    problem_state,
)
from shouwang.assistance.domain.errors import BadRequest
from shouwang.assistance.runtime import AssistanceRuntime
from shouwang.assistance.service.access import (
    household_in_scope,
    require_household_scope,
    require_role,
)
from shouwang.assistance.service.campaigns import load_campaign
from shouwang.assistance.service.timekeeping import local_now
from shouwang.common.auth.principal import Principal
from shouwang.common.events.catalog.assistance import CampaignProblemClosed, CampaignProblemRecorded
from sqlalchemy.ext.asyncio import AsyncSession

Row = dict[str, Any]
RECORD_ROLES = ("township", "village")
CLOSE_ROLES = ("township", "village", "county")


def problem_view(row: Row, today: date) -> Row:
    """A problem with its four lists and its state (masked household)."""
    closed_at: datetime | None = row["closed_at"]
    return {
        "id": str(row["id"]),
        "campaign_id": str(row["campaign_id"]),
        "household_id": str(row["household_id"]) if row["household_id"] else None,
        "head_name_masked": row["head_name_masked"],
        "subject": row["subject"],
        "project_name": row["project_name"],
        "township_code": row["township_code"],
        "village_code": row["village_code"],
        "problem_type": row["problem_type"],
        "description": row["description"],
        "measure": row["measure"],
        "responsible": {"unit": row["responsible_unit"], "person": row["responsible_person"]},
        "deadline": row["deadline"].isoformat(),
        "found_on": row["found_on"].isoformat(),
        "status": row["status"],
        "state": problem_state(row["status"], row["deadline"], today),
        "evidence": row["evidence"],
        "closed_by": row["closed_by"],
        "closed_at": closed_at.isoformat() if closed_at else None,
    }


def _facts(row: Row) -> Row:
    return {
        "household_id": str(row["household_id"]) if row["household_id"] else "",
        "subject": row["subject"],
        "project_name": row["project_name"],
        "county_code": row["county_code"],
        "township_code": row["township_code"],
        "village_code": row["village_code"],
        "campaign_id": str(row["campaign_id"]),
        "problem_id": str(row["id"]),
        "problem_type": row["problem_type"],
        "deadline": row["deadline"],
    }


async def record_problem(
    runtime: AssistanceRuntime, principal: Principal, campaign_id: str, body: Row
) -> Row:
    """A township or village records a problem found at a household, with its four lists."""
    require_role(principal, *RECORD_ROLES)
    now = local_now(runtime)
    async with runtime.uow() as uow:
        campaign = await load_campaign(uow.session, principal, campaign_id)
        household = await _subject(uow.session, runtime, principal, body)
        check_recording(
            starts_on=campaign["starts_on"],
            ends_on=campaign["ends_on"],
            today=now.date(),
            deadline=body["deadline"],
        )
        values = {
            "id": uuid.uuid4(),
            "campaign_id": campaign["id"],
            "household_id": household["id"],
            "subject": body["subject"],
            "project_name": body["project_name"] if household["id"] is None else None,
            "county_code": household["county_code"],
            "township_code": household["township_code"],
            "village_code": household["village_code"],
            "problem_type": body["problem_type"],
            "description": body["description"],
            "measure": body["measure"],
            "responsible_unit": body["responsible"]["unit"],
            "responsible_person": body["responsible"]["person"],
            "deadline": body["deadline"],
            "status": "open",
            "found_on": now.date(),
            "recorded_by": principal.sub,
            "recorded_at": now,
        }
        await store.add_problem(uow.session, values)
        if household["id"] is not None:
            await _history(uow.session, values, "campaign_problem_recorded", principal.sub, now)
        event = CampaignProblemRecorded(**_facts(values), found_on=now.date())
        repo.publish(uow, event, subject=str(values["id"]), now=now)
        await uow.commit()
    view = {**values, "head_name_masked": household["head_name_masked"], "evidence": None}
    return problem_view({**view, "closed_by": None, "closed_at": None}, now.date())


async def close_problem(
    runtime: AssistanceRuntime, principal: Principal, campaign_id: str, problem_id: str, body: Row
) -> Row:
    """销号: close a problem with written evidence (and attachment metadata); 422 without."""
    require_role(principal, *CLOSE_ROLES)
    check_evidence(body.get("evidence"))
    now = local_now(runtime)
    async with runtime.uow() as uow:
        campaign = await load_campaign(uow.session, principal, campaign_id)
        row = await _problem(uow.session, campaign["id"], problem_id, for_update=True)
        require_household_scope(principal, row)
        if row["status"] == "closed":
            raise ProblemAlreadyClosed()
        evidence = {**body["evidence"], "recorded_at": now.isoformat()}
        changes = {"status": "closed", "evidence": evidence, "closed_by": principal.sub}
        await store.close_problem(uow.session, row["id"], **changes, closed_at=now)
        if row["household_id"] is not None:
            await _history(uow.session, row, "campaign_problem_closed", principal.sub, now)
        event = CampaignProblemClosed(
            **_facts(row),
            closed_on=now.date(),
            on_time=now.date() <= row["deadline"],
            attachments=len(evidence.get("attachments") or []),
        )
        repo.publish(uow, event, subject=str(row["id"]), now=now)
        await uow.commit()
    return problem_view({**row, **changes, "closed_at": now}, now.date())


async def _subject(
    session: AsyncSession, runtime: AssistanceRuntime, principal: Principal, body: Row
) -> Row:
    """Where the problem lies: its household (scoped), or a project's village (scoped)."""
    if body["subject"] == "household":
        if not body.get("household_id"):
            raise BadRequest("请指定农户", field="household_id")
        household = await household_in_scope(session, principal, body["household_id"])
        return household
    village = body.get("village_code") or ""
    if not body.get("project_name") or not village:
        raise BadRequest("项目问题须填写项目名称和所在村", field="project_name")
    township = runtime.geography.township_of(village)
    if township is None:
        raise BadRequest("村（社区）代码不存在", field="village_code")
    require_household_scope(principal, {"village_code": village})
    return {"id": None, "county_code": village[:6], "township_code": township,
            "village_code": village, "head_name_masked": None}  # fmt: skip


async def list_problems(
    runtime: AssistanceRuntime,
    principal: Principal,
    campaign_id: str,
    *,
    township_code: str | None = None,
    state: str | None = None,
) -> list[Row]:
    """The problems of a campaign within the caller's geography."""
    today = local_now(runtime).date()
    async with runtime.sessionmaker() as session:
        campaign = await load_campaign(session, principal, campaign_id)
        rows = await scoped_problems(session, principal, campaign["id"], township_code)
    views = [problem_view(r, today) for r in rows]
    return [v for v in views if state is None or v["state"] == state]


async def scoped_problems(
    session: AsyncSession, principal: Principal, campaign_id: uuid.UUID, township: str | None
) -> list[Row]:
    """Problems of a campaign the principal may see, oldest first."""
    region = principal.region or ""
    return await store.scoped_problems(
        session, campaign_id, region=region if len(region) > 6 else None, township=township
    )


async def _problem(
    session: AsyncSession, campaign_id: uuid.UUID, problem_id: str, *, for_update: bool
) -> Row:
    try:
        key = uuid.UUID(problem_id)
    except ValueError:
        raise ProblemNotFound() from None
    row = await store.get_problem(session, campaign_id, key, for_update=for_update)
    if row is None:
        raise ProblemNotFound()
    return row


async def _history(
    session: AsyncSession, problem: Row, action: str, actor: str, now: datetime
) -> None:
    await repo.add_history(
        session,
        problem["household_id"],
        at=now,
        action=action,
        actor=actor,
        details={"problem_id": str(problem["id"]), "campaign_id": str(problem["campaign_id"])},
    )
