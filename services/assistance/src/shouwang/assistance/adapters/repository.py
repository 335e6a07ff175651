"""Loading and saving households: rows, members, history and the status events (one transaction)."""

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from shouwang.assistance.adapters.tables import history, households, members
from shouwang.assistance.adapters.tables import idempotency as idempotency
from shouwang.assistance.domain.errors import HouseholdNotFound
from shouwang.assistance.domain.vocab import registry_status
from shouwang.common.db.uow import UnitOfWork
from shouwang.common.events.catalog.assistance import HouseholdStatusChanged
from shouwang.common.events.envelope import new_envelope
from sqlalchemy import Select, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

SOURCE = "/shouwang/assistance"
Row = dict[str, Any]


def parse_id(household_id: str) -> uuid.UUID:
    """The UUID of a household id from a URL; HouseholdNotFound if it is not one."""
    try:
        return uuid.UUID(household_id)
    except ValueError:
        raise HouseholdNotFound() from None


async def get_household(
    session: AsyncSession, household_id: str | uuid.UUID, *, for_update: bool = False
) -> Row:
    """Load a household row; raise HouseholdNotFound."""
    key = household_id if isinstance(household_id, uuid.UUID) else parse_id(household_id)
    stmt = select(households).where(households.c.id == key)
    if for_update:
        stmt = stmt.with_for_update()
    row = (await session.execute(stmt)).mappings().first()
    if row is None:
        raise HouseholdNotFound()
    return dict(row)


async def get_members(session: AsyncSession, household_id: uuid.UUID) -> list[Row]:
    """The members of a household, head first."""
    stmt = (
        select(members)
        .where(members.c.household_id == household_id)
        .order_by(members.c.is_head.desc(), members.c.relation)
    )
    return [dict(r) for r in (await session.execute(stmt)).mappings()]


def in_area(stmt: Select[Any], *, region: str | None, filters: dict[str, Any]) -> Select[Any]:
    """`stmt` (over households) kept to a region (None: everywhere) and the list filters."""
    if region:
        stmt = stmt.where(households.c.village_code.startswith(region))
    for name in ("village_code", "township_code", "status", "category"):
        if filters.get(name):
            stmt = stmt.where(households.c[name] == filters[name])
    return stmt


async def households_in_area(
    session: AsyncSession, *, region: str | None, filters: dict[str, Any], limit: int, offset: int
) -> list[Row]:
    """A page of the households of a region matching the list filters, oldest first."""
    stmt = in_area(select(households), region=region, filters=filters)
    stmt = stmt.order_by(households.c.created_at, households.c.id).limit(limit).offset(offset)
    return [dict(r) for r in (await session.execute(stmt)).mappings()]


async def find_by_external_no(
    session: AsyncSession, county_code: str, external_no: str
) -> Row | None:
    """The county's household with this registry number (户编号), if registered."""
    stmt = select(households).where(
        households.c.county_code == county_code, households.c.external_no == external_no
    )
    row = (await session.execute(stmt)).mappings().first()
    return dict(row) if row else None


async def any_registered(session: AsyncSession, county_code: str, person_refs: list[str]) -> bool:
    """True if one of these persons is a member of a household of the county."""
    stmt = select(members.c.person_ref).where(
        members.c.county_code == county_code, members.c.person_ref.in_(person_refs)
    )
    return (await session.execute(stmt)).first() is not None


async def add_household(session: AsyncSession, values: Row) -> None:
    """Insert a household row."""
    await session.execute(insert(households).values(**values))


async def add_members(session: AsyncSession, rows: list[Row]) -> None:
    """Insert member rows."""
    await session.execute(insert(members), rows)


async def set_labour(session: AsyncSession, member_id: uuid.UUID, labour: str) -> None:
    """Record a member's labour capacity."""
    await session.execute(update(members).where(members.c.id == member_id).values(labour=labour))


async def find_member(session: AsyncSession, county_code: str, person_ref: str) -> Row | None:
    """The member with this person_ref in the county, if registered."""
    stmt = select(members).where(
        members.c.county_code == county_code, members.c.person_ref == person_ref
    )
    row = (await session.execute(stmt)).mappings().first()
    return dict(row) if row else None


async def update_household(
    session: AsyncSession, household_id: uuid.UUID, *, now: datetime, **values: Any
) -> None:
    """Change columns of a household."""
    await session.execute(
        update(households).where(households.c.id == household_id).values(**values, updated_at=now)
    )


async def add_history(
    session: AsyncSession,
    household_id: uuid.UUID,
    *,
    at: datetime,
    action: str,
    actor: str,
    details: dict[str, Any] | None = None,
) -> None:
    """Append to the household's history."""
    await session.execute(
        insert(history).values(
            household_id=household_id, at=at, action=action, actor=actor, details=details or {}
        )
    )


def publish(uow: UnitOfWork, event: BaseModel, *, subject: str, now: datetime) -> None:
    """Stage an assistance event in the outbox."""
    uow.publish(new_envelope(event, source=SOURCE, subject=subject, time=now))


async def publish_status(
    uow: UnitOfWork, household_id: uuid.UUID, *, now: datetime, reason: str
) -> None:
    """Stage `HouseholdStatusChanged` with the household's current state and member refs."""
    row = await get_household(uow.session, household_id)
    refs = [m["person_ref"] for m in await get_members(uow.session, household_id)]
    event = HouseholdStatusChanged(
        household_id=str(household_id),
        county_code=row["county_code"],
        village_code=row["village_code"],
        status=registry_status(row["status"], row["category"]),
        member_refs=refs,
        assistance_status=row["status"],
        category=row["category"],
        risk_types=list(row["risk_types"] or []),
        reason=reason,
    )
    publish(uow, event, subject=str(household_id), now=now)
