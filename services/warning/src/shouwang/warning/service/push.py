"""Receiving a department's monthly push: window, item checks, filing (备案), idempotency.

The steps are reusable by every way a batch arrives (JSON push, CSV/XLSX upload):
`admit` (authorise, replay, window) → `store_items` (chunked) → `file_batch` (batch row,
idempotency record and BatchFiled in the caller's transaction).
"""

import hashlib
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from shouwang.common.auth.principal import Principal
from shouwang.common.db.uow import UnitOfWork
from shouwang.common.events.catalog.warning import BatchFiled
from shouwang.common.events.envelope import new_envelope
from shouwang.common.failures import Conflict, Forbidden, Invalid
from shouwang.warning.adapters.batches import add_batch
from shouwang.warning.adapters.push_window import extension_until
from shouwang.warning.adapters.repository import SOURCE, idempotency
from shouwang.warning.domain.indicators import DEPARTMENTS
from shouwang.warning.domain.items import Rejection, ValidItem, check_item
from shouwang.warning.domain.window import WindowClosed, classify_push, describe
from shouwang.warning.runtime import WarningRuntime
from shouwang.warning.service.filing import open_raw, seal_file, seal_raw, store_items
from shouwang.warning.service.policy import period_policy
from sqlalchemy.exc import IntegrityError

__all__ = ["PushBatch", "open_raw", "push_batch", "seal_file", "seal_raw"]


@dataclass(frozen=True)
class BatchHeader:
    department: str
    period: str
    urgent: bool
    urgent_reason: str | None
    idempotency_key: str | None


@dataclass(frozen=True)
class PushBatch:
    department: str
    period: str
    urgent: bool
    urgent_reason: str | None
    items: list[dict[str, Any]]
    raw: bytes
    content_type: str
    idempotency_key: str | None

    @property
    def header(self) -> BatchHeader:
        return BatchHeader(
            self.department, self.period, self.urgent, self.urgent_reason, self.idempotency_key
        )


@dataclass(frozen=True)
class Admission:
    county: str
    timeliness: str
    now: datetime
    body_hash: str


@dataclass
class Tally:
    """Counts of a batch being filed, and the rejection details kept (capped by the caller)."""

    received: int = 0
    accepted: int = 0
    rejected: int = 0
    rejections: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class FiledOriginal:
    sha256: str
    sealed: bytes
    content_type: str


async def push_batch(
    cmd: PushBatch, *, runtime: WarningRuntime, principal: Principal
) -> tuple[int, dict[str, Any]]:
    """File a batch and queue it for processing; return (status, response body)."""
    admission = await admit(
        cmd.header, idempotency.request_hash(cmd.raw), runtime=runtime, principal=principal
    )
    if not isinstance(admission, Admission):
        return admission
    filing = partial(_file_push, cmd, admission, runtime=runtime, principal=principal)
    return await file_once(filing, cmd.header, admission, runtime=runtime, principal=principal)


async def _file_push(
    cmd: PushBatch, admission: Admission, *, runtime: WarningRuntime, principal: Principal
) -> dict[str, Any]:
    """Check the items, store the accepted ones and file the batch, in one transaction."""
    accepted, rejections = _check_items(cmd, admission.county, runtime.geography)
    batch_id = uuid.uuid4()
    tally = Tally(len(cmd.items), len(accepted), len(rejections), [r.__dict__ for r in rejections])
    original = FiledOriginal(
        hashlib.sha256(cmd.raw).hexdigest(),
        seal_raw(cmd.raw, runtime=runtime, batch_id=batch_id),
        cmd.content_type,
    )
    async with runtime.uow() as uow:
        await store_items(uow.session, batch_id, accepted, runtime=runtime, county=admission.county)
        response = await file_batch(
            uow, batch_id=batch_id, header=cmd.header, admission=admission, tally=tally,
            original=original, principal=principal,
        )  # fmt: skip
        await uow.commit()
    return response


async def admit(
    header: BatchHeader, body_hash: str, *, runtime: WarningRuntime, principal: Principal
) -> Admission | tuple[int, dict[str, Any]]:
    """Authorise, answer a retried request from its stored response, or classify the window."""
    county = authorise(header, principal)
    async with runtime.uow() as uow:
        if stored := await idempotency.replay(
            uow.session, principal=principal.key, key=header.idempotency_key, body_hash=body_hash
        ):
            return stored
    now = runtime.clock.now()
    timeliness = await _timeliness(runtime, header, county, now)
    return Admission(county, timeliness, now, body_hash)


async def file_once(
    filing: Callable[[], Awaitable[dict[str, Any]]],
    header: BatchHeader,
    admission: Admission,
    *,
    runtime: WarningRuntime,
    principal: Principal,
) -> tuple[int, dict[str, Any]]:
    """Run `filing` (it commits) and answer 202; if a concurrent retry with the same key won
    the race (IntegrityError), answer what that one stored."""
    try:
        return 202, await filing()
    except IntegrityError:
        async with runtime.uow() as uow:
            stored = await idempotency.replay(
                uow.session,
                principal=principal.key,
                key=header.idempotency_key,
                body_hash=admission.body_hash,
            )
        if stored is None:
            raise
        return stored


async def file_batch(
    uow: UnitOfWork,
    *,
    batch_id: uuid.UUID,
    header: BatchHeader,
    admission: Admission,
    tally: Tally,
    original: FiledOriginal,
    principal: Principal,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Insert the batch row, remember the response and publish BatchFiled (caller commits)."""
    filing = _Filing(batch_id, header, admission, tally, original, principal)
    await add_batch(uow.session, filing.row())
    response = {**filing.response(), **(extra or {})}
    await idempotency.remember(
        uow.session, principal=principal.key, key=header.idempotency_key,
        body_hash=admission.body_hash, status_code=202, response=response,
    )  # fmt: skip
    filed = filing.event()
    uow.publish(new_envelope(filed, source=SOURCE, subject=str(batch_id), time=admission.now))
    return response


@dataclass(frozen=True)
class _Filing:
    """A batch being filed: what its row, its response and its BatchFiled each say."""

    batch_id: uuid.UUID
    header: BatchHeader
    admission: Admission
    tally: Tally
    original: FiledOriginal
    principal: Principal

    def response(self) -> dict[str, Any]:
        """The answer to the push (202), remembered for a retry with the same key."""
        return {
            "batch_id": str(self.batch_id),
            "timeliness": self.admission.timeliness,
            "received": self.tally.received,
            "accepted": self.tally.accepted,
            "rejected": self.tally.rejected,
            "rejections": self.tally.rejections,
            "sha256": self.original.sha256,
        }

    def row(self) -> dict[str, Any]:
        """The batches row: counts, the sealed original, and pending while items wait."""
        header, admission, tally, original = self.header, self.admission, self.tally, self.original
        return {
            "id": self.batch_id,
            "county_code": admission.county,
            "department": header.department,
            "period": header.period,
            "timeliness": admission.timeliness,
            "urgent": header.urgent,
            "urgent_reason": header.urgent_reason,
            "received": tally.received,
            "accepted": tally.accepted,
            "rejected": tally.rejected,
            "rejections": tally.rejections,
            "sha256": original.sha256,
            "raw": original.sealed,
            "raw_content_type": original.content_type,
            "submitted_by": self.principal.sub,
            "received_at": admission.now,
            "processing": "pending" if tally.accepted else "done",
        }

    def event(self) -> BatchFiled:
        """The fact that the batch was filed, for processing and for audit."""
        return BatchFiled(
            batch_id=str(self.batch_id),
            county_code=self.admission.county,
            department=self.header.department,
            period=self.header.period,
            timeliness=self.admission.timeliness,
            received=self.tally.received,
            accepted=self.tally.accepted,
            rejected=self.tally.rejected,
            sha256=self.original.sha256,
        )


def authorise(header: BatchHeader, principal: Principal) -> str:
    """Check the caller may push this department's batch; return the county it pushes for."""
    if principal.role != "department" or principal.county is None:
        raise Forbidden("只有行业部门可以推送预警数据", code="forbidden_role")
    if header.department != principal.scope:
        raise Forbidden("只能推送本部门的数据", code="forbidden_department", field="department")
    if header.department not in DEPARTMENTS:
        raise Invalid("未知的部门代码", code="unknown_department", field="department")
    if header.urgent and not (header.urgent_reason or "").strip():
        raise Invalid("紧急推送须说明原因", code="urgent_reason_required", field="urgent_reason")
    return principal.county


async def _timeliness(
    runtime: WarningRuntime, header: BatchHeader, county: str, now: datetime
) -> str:
    async with runtime.sessionmaker() as session:
        policy = await period_policy(session, county_code=county, period=header.period)
        until = await extension_until(
            session, county_code=county, department=header.department, period=header.period
        )
    try:
        return classify_push(
            at=now,
            period=header.period,
            urgent=header.urgent,
            extension_until=until,
            window=policy.push_window,
        )
    except WindowClosed as closed:
        raise Conflict(
            f"推送窗口已关闭（{describe(policy.push_window)}），"
            f"下次开放时间：{closed.next_opens_at.isoformat()}",
            code="push_window_closed",
            details={"next_window_opens_at": closed.next_opens_at.isoformat()},
        ) from None


def _check_items(
    cmd: PushBatch, county: str, geography: Any
) -> tuple[list[ValidItem], list[Rejection]]:
    accepted: list[ValidItem] = []
    rejections: list[Rejection] = []
    for index, item in enumerate(cmd.items):
        result = check_item(
            index, item, department=cmd.department, county_code=county, geography=geography
        )
        (accepted if isinstance(result, ValidItem) else rejections).append(result)  # type: ignore[arg-type]
    return accepted, rejections
