"""The household's responsible cadre (帮扶责任人, seed 001 "每户监测户都有1名干部帮扶"):
one at a time, changed with history; the phone encrypted at rest, masked everywhere else."""

import uuid
from datetime import datetime
from typing import Any

from shouwang.assistance.adapters import cadres as store
from shouwang.assistance.adapters import repository as repo
from shouwang.assistance.runtime import AssistanceRuntime
from shouwang.assistance.service.access import household_in_scope, require_role
from shouwang.assistance.service.timekeeping import local_now
from shouwang.common.auth.principal import Principal
from shouwang.common.db.uow import UnitOfWork
from shouwang.common.events.catalog.assistance import CadreAssigned
from shouwang.common.failures import Invalid
from shouwang.common.masking import mask_name, mask_phone
from sqlalchemy.ext.asyncio import AsyncSession

Row = dict[str, Any]
ASSIGN_ROLES = ("township", "county")
PHONE_AAD = b"phone"


class CadreRequired(Invalid):
    code, message = "cadre_required", "该户尚未确定帮扶责任人，请先指定帮扶责任人"


async def current_cadre(session: AsyncSession, household_id: uuid.UUID) -> Row | None:
    """The household's cadre now (None if none was named)."""
    return await store.current(session, household_id)


def cadre_view(row: Row) -> Row:
    """A cadre as lists and pages show it (phone masked)."""
    ended: datetime | None = row["ended_at"]
    return {
        "id": str(row["id"]),
        "name": row["name"],
        "phone_masked": row["phone_masked"],
        "post": row["post"],
        "assigned_by": row["assigned_by"],
        "assigned_at": row["assigned_at"].isoformat(),
        "ended_at": ended.isoformat() if ended else None,
        "ended_by": row["ended_by"],
    }


async def cadre_history(session: AsyncSession, household_id: uuid.UUID) -> list[Row]:
    """Every cadre the household had, oldest first (who named them, when, until when)."""
    return [cadre_view(row) for row in await store.every(session, household_id)]


def _same(current: Row | None, name: str, phone_masked: str | None, post: str | None) -> bool:
    if current is None:
        return False
    return (current["name"], current["phone_masked"], current["post"]) == (
        name,
        phone_masked,
        post,
    )


async def set_cadre(
    uow: UnitOfWork,
    runtime: AssistanceRuntime,
    household: Row,
    person: Row,
    *,
    actor: str,
    now: datetime,
) -> Row:
    """Make `person` ({name, phone, post}) the household's cadre, ending the current one."""
    phone = (person.get("phone") or "").strip() or None
    masked = mask_phone(phone) if phone else None
    current = await current_cadre(uow.session, household["id"])
    if current is not None and _same(current, person["name"], masked, person.get("post")):
        return current
    if current is not None:
        await store.end(uow.session, current["id"], at=now, by=actor)
    row = {
        "id": uuid.uuid4(), "household_id": household["id"], "name": person["name"],
        "phone_enc": runtime.cipher.encrypt(phone, aad=PHONE_AAD) if phone else None,
        "phone_masked": masked, "post": person.get("post"), "assigned_by": actor,
        "assigned_at": now, "ended_at": None, "ended_by": None,
    }  # fmt: skip
    await store.add(uow.session, row)
    await _record(uow, household, row, current, now)
    return row


async def _record(
    uow: UnitOfWork, household: Row, row: Row, previous: Row | None, now: Any
) -> None:
    previous_id = str(previous["id"]) if previous else None
    await repo.add_history(
        uow.session, household["id"], at=now, action="cadre_assigned", actor=row["assigned_by"],
        details={"cadre_id": str(row["id"]), "previous_cadre_id": previous_id},
    )  # fmt: skip
    event = CadreAssigned(
        household_id=str(household["id"]), county_code=household["county_code"],
        village_code=household["village_code"], cadre_id=str(row["id"]),
        name_masked=mask_name(row["name"]), phone_masked=row["phone_masked"], post=row["post"],
        previous_cadre_id=previous_id, assigned_by=row["assigned_by"],
    )  # fmt: skip
    repo.publish(uow, event, subject=str(household["id"]), now=now)


async def assign_cadre(
    runtime: AssistanceRuntime, principal: Principal, household_id: str, person: Row
) -> Row:
    """PUT the household's cadre (township or county of the household)."""
    require_role(principal, *ASSIGN_ROLES)
    now = local_now(runtime)
    async with runtime.uow() as uow:
        household = await household_in_scope(uow.session, principal, household_id, for_update=True)
        row = await set_cadre(uow, runtime, household, person, actor=principal.sub, now=now)
        await uow.commit()
    return cadre_view(row)


async def plan_cadre(
    uow: UnitOfWork,
    runtime: AssistanceRuntime,
    household: Row,
    name: str | None,
    *,
    actor: str,
    now: datetime,
) -> Row:
    """The cadre a plan refers to: the household's, changed first when the plan names another
    (`cadre_name`, kept for older clients); 422 cadre_required when there is none."""
    current = await current_cadre(uow.session, household["id"])
    if name and (current is None or current["name"] != name):
        person = {"name": name, "phone": None, "post": None}
        return await set_cadre(uow, runtime, household, person, actor=actor, now=now)
    if current is None:
        raise CadreRequired(field="cadre_name")
    return current


def reveal_cadre(runtime: AssistanceRuntime, row: Row | None) -> Row | None:
    """The current cadre with the decrypted phone (for the audited PII read)."""
    if row is None:
        return None
    phone = runtime.cipher.decrypt_optional(row["phone_enc"], aad=PHONE_AAD)
    return {"id": str(row["id"]), "name": row["name"], "phone": phone, "post": row["post"]}
