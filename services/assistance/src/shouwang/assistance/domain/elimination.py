"""Quarterly risk elimination (风险消除): pre-judgement, outcome, data-quality checks."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from shouwang.assistance.domain.followup import MonthIncome, annualise, per_person
from shouwang.assistance.domain.vocab import PROTECTIONS, SECURITY_KEYS, has_labour, labour_known

STEPS = ("prejudge", "onsite_check", "village_review", "mark")
ASSISTED, NATURAL = "帮扶消除", "自然消除"
# seed 001: pre-judgement in the last month of each quarter (每季度末月), after ≥ 6 months of
# monitoring and ≥ 6 months stably above the line; seed 004: "收入稳定持续半年以上"
PREJUDGE_MONTHS = [3, 6, 9, 12]
MIN_MONITORED_MONTHS = 6
STABLE_MONTHS = 6
QUALITY_MIN_MONTHS = 2  # DESIGN data-quality check: elimination ≤ 2 months after identification
STEP_ROLES = {
    "prejudge": ("township", "village"),
    "onsite_check": ("village", "township"),
    "village_review": ("village", "township"),
    "mark": ("township", "county"),
}


def prejudge_open(today: date, months: list[int]) -> bool:
    """True when pre-judgement may run today (the last month of a quarter by default)."""
    return not months or today.month in months


def next_prejudge_month(today: date, months: list[int]) -> str:
    """The next month (YYYY-MM) in which pre-judgement opens."""
    for ahead in range(1, 13):
        index = today.year * 12 + today.month - 1 + ahead
        if index % 12 + 1 in months:
            return f"{index // 12:04d}-{index % 12 + 1:02d}"
    return today.strftime("%Y-%m")


def months_between(start: date, end: date) -> int:
    """Whole months from start to end (a month counts once the day of month is reached)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - (1 if end.day < start.day else 0)


def _previous(month: str, back: int) -> str:
    year, mon = int(month[:4]), int(month[5:7])
    index = year * 12 + mon - 1 - back
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def stable_above_line(months: list[MonthIncome], *, size: int, line: float, needed: int) -> bool:
    """The last `needed` consecutive months each show a trailing-12-month income above the line."""
    by_month = {m.month: m for m in months}
    if not months:
        return False
    latest = max(by_month)
    for back in range(needed):
        month = _previous(latest, back)
        if month not in by_month:
            return False
        window = [by_month[m] for m in (_previous(month, k) for k in range(12)) if m in by_month]
        if per_person(annualise(window), size) < line:
            return False
    return True


@dataclass(frozen=True)
class Candidate:
    monitored_since: date | None
    today: date
    months: list[MonthIncome]
    size: int
    line: float
    security: dict[str, bool]
    measures_in_effect: int
    way: str
    min_monitored_months: int = 6
    stable_months: int = 6
    unproven_measures: int = 0  # measures not reviewed as in place and effective
    natural_cause: str = ""  # why the risk disappeared on its own (自然消除)


def prejudge_failures(c: Candidate) -> list[str]:
    """The criteria a candidate does not meet (empty: the risk may be eliminated)."""
    failures = []
    if (
        c.monitored_since is None
        or months_between(c.monitored_since, c.today) < c.min_monitored_months
    ):
        failures.append("monitored_less_than_required")
    if not stable_above_line(c.months, size=c.size, line=c.line, needed=c.stable_months):
        failures.append("income_not_stably_above_line")
    if not all(c.security.get(k) for k in SECURITY_KEYS):
        failures.append("security_not_guaranteed")
    return failures + way_failures(c)


def way_failures(c: Candidate) -> list[str]:
    """Seed 004: 帮扶消除 needs every measure in place with lasting effect (and one running);
    自然消除 needs the risk to have disappeared on its own, with its cause recorded."""
    if c.way == NATURAL:
        return [] if c.natural_cause.strip() else ["natural_cause_missing"]
    failures = []
    if c.measures_in_effect < 1:
        failures.append("no_measure_in_effect")
    if c.unproven_measures:
        failures.append("measures_not_all_effective")
    return failures


def unproven_measures(measures: list[dict[str, Any]], review: list[dict[str, Any]]) -> list[str]:
    """Names of the household's measures not reviewed as in place (落实) and effective (见效)."""
    proven = {r["name"] for r in review if r.get("in_place") and r.get("effective")}
    return [str(m["name"]) for m in measures if m["name"] not in proven]


def outcome(*, labours: list[str], protection: list[str]) -> str:
    """What marking does: kept as 兜底保障户, 缓退 (deferred exit) or risk eliminated."""
    if labour_known(labours) and not has_labour(labours):
        return "guarantee_household"
    if set(protection) & set(PROTECTIONS):
        return "deferred_exit"
    return "risk_eliminated"


def _within_months(start: date, end: date, months: int) -> bool:
    """True when `end` is at most `months` calendar months after `start`."""
    elapsed = months_between(start, end)
    return elapsed < months or (elapsed == months and end.day == start.day)


QUALITY_MESSAGES = {
    "eliminated_within_two_months": "识别纳入后 2 个月内即标注风险消除",
    "eliminated_below_line": "收入低于监测线仍标注风险消除",
    "employment_risk_without_labour": "风险类型为因务工就业不稳，但家庭无劳动力",
    "water_risk_without_water_measure": "饮水安全风险未落实饮水安全保障措施",
    "no_labour_not_guarantee_household": "无劳动力家庭未标注为兜底保障户",
}


@dataclass(frozen=True)
class QualityInputs:
    approved_on: date | None
    today: date
    income_per_person: float | None
    line: float
    risk_types: list[str]
    labours: list[str]
    measure_types: list[str]
    guarantee_household: bool
    eliminating: bool
    min_months: int = 2


def quality_flags(q: QualityInputs) -> list[str]:
    """Data-quality findings (flagged, never blocking) as DESIGN lists them."""
    flags = []
    if q.eliminating and q.approved_on and _within_months(q.approved_on, q.today, q.min_months):
        flags.append("eliminated_within_two_months")
    if q.eliminating and q.income_per_person is not None and q.income_per_person < q.line:
        flags.append("eliminated_below_line")
    if "因务工就业不稳" in q.risk_types and not has_labour(q.labours):
        flags.append("employment_risk_without_labour")
    if "饮水安全" in q.risk_types and "饮水" not in q.measure_types:
        flags.append("water_risk_without_water_measure")
    no_labour = q.labours and labour_known(q.labours) and not has_labour(q.labours)
    if no_labour and not q.guarantee_household:
        flags.append("no_labour_not_guarantee_household")
    return flags
