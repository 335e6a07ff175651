"""Screening campaigns (集中排查, seed 003): phases, the four lists per problem, 销号, progress."""

from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from shouwang.assistance.domain.errors import BadRequest
from shouwang.common.failures import Conflict, Invalid, NotFound

# the eight areas a screening looks at (seed 003 "排查内容")
PROBLEM_TYPES: Final = (
    "三保障和饮水安全",
    "产业发展",
    "就业",
    "小额信贷",
    "消费帮扶",
    "资金项目管理",
    "动态监测",
    "帮扶工作",
)
STATE_LABELS: Final = {"open": "整改中", "overdue": "已逾期", "closed": "已销号"}


class CampaignNotFound(NotFound):
    code, message = "campaign_not_found", "排查活动不存在"


class ProblemNotFound(NotFound):
    code, message = "problem_not_found", "问题不存在"


class CampaignClosed(Conflict):
    code, message = "campaign_not_running", "排查活动不在进行期间，不能登记问题"


class ProblemAlreadyClosed(Conflict):
    code, message = "problem_already_closed", "该问题已销号"


class EvidenceRequired(Invalid):
    code, message = "evidence_required", "销号须提供整改佐证材料"


def check_phases(phases: list[dict[str, Any]]) -> tuple[date, date]:
    """Phases run in order without overlap; returns the campaign's first and last day."""
    for i, phase in enumerate(phases):
        if phase["ends_on"] < phase["starts_on"]:
            raise BadRequest("阶段结束日期不能早于开始日期", field=f"phases.{i}.ends_on")
        if i and phase["starts_on"] <= phases[i - 1]["ends_on"]:
            raise BadRequest("各阶段须按顺序排列且不能重叠", field=f"phases.{i}.starts_on")
    return phases[0]["starts_on"], phases[-1]["ends_on"]


def current_phase(phases: list[dict[str, Any]], today: date) -> str | None:
    """The name of the phase running today (None between or outside phases)."""
    for phase in phases:
        if (
            date.fromisoformat(str(phase["starts_on"]))
            <= today
            <= date.fromisoformat(str(phase["ends_on"]))
        ):
            return str(phase["name"])
    return None


def check_recording(*, starts_on: date, ends_on: date, today: date, deadline: date) -> None:
    """A problem is recorded while the campaign runs, with a deadline not in the past."""
    if not starts_on <= today <= ends_on:
        raise CampaignClosed(details={"starts_on": str(starts_on), "ends_on": str(ends_on)})
    if deadline < today:
        raise BadRequest("整改时限不能早于登记日期", field="deadline")


def check_evidence(evidence: dict[str, Any] | None) -> None:
    """销号 needs a written account of the rectification (attachments are optional extras)."""
    if not evidence or not str(evidence.get("text") or "").strip():
        raise EvidenceRequired(field="evidence.text")


def problem_state(status: str, deadline: date, today: date) -> str:
    """closed, overdue (open past its deadline) or open."""
    if status == "closed":
        return "closed"
    return "overdue" if deadline < today else "open"


@dataclass(frozen=True)
class TownshipProgress:
    township_code: str
    found: int
    closed: int
    overdue: int
    closed_late: int

    @property
    def completion_rate(self) -> float:
        """整改完成率: closed / found (0 when nothing was found)."""
        return round(self.closed / self.found, 4) if self.found else 0.0

    def as_dict(self) -> dict[str, Any]:
        """The progress row as the API shows it."""
        return {
            "township_code": self.township_code,
            "found": self.found,
            "closed": self.closed,
            "open": self.found - self.closed,
            "overdue": self.overdue,
            "closed_late": self.closed_late,
            "completion_rate": self.completion_rate,
        }


def totals(rows: list[TownshipProgress]) -> TownshipProgress:
    """The sum over townships."""
    return TownshipProgress(
        township_code="",
        found=sum(r.found for r in rows),
        closed=sum(r.closed for r in rows),
        overdue=sum(r.overdue for r in rows),
        closed_late=sum(r.closed_late for r in rows),
    )
