"""Quarterly risk elimination (风险消除): pre-judgement, outcome, data-quality checks."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from shouwang.assistance.domain.errors import OutsideEliminationWindow
from shouwang.assistance.domain.followup import MonthIncome, annualise, per_person
from shouwang.assistance.domain.vocab import PROTECTIONS, SECURITY_KEYS, has_labour, labour_known
from shouwang.common.policy.settings import EliminationSchedule

STEPS = ("prejudge", "onsite_check", "village_review", "mark")
ASSISTED, NATURAL = "帮扶消除", "自然消除"
# seed 001: pre-judgement after ≥ 6 months of monitoring and ≥ 6 months stably above the line;
# seed 004: "收入稳定持续半年以上". When the steps run: the county's `elimination_schedule`
MIN_MONITORED_MONTHS = 6
STABLE_MONTHS = 6
QUALITY_MIN_MONTHS = 2  # DESIGN data-quality check: elimination ≤ 2 months after identification
STEP_ROLES = {
    "prejudge": ("township", "village"),
    "onsite_check": ("village", "township"),
    "village_review": ("village", "township"),
    "mark": ("township", "county"),
}
QUARTER_ENDS = (3, 6, 9, 12)


def prejudge_open(today: date, schedule: EliminationSchedule) -> bool:
    """True inside the pre-judgement days of a schedule month (seed 001: 末月中旬)."""
    if today.month not in schedule.months:
        return False
    first = schedule.day_in(today.year, today.month, schedule.prejudge_from_day)
    last = schedule.day_in(today.year, today.month, schedule.prejudge_to_day)
    return first <= today <= last


def review_open(today: date, schedule: EliminationSchedule) -> bool:
    """True from the review day to the end of a schedule month (seed 001: 末月下旬)."""
    if today.month not in schedule.months:
        return False
    return today >= schedule.day_in(today.year, today.month, schedule.review_from_day)


def _next_opening(after: date, months: tuple[int, ...], day: int) -> date:
    for ahead in range(13):
        index = after.year * 12 + after.month - 1 + ahead
        year, month = index // 12, index % 12 + 1
        if month in months:
            opening = EliminationSchedule.day_in(year, month, day)
            if opening > after:
                return opening
    raise ValueError("an elimination schedule without months")


def next_prejudge_opening(after: date, schedule: EliminationSchedule) -> date:
    """The first day after `after` on which pre-judgement opens."""
    return _next_opening(after, schedule.months, schedule.prejudge_from_day)


def next_review_opening(after: date, schedule: EliminationSchedule) -> date:
    """The first day after `after` on which a village review (季度评议) opens."""
    return _next_opening(after, schedule.months, schedule.review_from_day)


def review_reached(marked_on: date, today: date, schedule: EliminationSchedule) -> bool:
    """True in a review window that opened after the 缓退 was marked (the next quarterly review)."""
    if not review_open(today, schedule):
        return False
    return schedule.day_in(today.year, today.month, schedule.review_from_day) > marked_on


def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def check_window(step: str, today: date, schedule: EliminationSchedule) -> None:
    """Refuse pre-judgement or the village review outside their days, naming the next opening."""
    if step == "prejudge" and not prejudge_open(today, schedule):
        rule = f"风险消除预判在{describe_prejudge(schedule)}开展"
        raise _outside(rule, step, next_prejudge_opening(today, schedule), schedule)
    if step == "village_review" and not review_open(today, schedule):
        rule = f"村级民主评议在{describe_review(schedule)}开展"
        raise _outside(rule, step, next_review_opening(today, schedule), schedule)


def check_review_reached(marked_on: date, today: date, schedule: EliminationSchedule) -> None:
    """A protected 缓退 household exits only at the next quarterly review after its mark."""
    if not review_reached(marked_on, today, schedule):
        rule = f"缓退户在保障终止或缓退后的下一次季度评议（{describe_review(schedule)}）时方可退出"
        opens = next_review_opening(max(today, marked_on), schedule)
        raise _outside(rule, "exit", opens, schedule)


def _outside(
    rule: str, step: str, opens: date, schedule: EliminationSchedule
) -> OutsideEliminationWindow:
    return OutsideEliminationWindow(
        f"{rule}，下一次于 {chinese_date(opens)} 开始",
        field="date",
        details={"step": step, "next_opening": opens.isoformat(),
                 "schedule": {"months": list(schedule.months),
                              "prejudge_from_day": schedule.prejudge_from_day,
                              "prejudge_to_day": schedule.prejudge_to_day,
                              "review_from_day": schedule.review_from_day}},
    )  # fmt: skip


def describe_months(schedule: EliminationSchedule) -> str:
    """`每季度末月` for the seed's months, else the months listed (`每年 2、5、8、11 月`)."""
    if schedule.months == QUARTER_ENDS:
        return "每季度末月"
    return "每年 " + "、".join(str(m) for m in schedule.months) + " 月"


def describe_prejudge(schedule: EliminationSchedule) -> str:
    first, last = schedule.prejudge_from_day, schedule.prejudge_to_day
    return f"{describe_months(schedule)} {first} 日至 {last} 日"


def describe_review(schedule: EliminationSchedule) -> str:
    return f"{describe_months(schedule)} {schedule.review_from_day} 日至月末"


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
