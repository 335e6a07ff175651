"""The household registry: register, update, add members, reveal (audited)."""

import uuid
from datetime import datetime
from typing import Any

from shouwang.assistance.adapters import repository as repo
from shouwang.assistance.domain.errors import BadRequest
from shouwang.assistance.domain.vocab import LIFTED
from shouwang.assistance.runtime import AssistanceRuntime
from shouwang.assistance.service import deferred_exit
from shouwang.assistance.service.access import (
    household_in_scope,
    require_household_scope,
    require_role,
)
from shouwang.assistance.service.cadres import current_cadre, reveal_cadre
from shouwang.assistance.service.people import check_id_number, encrypt_address, member_row
from shouwang.assistance.service.timekeeping import local_now
from shouwang.common.auth.principal import Principal
from shouwang.common.db.uow import UnitOfWork
from shouwang.common.failures import Conflict
from shouwang.common.geography import Geography
from shouwang.common.identity import reveal_person
from shouwang.common.pii_access import record_pii_view

WRITE_ROLES = ("county", "township", "village")


class PersonAlreadyRegistered(Conflict):
    code, message = "person_already_registered", "该人员已在本县其他农户中登记"


def township_of(geography: Geography, village_code: str) -> str:
    """The township of a known village; 422 unknown_village otherwise."""
    township = geography.township_of(village_code)
    if township is None:
        raise BadRequest(
            "村（社区）代码不存在", field="village_code", details={"code": "unknown_village"}
        )
    return township


def default_status(category: str, status: str | None) -> str:
    """The registry state of a new household: as given, or by its category."""
    return status or ("lifted" if category == LIFTED else "monitored")


async def insert_household(
    uow: UnitOfWork,
    runtime: AssistanceRuntime,
    data: dict[str, Any],
    *,
    township_code: str,
    source: str,
    now: datetime,
) -> uuid.UUID:
    """Insert a household and its members (first member is the head); no commit."""
    county = data["village_code"][:6]
    household_id = uuid.uuid4()
    rows = [
        member_row(
            m,
            household_id=household_id,
            county_code=county,
            cipher=runtime.cipher,
            master_secret=runtime.settings.hmac_key.get_secret_value(),
            is_head=i == 0,
        )
        for i, m in enumerate(data["members"])
    ]
    await _check_not_registered(uow, county, [r["person_ref"] for r in rows])
    household = _household_row(
        data, runtime, rows, household_id=household_id, township_code=township_code,
        source=source, now=now,
    )  # fmt: skip
    await repo.add_household(uow.session, household)
    await repo.add_members(uow.session, rows)
    return household_id


def _household_row(
    data: dict[str, Any],
    runtime: AssistanceRuntime,
    members: list[dict[str, Any]],
    *,
    household_id: uuid.UUID,
    township_code: str,
    source: str,
    now: datetime,
) -> dict[str, Any]:
    """The row of a new household: its state by category, monitored since today by default."""
    status = default_status(data["category"], data.get("status"))
    since = data.get("monitored_since") or (now.date() if status == "monitored" else None)
    return {
        "id": household_id,
        "county_code": data["village_code"][:6],
        "township_code": township_code,
        "village_code": data["village_code"],
        "external_no": data.get("external_no"),
        "category": data["category"],
        "status": status,
        "risk_types": data.get("risk_types") or [],
        "protection": data.get("protection") or [],
        "security": data.get("security") or {},
        "size": data.get("size") or len(members),
        "address_enc": encrypt_address(data.get("address"), runtime.cipher),
        "head_name_masked": members[0]["name_masked"],
        "source": source,
        "monitored_since": since,
        "approved_on": since if status == "monitored" else None,
        "last_year_income_per_person": data.get("last_year_income_per_person"),
        "created_at": now,
        "updated_at": now,
    }


async def _check_not_registered(uow: UnitOfWork, county: str, refs: list[str]) -> None:
    if len(set(refs)) != len(refs):
        raise BadRequest("同一人员在农户中重复出现", field="members")
    if await repo.any_registered(uow.session, county, refs):
        raise PersonAlreadyRegistered(field="members")


async def register_household(
    runtime: AssistanceRuntime, principal: Principal, data: dict[str, Any]
) -> str:
    """Register a household from the API; publishes its status."""
    require_role(principal, *WRITE_ROLES)
    require_household_scope(principal, data)
    township = township_of(runtime.geography, data["village_code"])
    for i, member in enumerate(data["members"]):
        check_id_number(member["id_number"], field=f"members.{i}.id_number")
    now = local_now(runtime)
    async with runtime.uow() as uow:
        household_id = await insert_household(
            uow, runtime, data, township_code=township, source="registry", now=now
        )
        await repo.add_history(
            uow.session, household_id, at=now, action="registered", actor=principal.sub
        )
        await repo.publish_status(uow, household_id, now=now, reason="registered")
        await uow.commit()
    return str(household_id)


async def update_household(
    runtime: AssistanceRuntime, principal: Principal, household_id: str, changes: dict[str, Any]
) -> None:
    """Correct a household's category, risks, protection, security or size."""
    require_role(principal, *WRITE_ROLES)
    now = local_now(runtime)
    async with runtime.uow() as uow:
        row = await household_in_scope(uow.session, principal, household_id, for_update=True)
        await repo.update_household(uow.session, row["id"], now=now, **changes)
        await repo.add_history(
            uow.session,
            row["id"],
            at=now,
            action="updated",
            actor=principal.sub,
            details={"fields": sorted(changes)},
        )
        if "protection" in changes:
            await deferred_exit.on_protection_changed(
                uow, row, changes["protection"], actor=principal.sub, now=now
            )
        await uow.commit()


async def add_member(
    runtime: AssistanceRuntime, principal: Principal, household_id: str, member: dict[str, Any]
) -> None:
    """Add a member to a household (size grows if it was smaller); republishes member refs."""
    require_role(principal, *WRITE_ROLES)
    check_id_number(member["id_number"], field="id_number")
    now = local_now(runtime)
    async with runtime.uow() as uow:
        row = await household_in_scope(uow.session, principal, household_id, for_update=True)
        new = member_row(
            member,
            household_id=row["id"],
            county_code=row["county_code"],
            cipher=runtime.cipher,
            master_secret=runtime.settings.hmac_key.get_secret_value(),
            is_head=False,
        )
        await _check_not_registered(uow, row["county_code"], [new["person_ref"]])
        await repo.add_members(uow.session, [new])
        count = len(await repo.get_members(uow.session, row["id"]))
        await repo.update_household(uow.session, row["id"], now=now, size=max(row["size"], count))
        await repo.add_history(
            uow.session,
            row["id"],
            at=now,
            action="member_added",
            actor=principal.sub,
            details={"person_ref": new["person_ref"]},
        )
        await repo.publish_status(uow, row["id"], now=now, reason="member_added")
        await uow.commit()


async def reveal_household(
    runtime: AssistanceRuntime, principal: Principal, household_id: str
) -> dict[str, Any]:
    """Decrypted members and address for the cadres of the household's area; audited."""
    require_role(principal, "county", "township", "village")
    async with runtime.uow() as uow:
        row = await household_in_scope(uow.session, principal, household_id)
        people = []
        for m in await repo.get_members(uow.session, row["id"]):
            person = reveal_person(m["id_enc"], m["name_enc"], cipher=runtime.cipher)
            phone = runtime.cipher.decrypt_optional(m["phone_enc"], aad=b"phone")
            people.append(
                {"member_id": str(m["id"]), **person, "phone": phone, "relation": m["relation"]}
            )
        address = runtime.cipher.decrypt_optional(row["address_enc"], aad=b"address")
        cadre = reveal_cadre(runtime, await current_cadre(uow.session, row["id"]))
        head_ref = next(
            (
                m["person_ref"]
                for m in await repo.get_members(uow.session, row["id"])
                if m["is_head"]
            ),
            None,
        )
        record_pii_view(
            uow,
            principal=principal,
            service="assistance",
            subject=str(row["id"]),
            purpose="household_assistance",
            person_ref=head_ref,
        )
        await uow.commit()
    return {
        "household_id": str(row["id"]),
        "address": address,
        "members": people,
        "cadre": cadre,
    }


async def set_member_labour(
    runtime: AssistanceRuntime, principal: Principal, household_id: str, member_id: str, labour: str
) -> None:
    """Record a member's labour capacity (full/partial/none) after the home visit."""
    require_role(principal, *WRITE_ROLES)
    now = local_now(runtime)
    async with runtime.uow() as uow:
        row = await household_in_scope(uow.session, principal, household_id, for_update=True)
        known = {str(m["id"]) for m in await repo.get_members(uow.session, row["id"])}
        if member_id not in known:
            raise BadRequest("该成员不属于此农户", field="member_id")
        await repo.set_labour(uow.session, uuid.UUID(member_id), labour)
        await repo.add_history(
            uow.session,
            row["id"],
            at=now,
            action="labour_set",
            actor=principal.sub,
            details={"member_id": member_id, "labour": labour},
        )
        await uow.commit()
