"""Which measures a plan needs, given the household's labour and risks (seed 001, DESIGN)."""

from dataclasses import dataclass
from datetime import date, timedelta

from shouwang.assistance.domain.vocab import (
    DEVELOPMENTAL_MEASURES,
    SOCIAL_SECURITY_MEASURES,
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
NO_LABOUR_NEEDS_SOCIAL_SECURITY = Rule(
    "no_labour_needs_social_security",
    "家庭无劳动力的，须落实社会保障兜底措施（综合保障/兜底或保险/救助）",
)
ILLNESS_NEEDS_HEALTH = Rule("illness_needs_health_measure", "因病致险的，须落实健康帮扶措施")
SCHOOLING_NEEDS_EDUCATION = Rule(
    "schooling_needs_education_measure", "因学致险的，须落实教育帮扶措施"
)
HOUSING_NEEDS_HOUSING = Rule("housing_needs_housing_measure", "住房安全风险须落实住房保障措施")
WATER_NEEDS_WATER = Rule("water_needs_water_measure", "饮水安全风险须落实饮水安全保障措施")

# risk type -> (rule, the measure types that satisfy it)
_RISK_RULES: tuple[tuple[str, Rule, frozenset[str]], ...] = (
    ("因病", ILLNESS_NEEDS_HEALTH, frozenset({"健康"})),
    ("因学", SCHOOLING_NEEDS_EDUCATION, frozenset({"教育"})),
    ("住房安全", HOUSING_NEEDS_HOUSING, frozenset({"住房"})),
    ("饮水安全", WATER_NEEDS_WATER, frozenset({"饮水"})),
)


def plan_violations(
    *, labours: list[str], risk_types: list[str], measure_types: list[str]
) -> list[Rule]:
    """Every rule a plan with these measures breaks (empty when the plan is acceptable)."""
    types = set(measure_types)
    broken: list[Rule] = []
    if has_labour(labours):
        if not types & DEVELOPMENTAL_MEASURES:
            broken.append(LABOURER_NEEDS_DEVELOPMENTAL)
    elif not types & SOCIAL_SECURITY_MEASURES:
        broken.append(NO_LABOUR_NEEDS_SOCIAL_SECURITY)
    for risk, rule, satisfying in _RISK_RULES:
        if risk in risk_types and not types & satisfying:
            broken.append(rule)
    return broken


def plan_due(approved_on: date | None, plan_days: int) -> date | None:
    """The last day a plan is on time: `plan_days` after the county's approval."""
    return approved_on + timedelta(days=plan_days) if approved_on else None


def plan_is_late(*, approved_on: date | None, made_on: date, plan_days: int) -> bool:
    """True when the plan was made after its due day."""
    due = plan_due(approved_on, plan_days)
    return due is not None and made_on > due
