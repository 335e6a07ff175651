"""The policy projection every service keeps: its tables, the event handler, the reads.

A service declares the tables in its metadata (and migration), consumes `policy.settings` with
`policy_handler(...)` in a ConsumerSpec (the consumer framework supplies the inbox), and reads
through `PolicyProjection(versions=..., calendars=...)`, its tables bound once in its adapters
(or `effective_policy(...)` / `work_calendar(...)` with a table). The policy service stores its
own data in the same tables.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from shouwang.common.events.catalog.policy import CalendarChanged, PolicyChanged
from shouwang.common.events.envelope import EventEnvelope
from shouwang.common.kafka.consumer import Handler
from shouwang.common.policy.calendar import WorkCalendar, YearCalendar
from shouwang.common.policy.calendar_seed import national_calendar
from shouwang.common.policy.resolution import (
    EffectivePolicy,
    PolicyVersion,
    layers_of,
    resolve,
)
from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    select,
)
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

Db = AsyncSession | AsyncConnection


def policy_versions_table(metadata: MetaData) -> Table:
    """Declare `policy_versions` (one row per version of a region's settings)."""
    return Table(
        "policy_versions", metadata,
        Column("region_code", Text, nullable=False),
        Column("version", Integer, nullable=False),
        Column("effective_from", Date, nullable=False),
        Column("settings", JSONB, nullable=False),
        Column("actor", Text, nullable=False),
        Column("reason", Text, nullable=False),
        Column("recorded_at", DateTime(timezone=True), nullable=False),
        PrimaryKeyConstraint("region_code", "version"),
        Index(None, "region_code", "effective_from"),
    )  # fmt: skip


def policy_calendars_table(metadata: MetaData) -> Table:
    """Declare `policy_calendars` (one row per version of a province's year)."""
    return Table(
        "policy_calendars", metadata,
        Column("region_code", Text, nullable=False),
        Column("year", Integer, nullable=False),
        Column("version", Integer, nullable=False),
        Column("holidays", JSONB, nullable=False),
        Column("workdays", JSONB, nullable=False),
        Column("actor", Text, nullable=False),
        Column("reason", Text, nullable=False),
        Column("recorded_at", DateTime(timezone=True), nullable=False),
        PrimaryKeyConstraint("region_code", "year", "version"),
    )  # fmt: skip


async def apply_policy_event(
    envelope: EventEnvelope, session: AsyncSession, *, versions: Table, calendars: Table
) -> None:
    """Record a policy or calendar version; a repeat of a recorded version changes nothing."""
    data = envelope.data
    if isinstance(data, PolicyChanged):
        await session.execute(insert(versions).values(**data.model_dump()).on_conflict_do_nothing())
    elif isinstance(data, CalendarChanged):
        row = data.model_dump(mode="json") | {"recorded_at": data.recorded_at}
        await session.execute(insert(calendars).values(**row).on_conflict_do_nothing())


def policy_handler(*, versions: Table, calendars: Table) -> Handler:
    """The consumer handler of `policy.settings` for a service's projection tables."""

    async def handle(envelope: EventEnvelope, session: AsyncSession) -> None:
        await apply_policy_event(envelope, session, versions=versions, calendars=calendars)

    return handle


async def versions_in(db: Db, *, table: Table, region_codes: Iterable[str]) -> list[PolicyVersion]:
    """Every version of these regions (one query)."""
    codes = list(dict.fromkeys(region_codes))
    rows = await db.execute(select(table).where(table.c.region_code.in_(codes)))
    return [_version(row) for row in rows.mappings()]


async def policy_versions(db: Db, *, table: Table, region_code: str) -> list[PolicyVersion]:
    """Every version of the layers a region resolves through (its province and county)."""
    codes = [code for _, code in layers_of(region_code)]
    return await versions_in(db, table=table, region_codes=codes)


async def effective_policy(
    db: Db, *, table: Table, region_code: str, on_date: date
) -> EffectivePolicy:
    """Every setting's effective value for a region on a date (county > province > national)."""
    versions = await policy_versions(db, table=table, region_code=region_code)
    return resolve(versions, region_code=region_code, on=on_date)


async def work_calendar(db: Db, *, table: Table, province_code: str) -> WorkCalendar:
    """The province's calendar: its newest edit of each year over the national seed."""
    stmt = (
        select(table)
        .where(table.c.region_code == province_code)
        .order_by(table.c.year, table.c.version)
    )
    # NOTE: in version order, so each year ends up with its newest edit
    years = {row["year"]: _year(row) for row in (await db.execute(stmt)).mappings()}
    return national_calendar(years)


@dataclass(frozen=True)
class PolicyProjection:
    """A service's projection tables, bound once, with the reads every service makes of them."""

    versions: Table
    calendars: Table

    async def county_policy(self, db: Db, *, county_code: str, on: date) -> EffectivePolicy:
        """Every setting in force for the county on a date (county > province > national)."""
        return await effective_policy(db, table=self.versions, region_code=county_code, on_date=on)

    async def province_calendar(self, db: Db, *, province_code: str) -> WorkCalendar:
        """The province's working days."""
        return await work_calendar(db, table=self.calendars, province_code=province_code)

    async def versions_of(self, db: Db, *, region_codes: Iterable[str]) -> list[PolicyVersion]:
        """Every policy version of these regions (one query)."""
        return await versions_in(db, table=self.versions, region_codes=region_codes)

    def handler(self) -> Handler:
        """The consumer handler of `policy.settings` recording into these tables."""
        return policy_handler(versions=self.versions, calendars=self.calendars)


def _version(row: Any) -> PolicyVersion:
    return PolicyVersion(
        region_code=row["region_code"], version=row["version"],
        effective_from=row["effective_from"], settings=row["settings"],
        actor=row["actor"], reason=row["reason"],
    )  # fmt: skip


def _year(row: Any) -> YearCalendar:
    return YearCalendar(
        year=row["year"],
        holidays=frozenset(date.fromisoformat(d) for d in row["holidays"]),
        workdays=frozenset(date.fromisoformat(d) for d in row["workdays"]),
        source="province",
        version=row["version"],
    )
