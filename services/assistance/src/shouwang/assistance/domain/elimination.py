"""Quarterly risk elimination (风险消除): pre-judgement, outcome, data-quality checks."""

from dataclasses import dataclass
from datetime import date

from shouwang.assistance.domain.followup import MonthIncome, annualise, per_person
from shouwang.assistance.domain.vocab import PROTECTIONS, SECURITY_KEYS, has_labour, labour_known

STEPS = ("prejudge", "onsite_check", "village_review", "mark")
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
    if c.way == "帮扶消除" and c.measures_in_effect < 1:
        failures.append("no_measure_in_effect")
    return failures


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
