"""Project the what-if facts from other services' events, in the consumer's inbox transaction."""

from shouwang.common.events.catalog.assistance import FollowupRecorded
from shouwang.common.events.catalog.warning import ItemIndicators
from shouwang.common.events.envelope import EventEnvelope
from shouwang.policy.adapters import facts
from sqlalchemy.ext.asyncio import AsyncSession

TOWNSHIP_LENGTH = 9


async def project_fact(envelope: EventEnvelope, session: AsyncSession) -> None:
    """Record a household's month or a chunk of a batch's thresholded items."""
    data = envelope.data
    if isinstance(data, FollowupRecorded):
        await facts.record_followup(session, {
            "household_id": data.household_id, "month": data.month,
            "county_code": data.county_code, "village_code": data.village_code,
            "township_code": data.village_code[:TOWNSHIP_LENGTH],
            "per_person_yuan": data.annual_income_per_person,
            "household_size": data.household_size, "flags": data.flags,
            "recorded_at": envelope.time,
        })  # fmt: skip
    elif isinstance(data, ItemIndicators):
        head = data.model_dump(include={"batch_id", "county_code", "department", "period"})
        rows = [{**item.model_dump(), **head} for item in data.items]
        await facts.replace_items(session, county_code=data.county_code,
                                  department=data.department, period=data.period,
                                  rows=rows)  # fmt: skip
