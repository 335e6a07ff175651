"""Which measures a plan needs, given the household's labour and risks (seed 001, DESIGN)."""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

from shouwang.assistance.domain.vocab import (
    DEVELOPMENTAL_MEASURES,
    SOCIAL_SECURITY_MEASURES,
    has_full_labour,
    has_labour,
)


@dataclass(frozen=True)
class Rule:
    code: str
    message: str


LABOURER_NEEDS_DEVELOPMENTAL = Rule(
    "labourer_needs_developmental_measure",
    "家庭有劳动力的，须至少落实一项开发式帮扶措施（产业、就业或公益岗位）",
)
PARTIAL_LABOUR_NEEDS_SUITED_MEASURE = Rule(
    "partial_labour_needs_suited_measure",
    "家庭劳动力均为半劳力、弱劳力的，产业措施不能单独作为开发式帮扶，"
    "须落实能胜任的公益岗位或就业措施",
)
NO_LABOUR_NEEDS_SOCIAL_SECURITY = Rule(
    "no_labour_needs_social_security",
    "家庭无劳动力的，须落实社会保障兜底措施（综合保障/兜底或保险/救助）",
)
ILLNESS_NEEDS_HEALTH = Rule("illness_needs_health_measure", "因病致险的，须落实健康帮扶措施")
SCHOOLING_NEEDS_EDUCATION = Rule(
    "schooling_needs_education_measure", "因学致险的，须落实教育帮扶措施"
)
HOUSING_NEEDS_HOUSING = Rule("housing_needs_housing_measure", "住房安全风险须落实住房保障措施")
DISASTER_NEEDS_INSURANCE_OR_RELIEF = Rule(
    "disaster_needs_insurance_or_relief",
    "因灾、因意外事故致险的，须落实保险或救助措施（保险/救助）",
)
MOTIVATION_NEEDS_ASPIRATION = Rule(
    "motivation_needs_aspiration_measure", "内生动力不足的，须落实扶志扶智措施"
)
# flagged, never blocking (DESIGN data-quality checks)
WATER_WITHOUT_WATER_MEASURE = Rule(
    "water_risk_without_water_measure", "饮水安全风险未落实饮水安全保障措施（数据质量提示）"
)

# risk type -> (rule, the measure types that satisfy it); seed 001 "定措施"
_RISK_RULES: tuple[tuple[str, Rule, frozenset[str]], ...] = (
    ("因病", ILLNESS_NEEDS_HEALTH, frozenset({"健康"})),
    ("因学", SCHOOLING_NEEDS_EDUCATION, frozenset({"教育"})),
    ("住房安全", HOUSING_NEEDS_HOUSING, frozenset({"住房"})),
    ("因灾", DISASTER_NEEDS_INSURANCE_OR_RELIEF, frozenset({"保险/救助"})),
    ("因意外事故", DISASTER_NEEDS_INSURANCE_OR_RELIEF, frozenset({"保险/救助"})),
    ("内生动力不足", MOTIVATION_NEEDS_ASPIRATION, frozenset({"扶志扶智"})),
)
# 半劳力/弱劳力 count as labour, but an 产业 measure alone needs a full labourer
_SUITED_FOR_PARTIAL: Final = frozenset({"就业", "公益岗位"})


def _labour_violations(labours: list[str], types: set[str]) -> list[Rule]:
    if not has_labour(labours):
        return [] if types & SOCIAL_SECURITY_MEASURES else [NO_LABOUR_NEEDS_SOCIAL_SECURITY]
    if not types & DEVELOPMENTAL_MEASURES:
        return [LABOURER_NEEDS_DEVELOPMENTAL]
    if not has_full_labour(labours) and not types & _SUITED_FOR_PARTIAL:
        return [PARTIAL_LABOUR_NEEDS_SUITED_MEASURE]
    return []


def plan_violations(
    *, labours: list[str], risk_types: list[str], measure_types: list[str]
) -> list[Rule]:
    """Every rule a plan with these measures breaks (empty when the plan is acceptable)."""
    types = set(measure_types)
    broken = _labour_violations(labours, types)
    for risk, rule, satisfying in _RISK_RULES:
        if risk in risk_types and not types & satisfying and rule not in broken:
            broken.append(rule)
    return broken


def plan_quality_flags(*, risk_types: list[str], measure_types: list[str]) -> list[Rule]:
    """What a plan is flagged for without being refused (water risk without a water measure)."""
    if "饮水安全" in risk_types and "饮水" not in measure_types:
        return [WATER_WITHOUT_WATER_MEASURE]
    return []


def plan_due(approved_on: date | None, plan_days: int) -> date | None:
    """The last day a plan is on time: `plan_days` after the county's approval."""
    return approved_on + timedelta(days=plan_days) if approved_on else None


def plan_is_late(*, approved_on: date | None, made_on: date, plan_days: int) -> bool:
    """True when the plan was made after its due day."""
    due = plan_due(approved_on, plan_days)
    return due is not None and made_on > due
