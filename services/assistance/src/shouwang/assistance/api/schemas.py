"""Request bodies of the assistance API (pydantic, API only)."""

import base64
import binascii
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from shouwang.assistance.domain.followup import CHECKS
from shouwang.assistance.domain.vocab import (
    CATEGORIES,
    ELIMINATION_WAYS,
    MEASURE_TYPES,
    MONITORING_CATEGORIES,
    PROTECTIONS,
    RISK_TYPES,
)


def _one_of(allowed: tuple[str, ...]) -> Callable[[str], str]:
    def check(value: str) -> str:
        if value not in allowed:
            raise ValueError(f"应为以下之一：{'、'.join(allowed)}")
        return value

    return check


Category = Annotated[str, AfterValidator(_one_of(CATEGORIES))]
MonitoringCategory = Annotated[str, AfterValidator(_one_of(MONITORING_CATEGORIES))]
RiskType = Annotated[str, AfterValidator(_one_of(RISK_TYPES))]
MeasureType = Annotated[str, AfterValidator(_one_of(MEASURE_TYPES))]
Protection = Annotated[str, AfterValidator(_one_of(PROTECTIONS))]
Labour = Literal["full", "partial", "none"]
Month = Annotated[str, Field(pattern=r"^(19|20)\d{2}-(0[1-9]|1[0-2])$")]  # years 1900-2099


class MemberIn(BaseModel):
    id_number: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=64)
    relation: str = Field(default="户主", max_length=32)
    labour: Labour
    phone: str | None = Field(default=None, max_length=32)


class HouseholdCreate(BaseModel):
    village_code: str = Field(pattern=r"^\d{12}$")
    category: Category
    status: Literal["lifted", "monitored", "risk_eliminated"] | None = None
    risk_types: list[RiskType] = []
    protection: list[Protection] = []
    security: dict[str, bool] = {}
    address: str | None = Field(default=None, max_length=200)
    size: int | None = Field(default=None, ge=1, le=50)
    monitored_since: date | None = None
    last_year_income_per_person: float | None = Field(default=None, ge=0)
    members: list[MemberIn] = Field(min_length=1, max_length=50)


class HouseholdUpdate(BaseModel):
    category: Category | None = None
    risk_types: list[RiskType] | None = None
    protection: list[Protection] | None = None
    security: dict[str, bool] | None = None
    size: int | None = Field(default=None, ge=1, le=50)
    last_year_income_per_person: float | None = Field(default=None, ge=0)


class IdentificationStart(BaseModel):
    reason: str = Field(default="", max_length=500)
    risk_types: list[RiskType] = []


class VillageReview(BaseModel):
    result: Literal["pass", "fail"]
    date: date
    attendees: int = Field(ge=1)
    category: MonitoringCategory | None = None
    risk_types: list[RiskType] = []
    note: str = Field(default="", max_length=1000)


class Objection(BaseModel):
    received_on: date
    summary: str = Field(max_length=500)
    resolution: str = Field(default="", max_length=500)


class Notice(BaseModel):
    posted_on: date
    objections: list[Objection] = []


class TownshipReview(BaseModel):
    result: Literal["pass", "fail"]
    date: date
    note: str = Field(default="", max_length=1000)


OptionalDate = date | None  # NOTE: named outside the class, where `date` is a field


class CountyDecision(BaseModel):
    decision: Literal["approve", "reject"]
    # NOTE: ignored: the decision is dated by the server (issue 16); kept for older clients
    date: OptionalDate = None
    category: MonitoringCategory | None = None
    note: str = Field(default="", max_length=1000)


class MeasureIn(BaseModel):
    type: MeasureType
    name: str = Field(min_length=1, max_length=200)
    starts_on: date
    ends_on: date
    amount_yuan: float = Field(default=0, ge=0)


class PlanCreate(BaseModel):
    # NOTE: optional: the plan refers to the household's cadre; a name given here (older
    # clients) sets or changes that cadre first
    cadre_name: str | None = Field(default=None, min_length=1, max_length=64)
    measures: list[MeasureIn] = Field(min_length=1, max_length=50)


class CadreIn(BaseModel):
    """The household's responsible cadre (帮扶责任人): a township, village or resident cadre."""

    name: str = Field(min_length=1, max_length=64)
    phone: str | None = Field(default=None, max_length=32)
    post: str | None = Field(
        default=None, max_length=64, description="职务，如 包村干部、驻村工作队员"
    )


class Income(BaseModel):
    wage: float = Field(default=0, ge=0)
    production: float = Field(default=0)
    property: float = Field(default=0, ge=0)
    transfer: float = Field(default=0, ge=0)


class Expense(BaseModel):
    """Expenses of the month; medical and education are the rigid ones (expense_surge)."""

    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, float] = Field(init=False)  # other kinds: numbers too
    medical: float = Field(default=0, ge=0, description="医疗支出")
    education: float = Field(default=0, ge=0, description="教育支出")


def _check(field: str) -> Any:
    return Field(default=None, title=CHECKS[field], description=CHECKS[field])


class MonthlyChecks(BaseModel):
    """Seed 001's monthly checks (None: not recorded this month)."""

    measures_in_place: bool | None = _check("measures_in_place")
    entitlements_received: bool | None = _check("entitlements_received")
    education: bool | None = _check("education")
    medical: bool | None = _check("medical")
    housing: bool | None = _check("housing")
    water: bool | None = _check("water")
    household_satisfied: bool | None = _check("household_satisfied")


class FollowupCreate(BaseModel):
    month: Month
    income: Income
    expense: Expense = Expense()
    checks: MonthlyChecks = MonthlyChecks()


class MeasureReview(BaseModel):
    """One measure checked for 帮扶消除: in place (落实) and with lasting effect (见效)."""

    name: str = Field(min_length=1, max_length=200)
    in_place: bool
    effective: bool
    effect: str = Field(default="", max_length=1000, description="帮扶成效")


class Prejudge(BaseModel):
    date: date
    way: Annotated[str, AfterValidator(_one_of(ELIMINATION_WAYS))] = "帮扶消除"
    security: dict[str, bool] | None = None
    # 帮扶消除: every measure of the household, reviewed (seed 004 "帮扶措施全部落实并产生持续效果")
    measure_review: list[MeasureReview] = Field(default=[], max_length=100)
    # 自然消除: why the risk disappeared on its own (seed 004 "返贫致贫风险自然消失"), which risks
    natural_cause: str = Field(default="", max_length=2000)
    risks_gone: list[RiskType] = []


SIGNATURE_PREFIX = "data:image/png;base64,"
SIGNATURE_MAX_CHARS = 300_000  # about 220 KB of PNG: a phone-screen signature is far smaller


def _png_data_url(value: str | None) -> str | None:
    """The household's signature drawn on the screen: a base64 PNG data URL, or nothing."""
    if value is None:
        return None
    try:
        raw = base64.b64decode(value.removeprefix(SIGNATURE_PREFIX), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if not value.startswith(SIGNATURE_PREFIX) or not raw.startswith(b"\x89PNG\r\n\x1a\n"):
        raise ValueError("签字图片应为 PNG（data:image/png;base64,…）")
    return value


class OnsiteCheck(BaseModel):
    date: date
    checked_by: str = Field(min_length=1, max_length=64)
    household_signed: bool
    findings: str = Field(default="", max_length=2000)
    signature_png: Annotated[
        str | None, Field(max_length=SIGNATURE_MAX_CHARS), AfterValidator(_png_data_url)
    ] = None


class EliminationReview(BaseModel):
    result: Literal["pass", "fail"]
    date: date
    attendees: int = Field(ge=1)


class Mark(BaseModel):
    date: date


class DeferredExit(BaseModel):
    """The end of 缓退; dated by the server."""

    note: str = Field(default="", max_length=1000)


IDENTIFICATION_BODIES: dict[str, type[BaseModel]] = {
    "village_review": VillageReview,
    "notice": Notice,
    "township_review": TownshipReview,
    "county_decision": CountyDecision,
}
ELIMINATION_BODIES: dict[str, type[BaseModel]] = {
    "prejudge": Prejudge,
    "onsite_check": OnsiteCheck,
    "village_review": EliminationReview,
    "mark": Mark,
    "exit": DeferredExit,
}


def dump(model: BaseModel) -> dict[str, Any]:
    """JSON-ready dict of a body."""
    return model.model_dump(mode="json")
