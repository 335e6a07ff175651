"""Scheduled screenings: the quarterly cadre screening (seed 001 "每季度集中开展一次") and the
half-yearly county-wide screening (seed 004 "每半年组织开展1次全县集中排查", in seed 003's
four phases), each a campaign of its period."""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

QUARTERLY, HALF_YEARLY = "quarterly_screening", "half_yearly_screening"


@dataclass(frozen=True)
class Screening:
    kind: str
    period: str  # 2027-Q1, 2027-H1
    name: str
    phases: list[dict[str, Any]]


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _phase(name: str, starts_on: date, ends_on: date) -> dict[str, Any]:
    return {"name": name, "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat()}


def quarterly(today: date) -> Screening:
    """The quarter's cadre screening: visits in its first 20 days, rectification after."""
    q = (today.month - 1) // 3 + 1
    start, end = date(today.year, 3 * q - 2, 1), _month_end(today.year, 3 * q)
    phases = [
        _phase("入户排查", start, start + timedelta(days=19)),
        _phase("问题整改", start + timedelta(days=20), end),
    ]
    return Screening(
        QUARTERLY, f"{today.year}-Q{q}", f"{today.year}年第{q}季度干部集中排查", phases
    )


def half_yearly(today: date) -> Screening:
    """The half-year's county-wide screening in its first month, seed 003's four phases."""
    h = 1 if today.month <= 6 else 2
    first = date(today.year, 6 * h - 5, 1)
    phases = [
        _phase("动员培训", first, first.replace(day=3)),
        _phase("实地排查", first.replace(day=4), first.replace(day=10)),
        _phase("问题整改及动态管理", first.replace(day=11), first.replace(day=25)),
        _phase("工作总结", first.replace(day=26), _month_end(first.year, first.month)),
    ]
    half = "上" if h == 1 else "下"
    return Screening(
        HALF_YEARLY, f"{today.year}-H{h}", f"{today.year}年{half}半年全县集中排查", phases
    )


def due_screenings(today: date) -> list[Screening]:
    """The scheduled screenings of the periods `today` lies in."""
    return [quarterly(today), half_yearly(today)]
