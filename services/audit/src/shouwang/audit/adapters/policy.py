"""The county policy audit projects from `policy.settings` (for the deadline colours)."""

from datetime import date

from shouwang.audit.adapters.tables import policy_calendars, policy_versions
from shouwang.common.events.envelope import EventEnvelope
from shouwang.common.policy.projection import Db, apply_policy_event, effective_policy
from shouwang.common.policy.resolution import EffectivePolicy
from sqlalchemy.ext.asyncio import AsyncSession


async def record_policy_event(envelope: EventEnvelope, session: AsyncSession) -> None:
    """Project a policy or calendar change."""
    await apply_policy_event(
        envelope, session, versions=policy_versions, calendars=policy_calendars
    )


async def county_policy(db: Db, *, county_code: str, on: date) -> EffectivePolicy:
    """Every setting in force for the county on a date."""
    return await effective_policy(db, table=policy_versions, region_code=county_code, on_date=on)
