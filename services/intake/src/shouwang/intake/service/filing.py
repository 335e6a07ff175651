"""Filing a declaration: validate, protect PII, one open declaration per person, outbox event.

Another caller's filing for a person whose declaration is open gets its own receipt (status
`merged`) and joins the open case as a signal on the same task; only the caller's own repeat
answers 200. Callers are role + sub. Every filing promises the dates the township accepts it
and visits the home by, under the county policy in force on the filing date.
"""

import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from shouwang.common.auth.principal import Principal
from shouwang.common.db.outbox import outbox_rows
from shouwang.common.db.uow import UnitOfWork
from shouwang.common.events.catalog.intake import DeclarationReceived
from shouwang.common.events.envelope import EventEnvelope, new_envelope
from shouwang.common.failures import Conflict, Forbidden, validation_failed
from shouwang.common.geography import Geography
from shouwang.common.identity import ProtectedPerson, protect_person, seal_pii
from shouwang.common.masking import mask_phone
from shouwang.intake.adapters import repository as repo
from shouwang.intake.adapters.repository import idempotency
from shouwang.intake.domain.deadlines import local_date
from shouwang.intake.domain.declaration import CHANNEL_LABELS, may_file, sees_open_case
from shouwang.intake.domain.form import DeclarationCreate
from shouwang.intake.domain.validation import check_fields, check_id_number, check_village
from shouwang.intake.runtime import IntakeRuntime
from shouwang.intake.service.deadlines import PromiseCache
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

SOURCE = "/shouwang/intake"
Result = tuple[int, dict[str, Any]]
MSG_RECEIVED = "申报已受理，乡镇将于 {accept_by} 前受理，{visit_by} 前入户核实"
MSG_ATTACHED = "您已有一件正在办理的申报，本次申报已并入该申报，不再重复立案"
MSG_MERGED = "申报已受理，该申报对象已在核实中，本次申报将并入同一核实任务办理"


class _OpenClosed(Exception):
    """The open declaration that blocked the insert closed before we could attach: retry."""


def new_receipt(now: datetime) -> str:
    """An unguessable receipt number: SB + date + 10 hex digits."""
    return f"SB{now:%Y%m%d}{secrets.token_hex(5).upper()}"


def validate(
    body: DeclarationCreate, principal: Principal, geography: Geography, now: datetime
) -> str:
    """Check the channel, the fields and the scope; return the village's township code."""
    if not may_file(principal.role, body.channel):
        raise Forbidden(
            f"当前角色（{principal.role}）不能通过“{CHANNEL_LABELS[body.channel]}”渠道申报",
            code="forbidden_channel",
            field="channel",
        )
    county = principal.region[:6] if principal.region else None
    errors = [
        e
        for e in (
            check_id_number(body.id_number, today=now.date()),
            check_village(body.village_code, county_code=county, geography=geography),
        )
        if e is not None
    ] + check_fields(body)
    if errors:
        raise validation_failed([e.as_detail() for e in errors])
    if principal.role != "resident" and not principal.covers(body.village_code):
        raise Forbidden("村（社区）不在您的辖区内", code="forbidden_scope", field="village_code")
    township = geography.township_of(body.village_code)
    assert township is not None  # check_village guarantees a known village
    return township


async def file_declaration(
    runtime: IntakeRuntime,
    principal: Principal,
    body: DeclarationCreate,
    *,
    raw: bytes,
    idempotency_key: str | None,
    promises: PromiseCache,
) -> Result:
    """Accept a declaration (201, merged when another caller's is open) or a repeat (200)."""
    now = runtime.clock.now()
    township = validate(body, principal, runtime.geography, now)
    key = _Key(principal.key, idempotency_key, idempotency.request_hash(raw))
    for _ in range(3):
        try:
            async with runtime.engine.connect() as conn:
                single = await conn.execution_options(isolation_level="AUTOCOMMIT")
                if done := await key.replay(single):
                    return done
                row = await _new_row(single, runtime, principal, body, township, now, promises)
                # the common case, a person with no open declaration: one statement
                answer = _received(row)
                event = outbox_rows([_event(runtime, body, row, route=row, now=now)])[0]
                if await repo.file_new(single, row, event=event, remembered=key.row(201, answer)):
                    return 201, answer
            async with runtime.uow() as uow:
                if done := await key.replay(uow.session):
                    return done
                status, result = await _join_open(uow, runtime, principal, body, row, now)
                await key.remember(uow.session, status, result)
                await uow.commit()
                return status, result
        except (IntegrityError, _OpenClosed):
            continue  # a concurrent retry with the same key, or the open one just closed
    raise Conflict("申报正在处理中，请稍后重试", code="declaration_conflict")


@dataclass(frozen=True)
class _Key:
    """The caller's Idempotency-Key (if any) and the body it came with."""

    principal: str
    key: str | None
    body_hash: str

    async def replay(self, db: AsyncSession | AsyncConnection) -> Result | None:
        return await idempotency.replay(
            db, principal=self.principal, key=self.key, body_hash=self.body_hash
        )

    def row(self, status: int, response: dict[str, Any]) -> dict[str, Any] | None:
        """The answer to keep for the key (None without a key)."""
        if not self.key:
            return None
        return {"principal": self.principal, "key": self.key, "request_hash": self.body_hash,
                "status_code": status, "response": response}  # fmt: skip

    async def remember(self, session: AsyncSession, status: int, response: dict[str, Any]) -> None:
        await idempotency.remember(
            session, principal=self.principal, key=self.key, body_hash=self.body_hash,
            status_code=status, response=response,
        )  # fmt: skip


async def _new_row(
    db: AsyncConnection,
    runtime: IntakeRuntime,
    principal: Principal,
    body: DeclarationCreate,
    township: str,
    now: datetime,
    promises: PromiseCache,
) -> dict[str, Any]:
    """The declaration row of a new filing, with the dates it promises."""
    county = body.village_code[:6]
    person = protect_person(
        body.id_number,
        body.name.strip(),
        cipher=runtime.cipher,
        master_secret=runtime.settings.hmac_key.get_secret_value(),
        county_code=county,
    )
    promised = await promises.promised(db, county_code=county, filed_on=local_date(now))
    row = _row(new_receipt(now), body, person, runtime, principal, township, now)
    return row | {"accept_by": promised.accept_by, "visit_by": promised.visit_by}


def _received(row: dict[str, Any]) -> dict[str, Any]:
    """The answer to a new filing: its receipt and the dates it promises."""
    message = MSG_RECEIVED.format(
        accept_by=_chinese_date(row["accept_by"]), visit_by=_chinese_date(row["visit_by"])
    )
    return {
        "receipt": row["receipt"],
        "status": "received",
        "attached_to": None,
        "message": message,
        **_dates(row),
    }


def _chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _dates(row: Any) -> dict[str, str | None]:
    """The promised dates of an answer, as stored JSON (an idempotent replay repeats them)."""
    return {name: row[name] and row[name].isoformat() for name in ("accept_by", "visit_by")}


async def _join_open(
    uow: UnitOfWork,
    runtime: IntakeRuntime,
    principal: Principal,
    body: DeclarationCreate,
    row: dict[str, Any],
    now: datetime,
) -> Result:
    """The person's declaration is open: a repeat of the caller's own, or a merged filing."""
    open_row = await repo.lock_open(uow.session, row["person_ref"])
    if open_row is None:
        raise _OpenClosed()
    own = await repo.own_filing(uow.session, principal, open_receipt=open_row.receipt)
    if own is not None:
        return await _repeat(uow, runtime, principal, body, own, now)
    merged = {**row, "status": "merged", "merged_into": open_row.receipt}
    await repo.insert_declaration(uow.session, merged)
    # NOTE: routed where the open case is, so the signal lands on its task (same partition key)
    uow.publish(_event(runtime, body, merged, route=open_row._asdict(), now=now))
    shown = open_row.receipt if sees_open_case(principal.role) else None
    return 201, {
        "receipt": row["receipt"],
        "status": "merged",
        "attached_to": shown,
        "message": MSG_MERGED,
        **_dates(row),
    }


async def _repeat(
    uow: UnitOfWork,
    runtime: IntakeRuntime,
    principal: Principal,
    body: DeclarationCreate,
    own: Any,
    now: datetime,
) -> Result:
    await repo.add_repeat(
        uow.session,
        receipt=own.receipt,
        channel=body.channel,
        hardships=body.hardships,
        description_enc=_encrypt(runtime, body.description, b"description"),
        filed_by=principal.sub,
        filed_by_role=principal.role,
        filed_at=now,
    )
    return 200, {
        "receipt": own.receipt,
        "status": own.status,
        "attached_to": own.receipt,
        "message": MSG_ATTACHED,
        **_dates(own._mapping),
    }


def _event(
    runtime: IntakeRuntime,
    body: DeclarationCreate,
    row: dict[str, Any],
    *,
    route: dict[str, Any],
    now: datetime,
) -> EventEnvelope:
    """Tell warning about the filing (a new task, or a signal on the person's open one)."""
    pii = {"id_number": body.id_number.strip().upper(), "name": body.name.strip()}
    event = DeclarationReceived(
        receipt=row["receipt"],
        county_code=row["county_code"],
        township_code=route["township_code"],
        village_code=route["village_code"],
        channel=body.channel,
        person_ref=row["person_ref"],
        name_masked=row["name_masked"],
        id_masked=row["id_masked"],
        hardships=body.hardships,
        household_size=body.household_size,
        pii_sealed=seal_pii(pii, cipher=runtime.cipher),
    )
    return new_envelope(event, source=SOURCE, subject=row["receipt"], time=now)


def _encrypt(runtime: IntakeRuntime, value: str, aad: bytes) -> bytes | None:
    return runtime.cipher.encrypt(value, aad=aad) if value else None


def _row(
    receipt: str,
    body: DeclarationCreate,
    person: ProtectedPerson,
    runtime: IntakeRuntime,
    principal: Principal,
    township: str,
    now: datetime,
) -> dict[str, Any]:
    phone = body.phone.replace(" ", "")
    return {
        "receipt": receipt,
        "county_code": body.village_code[:6],
        "township_code": township,
        "village_code": body.village_code,
        "channel": body.channel,
        "person_ref": person.person_ref,
        "id_enc": person.id_enc,
        "name_enc": person.name_enc,
        "phone_enc": _encrypt(runtime, phone, b"phone"),
        "description_enc": _encrypt(runtime, body.description, b"description"),
        "id_masked": person.id_masked,
        "name_masked": person.name_masked,
        "phone_masked": mask_phone(phone),
        "household_size": body.household_size,
        "hardships": body.hardships,
        "income_estimate_yuan": body.income_estimate_yuan,
        "attachments": [a.model_dump() for a in body.attachments],
        "status": "received",
        "filed_by": principal.sub,
        "filed_by_role": principal.role,
        "created_at": now,
        "updated_at": now,
    }
