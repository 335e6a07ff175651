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
