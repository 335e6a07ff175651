"""Events of the assistance registry that other contexts project."""

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel
from shouwang.common.events.registry import event_type
from shouwang.common.events.topics import ASSISTANCE_HOUSEHOLDS

RegistryStatus = Literal["lifted", "monitored", "risk_eliminated", "none"]


@event_type("shouwang.assistance.household.status_changed.v1", topic=ASSISTANCE_HOUSEHOLDS)
class HouseholdStatusChanged(BaseModel):
    household_id: str
    county_code: str
    village_code: str
    status: RegistryStatus
    member_refs: list[str]
    # added fields (optional, so older consumers and producers stay compatible)
    assistance_status: str | None = None  # the detailed state: identifying, deferred_exit, …
    category: str | None = None
    reason: str | None = None
    risk_types: list[str] | None = None  # 风险类型 of a monitored household (audit's metrics)


class HouseholdFacts(BaseModel):
    """What every other assistance event carries: which household, where."""

    household_id: str
    county_code: str
    village_code: str


@event_type("shouwang.assistance.identification.step_recorded.v1", topic=ASSISTANCE_HOUSEHOLDS)
class IdentificationStepRecorded(HouseholdFacts):
    step: str
    result: str
    overdue: bool = False


@event_type("shouwang.assistance.plan.recorded.v1", topic=ASSISTANCE_HOUSEHOLDS)
class PlanRecorded(HouseholdFacts):
    plan_id: str
    measure_types: list[str]
    late: bool


@event_type("shouwang.assistance.followup.flagged.v1", topic=ASSISTANCE_HOUSEHOLDS)
class FollowupFlagged(HouseholdFacts):
    month: str
    flags: list[str]
    annual_income_per_person: float


@event_type("shouwang.assistance.followup.recorded.v1", topic=ASSISTANCE_HOUSEHOLDS)
class FollowupRecorded(HouseholdFacts):
    """Every recorded month (flagged or not; re-recording a month replaces it): policy's what-if
    judges the households' latest months against a proposed line."""

    month: str  # YYYY-MM
    annual_income_per_person: float
    household_size: int
    flags: list[str]


@event_type("shouwang.assistance.data_quality.flagged.v1", topic=ASSISTANCE_HOUSEHOLDS)
class DataQualityFlagged(HouseholdFacts):
    stage: str
    flags: list[str]


class CampaignProblemFacts(HouseholdFacts):
    """A problem found in a screening campaign (集中排查) and its four lists' keys. A problem
    may concern a fund or industry project (seed 003) instead of a household: then
    `household_id` is empty and `subject`/`project_name` say which project."""

    township_code: str
    campaign_id: str
    problem_id: str
    problem_type: str
    deadline: date
    subject: Literal["household", "fund_project", "industry_project"] = "household"
    project_name: str | None = None


@event_type("shouwang.assistance.campaign.problem_recorded.v1", topic=ASSISTANCE_HOUSEHOLDS)
class CampaignProblemRecorded(CampaignProblemFacts):
    found_on: date


@event_type("shouwang.assistance.campaign.problem_closed.v1", topic=ASSISTANCE_HOUSEHOLDS)
class CampaignProblemClosed(CampaignProblemFacts):
    closed_on: date
    on_time: bool
    attachments: int = 0


@event_type("shouwang.assistance.deadline.overdue.v1", topic=ASSISTANCE_HOUSEHOLDS)
class DeadlineOverdue(HouseholdFacts):
    """A deadline passed without the work done (raised once per stage and reference)."""

    stage: Literal["identification", "plan", "campaign_problem"]
    ref: str
    due_at: datetime
    township_code: str | None = None


@event_type("shouwang.assistance.visit.missed.v1", topic=ASSISTANCE_HOUSEHOLDS)
class VisitMissed(HouseholdFacts):
    """A monitored household had no follow-up (月走访) in a month: once per household and month,
    addressed to its village and township (`missed_visit`, red like an overdue task)."""

    township_code: str
    month: str  # YYYY-MM
    code: Literal["missed_visit"] = "missed_visit"
    colour: Literal["amber", "red"] = "red"


@event_type("shouwang.assistance.cadre.assigned.v1", topic=ASSISTANCE_HOUSEHOLDS)
class CadreAssigned(HouseholdFacts):
    """The household's responsible cadre (帮扶责任人) was set or changed (masked)."""

    cadre_id: str
    name_masked: str
    phone_masked: str | None = None
    post: str | None = None
    previous_cadre_id: str | None = None
    assigned_by: str


@event_type("shouwang.assistance.elimination.marked.v1", topic=ASSISTANCE_HOUSEHOLDS)
class EliminationMarked(HouseholdFacts):
    """Risk elimination was marked: the way (帮扶消除 / 自然消除), the outcome and the evidence
    the way rests on (seed 004; no personal data)."""

    elimination_id: str
    way: str
    outcome: str  # risk_eliminated, deferred_exit, guarantee_household
    evidence: dict[str, Any]
    quality_flags: list[str] = []
