"""Record a policy or calendar version with its event, in one transaction (outbox)."""

from datetime import datetime

from shouwang.common.db.uow import UnitOfWork
from shouwang.common.events.catalog.policy import CalendarChanged, PolicyChanged
from shouwang.common.events.envelope import new_envelope
from shouwang.common.policy.calendar import validate_year
from shouwang.common.policy.validation import validate_settings
from shouwang.policy.adapters import store
from shouwang.policy.domain.commands import ChangePolicy, EditCalendar

SOURCE = "/shouwang/policy"


async def change_policy(cmd: ChangePolicy, *, uow: UnitOfWork, now: datetime) -> PolicyChanged:
    """Validate the settings, store the region's next version and stage `policy.changed`."""
    settings = validate_settings(cmd.settings)
    async with uow:
        version = await store.next_policy_version(uow.session, region_code=cmd.region_code)
        event = PolicyChanged(
            region_code=cmd.region_code, version=version, effective_from=cmd.effective_from,
            actor=cmd.actor, reason=cmd.reason, settings=settings, recorded_at=now,
        )  # fmt: skip
        await _record(uow, event, subject=cmd.region_code, now=now)
    return event


async def edit_calendar(cmd: EditCalendar, *, uow: UnitOfWork, now: datetime) -> CalendarChanged:
    """Validate a province's year, store its next version and stage `calendar.changed`."""
    validate_year(cmd.year, cmd.holidays, cmd.workdays)
    async with uow:
        version = await store.next_calendar_version(
            uow.session, province_code=cmd.province_code, year=cmd.year
        )
        event = CalendarChanged(
            region_code=cmd.province_code, year=cmd.year, version=version,
            holidays=sorted(cmd.holidays), workdays=sorted(cmd.workdays),
            actor=cmd.actor, reason=cmd.reason, recorded_at=now,
        )  # fmt: skip
        await _record(uow, event, subject=f"{cmd.province_code}/{cmd.year}", now=now)
    return event


async def _record(
    uow: UnitOfWork, event: PolicyChanged | CalendarChanged, *, subject: str, now: datetime
) -> None:
    # NOTE: the store is written by the same code every projection runs, so they cannot differ
    envelope = new_envelope(event, source=SOURCE, subject=subject, time=now)
    await store.record(envelope, uow.session)
    uow.publish(envelope)
    await uow.commit()
