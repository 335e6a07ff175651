"""Household metrics kept as assistance events arrive: monitoring objects, timeliness, 整改."""

from collections import Counter
from datetime import datetime

from shouwang.audit.adapters import household_metrics as store
from shouwang.audit.adapters.household_metrics import COUNTY_TOTAL
from shouwang.common.clock import SHANGHAI
from shouwang.common.events.catalog import assistance as a
from shouwang.common.events.envelope import EventEnvelope
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
    found = await store.lock_household(session, data.household_id)
    new = {
        "household_id": data.household_id,
        "county_code": data.county_code,
        "township_code": township_of(data.village_code),
        "monitored": data.status == "monitored",
        "category": data.category,
        "risk_types": data.risk_types,
    }
    await store.put_household(session, new)
    deltas: Counter[Key] = Counter()
    for township, dimension, value in _contributions(found):
        deltas[(township, dimension, value)] -= 1
        deltas[(COUNTY_TOTAL, dimension, value)] -= 1
    for township, dimension, value in _contributions(new):
        deltas[(township, dimension, value)] += 1
        deltas[(COUNTY_TOTAL, dimension, value)] += 1
    for (township, dimension, value), delta in sorted(deltas.items()):
        if delta:
            await store.add_household_count(
                session, data.county_code, township, dimension, value, delta
            )


async def _first_plan(session: AsyncSession, data: a.PlanRecorded) -> bool:
    """Mark the household's first plan; False for a later one (only the first has a deadline)."""
    state = {
        "household_id": data.household_id,
        "county_code": data.county_code,
        "township_code": township_of(data.village_code),
    }
    return await store.count_first_plan(session, state)


async def _bump_timeliness(
    session: AsyncSession, data: a.HouseholdFacts, period: str, kind: str, on_time: bool
) -> None:
    for township in (township_of(data.village_code), COUNTY_TOTAL):
        cell = {"county_code": data.county_code, "period": period, "township_code": township}
        await store.add_timeliness(session, {**cell, "kind": kind}, on_time=on_time)


async def _bump_rectification(
    session: AsyncSession, data: a.CampaignProblemFacts, deltas: dict[str, int]
) -> None:
    for township in (data.township_code, COUNTY_TOTAL):
        cell = {
            "county_code": data.county_code,
            "campaign_id": data.campaign_id,
            "township_code": township,
        }
        await store.add_rectification(session, cell, deltas)
