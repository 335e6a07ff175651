"""Request and response bodies of the policy API (API.md "Policy (v1.1)")."""

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

# a province (2 digits) or county (6 digits) owns a layer; any region may be read
LAYER_CODE = r"^\d{2}(\d{4})?$"
REGION_CODE = r"^\d{2}(\d{4}(\d{3}(\d{3})?)?)?$"
PROVINCE_CODE = r"^\d{2}$"


class PolicyUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    effective_from: date
    reason: str = Field(min_length=1, max_length=500)
    # partial: only the settings that change; validated by shouwang.common.policy.validation
    settings: dict[str, Any]


class PolicyRead(BaseModel):
    region_code: str
    on: date
    # setting -> {value, source, version, effective_from}; deadlines and indicator_thresholds
    # one level deeper (per deadline, per indicator)
    settings: dict[str, Any]


class PolicyVersionRead(BaseModel):
    region_code: str
    version: int
    effective_from: date
    actor: str
    reason: str
    settings: dict[str, Any]
    recorded_at: datetime


class PolicyVersionPage(BaseModel):
    items: list[PolicyVersionRead]
    next_cursor: str | None


class CalendarUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    holidays: list[date] = Field(max_length=366)
    workdays: list[date] = Field(max_length=366)  # 调休: weekend days worked
    reason: str = Field(min_length=1, max_length=500)


class CalendarRead(BaseModel):
    province_code: str
    year: int
    source: Literal["national", "province", "fallback"]
    version: int
    holidays: list[date]
    workdays: list[date]
    fallback: bool  # no data for the year: Monday–Friday, `warning` says so
    warning: str | None
    seed_package: str


class WhatIfQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # partial, validated exactly like PolicyUpdate.settings
    settings: dict[str, Any]
    on: date | None = None  # default: today


class SettingComparison(BaseModel):
    current: Any
    proposed: Any


class WhatIfHousehold(BaseModel):
    household_id: str
    county_code: str
    township_code: str
    village_code: str
    month: str
    per_person_yuan: float
    flag: Literal["below_monitoring_line", "below_lifted_average"]
    change: Literal["gained", "lost"]


class WhatIfItem(BaseModel):
    item_id: str
    batch_id: str
    county_code: str
    department: str
    period: str
    township_code: str
    village_code: str
    indicator: str
    values: dict[str, float]
    current_class: Literal["below_threshold", "routed"]
    proposed_class: Literal["below_threshold", "routed"]


class WhatIfCounts(BaseModel):
    households_gained: int
    households_lost: int
    items_to_below_threshold: int
    items_to_routed: int


class WhatIfTownship(WhatIfCounts):
    township_code: str
    township_name: str | None


class WhatIfRead(BaseModel):
    region_code: str
    on: date
    settings: dict[str, SettingComparison]  # only the settings proposed
    households: list[WhatIfHousehold]
    items: list[WhatIfItem]
    townships: list[WhatIfTownship]
    totals: WhatIfCounts
