"""A risk the village confirmed on a task: register the household if new, open identification."""

import uuid
from typing import Any

from shouwang.assistance.adapters import repository as repo
from shouwang.assistance.domain.vocab import RISK_TYPES
from shouwang.assistance.runtime import AssistanceRuntime
from shouwang.assistance.service.identification import OPENABLE, open_identification
from shouwang.assistance.service.timekeeping import local_now
from shouwang.common.db.uow import UnitOfWork
from shouwang.common.events.catalog.warning import TaskConfirmed
from shouwang.common.identity import ProtectedPerson, unseal_person

ACTOR = "warning-loop"


async def on_risk_confirmed(
    data: TaskConfirmed, *, uow: UnitOfWork, runtime: AssistanceRuntime
) -> None:
    """Open identification for the confirmed person's household (registering it if new)."""
    person = unseal_person(
        data.pii_sealed or "",
        cipher=runtime.cipher,
        master_secret=runtime.settings.hmac_key.get_secret_value(),
        county_code=data.county_code,
    )
    now = local_now(runtime)
    member = await repo.find_member(uow.session, data.county_code, person.person_ref)
    if member is None:
        household_id = await _register(uow, data, person, now)
    else:
        household_id = member["household_id"]
    row = await repo.get_household(uow.session, household_id, for_update=True)
    if row["status"] not in OPENABLE:
        await repo.add_history(
            uow.session,
            row["id"],
            at=now,
            action="risk_signal",
            actor=ACTOR,
            details={"task_id": data.task_id, "risk_type": data.risk_type},
        )
        return
    await open_identification(
        uow,
        runtime,
        row,
        trigger="warning",
        source_ref=data.task_id,
        actor=ACTOR,
        now=now,
        risk_types=confirmed_risks(data),
        reason=f"预警核实确认存在风险（{data.channel}）",
    )


def confirmed_risks(data: TaskConfirmed) -> list[str]:
    """The risk type the village confirmed, if it is one of the registry's (else none)."""
    return [data.risk_type] if data.risk_type in RISK_TYPES else []


async def _register(
    uow: UnitOfWork, data: TaskConfirmed, person: ProtectedPerson, now: Any
) -> uuid.UUID:
    household_id = uuid.uuid4()
    await repo.add_household(
        uow.session,
        {
            "id": household_id,
            "county_code": data.county_code,
            "township_code": data.township_code,
            "village_code": data.village_code,
            "category": None,
            "status": "none",
            "size": 1,
            "head_name_masked": person.name_masked,
            "source": "warning",
            "created_at": now,
            "updated_at": now,
        },
    )
    # NOTE: labour "unknown" until the village records it: never counted as "no labour"
    member = {
        "id": uuid.uuid4(),
        "household_id": household_id,
        "county_code": data.county_code,
        "person_ref": person.person_ref,
        "id_enc": person.id_enc,
        "name_enc": person.name_enc,
        "id_masked": person.id_masked,
        "name_masked": person.name_masked,
        "relation": "户主",
        "labour": "unknown",
        "is_head": True,
    }
    await repo.add_members(uow.session, [member])
    await repo.add_history(
        uow.session,
        household_id,
        at=now,
        action="registered_from_warning",
        actor=ACTOR,
        details={"task_id": data.task_id},
    )
    return household_id
