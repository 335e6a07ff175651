"""Household metrics kept as assistance events arrive: monitoring objects, timeliness, 整改."""

from collections import Counter
from datetime import datetime

from shouwang.audit.adapters.tables import (
    COUNTY_TOTAL,
    household_counts,
    household_state,
    rectification,
    timeliness,
)
from shouwang.common.clock import SHANGHAI
from shouwang.common.events.catalog import assistance as a
from shouwang.common.events.envelope import EventEnvelope
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

HOUSEHOLD_EVENTS = (
    a.HouseholdStatusChanged,
    a.IdentificationStepRecorded,
    a.PlanRecorded,
    a.CampaignProblemRecorded,
    a.CampaignProblemClosed,
)
UNMARKED = "未标注"  # a monitored household whose category or risk type the event did not carry
DECIDING_RESULTS = ("fail", "reject")  # a failed review ends the identification early
Key = tuple[str, str, str]  # township, dimension, value


def township_of(village_code: str) -> str:
    """The 9-digit township code of a 12-digit village code."""
    return village_code[:9]


def period_of(at: datetime) -> str:
    """The month (Beijing time) an event counts in."""
    return at.astimezone(SHANGHAI).strftime("%Y-%m")


async def project_household(session: AsyncSession, envelope: EventEnvelope) -> None:
    """Update the household metrics for one newly appended assistance event."""
    data, period = envelope.data, period_of(envelope.time)
    if isinstance(data, a.HouseholdStatusChanged):
        await _status_changed(session, data)
    elif isinstance(data, a.IdentificationStepRecorded):
        if data.step == "county_decision" or data.result in DECIDING_RESULTS:
            await _bump_timeliness(session, data, period, "identification", not data.overdue)
    elif isinstance(data, a.PlanRecorded):
        if await _first_plan(session, data):
            await _bump_timeliness(session, data, period, "plan", not data.late)
    elif isinstance(data, a.CampaignProblemRecorded):
        await _bump_rectification(session, data, {"recorded": 1})
    elif isinstance(data, a.CampaignProblemClosed):
        await _bump_rectification(session, data, {"closed": 1, "closed_on_time": int(data.on_time)})


def _contributions(state: dict[str, object] | None) -> list[Key]:
    """The counter cells a household adds to: none unless it is a monitoring object."""
    if not state or not state["monitored"]:
        return []
    township = str(state["township_code"])
    risks = list(state["risk_types"] or []) or [UNMARKED]  # type: ignore[call-overload]
    return [
        (township, "total", ""),
        (township, "category", str(state["category"] or UNMARKED)),
        *((township, "risk_type", str(r)) for r in dict.fromkeys(risks)),
    ]


async def _status_changed(session: AsyncSession, data: a.HouseholdStatusChanged) -> None:
    found = (
        (
            await session.execute(
                select(household_state)
                .where(household_state.c.household_id == data.household_id)
                .with_for_update()
            )
        )
        .mappings()
        .first()
    )
    new = {
        "household_id": data.household_id,
        "county_code": data.county_code,
        "township_code": township_of(data.village_code),
        "monitored": data.status == "monitored",
        "category": data.category,
        "risk_types": data.risk_types,
    }
    stmt = insert(household_state).values(**new)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["household_id"],
            set_={k: stmt.excluded[k] for k in new if k != "household_id"},
        )
    )
    deltas: Counter[Key] = Counter()
    for township, dimension, value in _contributions(dict(found) if found else None):
        deltas[(township, dimension, value)] -= 1
        deltas[(COUNTY_TOTAL, dimension, value)] -= 1
    for township, dimension, value in _contributions(new):
        deltas[(township, dimension, value)] += 1
        deltas[(COUNTY_TOTAL, dimension, value)] += 1
    for (township, dimension, value), delta in sorted(deltas.items()):
        if delta:
            await _bump_household_count(
                session, data.county_code, township, dimension, value, delta
            )


async def _bump_household_count(
    session: AsyncSession, county: str, township: str, dimension: str, value: str, delta: int
) -> None:
    stmt = insert(household_counts).values(
        county_code=county, township_code=township, dimension=dimension, value=value, count=delta
    )
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["county_code", "township_code", "dimension", "value"],
            set_={"count": household_counts.c.count + delta},
        )
    )


async def _first_plan(session: AsyncSession, data: a.PlanRecorded) -> bool:
    """Mark the household's first plan; False for a later one (only the first has a deadline)."""
    values = insert(household_state).values(
        household_id=data.household_id,
        county_code=data.county_code,
        township_code=township_of(data.village_code),
        plan_counted=True,
    )
    stmt = values.on_conflict_do_update(
        index_elements=["household_id"],
        set_={"plan_counted": True},
        where=household_state.c.plan_counted.is_(False),
    ).returning(household_state.c.household_id)
    return (await session.execute(stmt)).first() is not None


async def _bump_timeliness(
    session: AsyncSession, data: a.HouseholdFacts, period: str, kind: str, on_time: bool
) -> None:
    for township in (township_of(data.village_code), COUNTY_TOTAL):
        stmt = insert(timeliness).values(
            county_code=data.county_code,
            period=period,
            township_code=township,
            kind=kind,
            total=1,
            on_time=int(on_time),
        )
        await session.execute(
            stmt.on_conflict_do_update(
                index_elements=["county_code", "period", "township_code", "kind"],
                set_={
                    "total": timeliness.c.total + 1,
                    "on_time": timeliness.c.on_time + stmt.excluded.on_time,
                },
            )
        )


async def _bump_rectification(
    session: AsyncSession, data: a.CampaignProblemFacts, deltas: dict[str, int]
) -> None:
    for township in (data.township_code, COUNTY_TOTAL):
        stmt = insert(rectification).values(
            county_code=data.county_code,
            campaign_id=data.campaign_id,
            township_code=township,
            **deltas,
        )
        await session.execute(
            stmt.on_conflict_do_update(
                index_elements=["county_code", "campaign_id", "township_code"],
                set_={k: rectification.c[k] + stmt.excluded[k] for k in deltas},
            )
        )
