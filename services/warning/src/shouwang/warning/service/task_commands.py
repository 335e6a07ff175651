"""Township and village actions on a task: assign, report, confirm; county re-routing; PII."""

import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from shouwang.common.auth.checks import require_role
from shouwang.common.auth.principal import Principal
from shouwang.common.clock import SHANGHAI
from shouwang.common.db.uow import UnitOfWork
from shouwang.common.failures import Invalid
from shouwang.common.geography import Geography
from shouwang.common.identity import reveal_person, seal_pii
from shouwang.common.pii_access import record_pii_view
from shouwang.warning.adapters.repository import get_task, idempotency, save_task
from shouwang.warning.domain.errors import OutsideScope
from shouwang.warning.runtime import WarningRuntime
from shouwang.warning.service.policy import amber_ratios, county_policy
from shouwang.warning.service.task_queries import may_see, scope_counties, task_detail
from sqlalchemy.exc import IntegrityError

# shapes a task row (with signals and history) into the stored, replayable answer
Render = Callable[[dict[str, Any]], dict[str, Any]]


async def assign_task(
    runtime: WarningRuntime,
    principal: Principal,
    task_id: str,
    *,
    village_code: str,
    cadre_name: str | None,
) -> None:
    """Township assigns one of its tasks to a village."""
    require_role(principal, "township")
    async with runtime.uow() as uow:
        task, row = await get_task(uow.session, task_id, for_update=True)
        if not may_see(principal, row):
            raise OutsideScope()
        task.assign(village_code=village_code, cadre_name=cadre_name, actor=principal.sub)
        await save_task(uow, task, now=runtime.clock.now())
        await uow.commit()


async def report_task(
    runtime: WarningRuntime,
    principal: Principal,
    task_id: str,
    report: Mapping[str, Any],
    *,
    render: Render,
    idempotency_key: str | None = None,
) -> dict[str, Any]:
    """Village (or township) reports the verification outcome; answers the task as `render`
    shapes it. A retry with the same Idempotency-Key answers the first report's task again."""
    require_role(principal, "village", "township")
    body_hash = idempotency.request_hash(
        json.dumps({"task_id": task_id, **report}, sort_keys=True, default=str).encode()
    )
    try:
        return await _report_once(
            runtime, principal, task_id, report, render, key=idempotency_key, body_hash=body_hash
        )
    except IntegrityError:
        # a concurrent request with the same key (on another task) stored its answer first
        async with runtime.uow() as uow:
            stored = await idempotency.replay(
                uow.session, principal=principal.key, key=idempotency_key, body_hash=body_hash
            )
        if stored is None:
            raise
        return stored[1]


async def _report_once(
    runtime: WarningRuntime,
    principal: Principal,
    task_id: str,
    report: Mapping[str, Any],
    render: Render,
    *,
    key: str | None,
    body_hash: str,
) -> dict[str, Any]:
    async with runtime.uow() as uow:
        task, row = await get_task(uow.session, task_id, for_update=True)
        if not may_see(principal, row):
            raise OutsideScope()
        # NOTE: after the row lock, so a concurrent retry finds the first one's stored answer
        if stored := await idempotency.replay(
            uow.session, principal=principal.key, key=key, body_hash=body_hash
        ):
            return stored[1]
        task.report(**report, actor=principal.sub)
        now = runtime.clock.now()
        await save_task(uow, task, now=now)
        answer = render(await _detail(uow, runtime, principal, task_id, now))
        await idempotency.remember(
            uow.session, principal=principal.key, key=key, body_hash=body_hash,
            status_code=200, response=answer,
        )  # fmt: skip
        await uow.commit()
    return answer


async def _detail(
    uow: UnitOfWork, runtime: WarningRuntime, principal: Principal, task_id: str, now: datetime
) -> dict[str, Any]:
    """The task as it stands in this transaction, with its deadline colour."""
    today = now.astimezone(SHANGHAI).date()
    counties = scope_counties(principal, runtime.geography)
    amber = await amber_ratios(uow.session, counties=counties, on=today)
    return await task_detail(uow.session, principal, task_id, now=now, amber_ratio=amber)


async def confirm_task(runtime: WarningRuntime, principal: Principal, task_id: str) -> str:
    """Township confirms the report; returns the new status (confirmed or returned)."""
    require_role(principal, "township")
    async with runtime.uow() as uow:
        task, row = await get_task(uow.session, task_id, for_update=True)
        if not may_see(principal, row):
            raise OutsideScope()
        sealed = None
        if task.outcome == "risk_confirmed":
            # assistance needs the person to register the household; it travels sealed
            sealed = seal_pii(
                reveal_person(row["id_enc"], row["name_enc"], cipher=runtime.cipher),
                cipher=runtime.cipher,
            )
        task.confirm(actor=principal.sub, pii_sealed=sealed)
        await save_task(uow, task, now=runtime.clock.now())
        await uow.commit()
        return task.status


async def reroute_task(
    runtime: WarningRuntime, principal: Principal, task_id: str, *, village_code: str
) -> None:
    """County sends a returned task to the village now responsible."""
    require_role(principal, "county", "province")
    geography: Geography = runtime.geography
    township = geography.township_of(village_code)
    if township is None or not principal.covers(village_code):
        raise Invalid(
            "村（社区）代码不存在或不属于本县", code="unknown_village", field="village_code"
        )
    async with runtime.uow() as uow:
        task, row = await get_task(uow.session, task_id, for_update=True)
        if not may_see(principal, row):
            raise OutsideScope()
        policy = await county_policy(uow.session, county_code=task.county_code, period=task.period)
        now = runtime.clock.now()
        task.reroute(
            township_code=township,
            village_code=village_code,
            actor=principal.sub,
            now=now,
            due=policy.due(now),
        )
        await save_task(uow, task, now=now)
        await uow.commit()


async def reveal_task_person(
    runtime: WarningRuntime, principal: Principal, task_id: str
) -> dict[str, Any]:
    """Decrypt the person of a task for its village/township; the read is audited."""
    require_role(principal, "village", "township")
    async with runtime.uow() as uow:
        task, row = await get_task(uow.session, task_id)
        if not may_see(principal, row):
            raise OutsideScope()
        person = reveal_person(row["id_enc"], row["name_enc"], cipher=runtime.cipher)
        record_pii_view(
            uow,
            principal=principal,
            service="warning",
            subject=task.id,
            purpose="household_verification",
            person_ref=task.person_ref,
        )
        await uow.commit()
    return {"task_id": task.id, **person}
