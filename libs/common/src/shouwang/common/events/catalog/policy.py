"""Policy events: a region's settings or a province's working-day calendar changed (v1.1)."""

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel
from shouwang.common.events.registry import event_type
from shouwang.common.events.topics import POLICY_SETTINGS


@event_type("shouwang.policy.changed.v1", topic=POLICY_SETTINGS)
class PolicyChanged(BaseModel):
    """A new version of a region's settings (2-digit province or 6-digit county)."""

    region_code: str
    version: int
    effective_from: date
    actor: str
    reason: str
    # the settings this version changes, validated and normalised (a partial settings dict)
    settings: dict[str, Any]
    recorded_at: datetime


@event_type("shouwang.policy.calendar.changed.v1", topic=POLICY_SETTINGS)
class CalendarChanged(BaseModel):
    """A province's working-day calendar of one year, replaced as a whole."""

    region_code: str  # the 2-digit province code (the topic's key)
    year: int
    version: int
    holidays: list[date]
    workdays: list[date]  # 调休: weekend days worked
    actor: str
    reason: str
    recorded_at: datetime
