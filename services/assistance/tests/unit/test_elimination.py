from datetime import date

from shouwang.assistance.domain.elimination import (
    Candidate,
    QualityInputs,
    months_between,
    outcome,
    prejudge_failures,
    quality_flags,
    stable_above_line,
)
from shouwang.assistance.domain.followup import MonthIncome

SECURE = {"education": True, "medical": True, "housing": True, "water": True}


def months(first, n, wage):
    y, m = first
    out = []
    for _ in range(n):
        out.append(MonthIncome(f"{y}-{m:02d}", {"wage": wage}))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def candidate(**kw):
    base = {
        "monitored_since": date(2026, 3, 1),
        "today": date(2026, 11, 10),
        "months": months((2026, 4), 7, 2000),
        "size": 2,
        "line": 6500,
        "security": SECURE,
        "measures_in_effect": 1,
        "way": "帮扶消除",
    }
    return Candidate(**{**base, **kw})


def test_a_good_candidate_passes():
    assert prejudge_failures(candidate()) == []


def test_each_criterion_fails_on_its_own():
    assert prejudge_failures(candidate(monitored_since=date(2026, 6, 1))) == [
        "monitored_less_than_required"
    ]
    assert prejudge_failures(candidate(months=months((2026, 6), 5, 2000))) == [
        "income_not_stably_above_line"
    ]
    assert prejudge_failures(candidate(security={**SECURE, "water": False})) == [
        "security_not_guaranteed"
    ]
    assert prejudge_failures(candidate(measures_in_effect=0)) == ["no_measure_in_effect"]
    assert prejudge_failures(candidate(measures_in_effect=0, way="自然消除")) == [
        "natural_cause_missing"
    ]
    natural = candidate(measures_in_effect=0, way="自然消除", natural_cause="患病家庭成员已痊愈")
    assert prejudge_failures(natural) == []
    assert prejudge_failures(candidate(unproven_measures=1)) == ["measures_not_all_effective"]


def test_stability_needs_consecutive_months_above_the_line():
    ms = months((2026, 1), 10, 2000)
    ms[7] = MonthIncome(ms[7].month, {"wage": 0})  # one empty month
    assert stable_above_line(ms, size=2, line=6500, needed=6)  # still 2000*9/10*12/2 > 6500
    assert not stable_above_line(ms, size=2, line=11000, needed=6)


def test_outcome_by_protection_and_labour():
    assert outcome(labours=["full"], protection=[]) == "risk_eliminated"
    assert outcome(labours=["full"], protection=["低保"]) == "deferred_exit"
    assert outcome(labours=["none", "none"], protection=["特困"]) == "guarantee_household"


def test_months_between():
    assert months_between(date(2026, 5, 10), date(2026, 11, 10)) == 6
    assert months_between(date(2026, 5, 11), date(2026, 11, 10)) == 5


def test_quality_flags():
    flags = quality_flags(
        QualityInputs(
            approved_on=date(2026, 10, 1),
            today=date(2026, 11, 10),
            income_per_person=5000,
            line=6500,
            risk_types=["因务工就业不稳", "饮水安全"],
            labours=["none"],
            measure_types=["产业"],
            guarantee_household=False,
            eliminating=True,
        )
    )
    assert flags == [
        "eliminated_within_two_months",
        "eliminated_below_line",
        "employment_risk_without_labour",
        "water_risk_without_water_measure",
        "no_labour_not_guarantee_household",
    ]


def test_prejudge_opens_in_the_last_month_of_each_quarter():
    from shouwang.assistance.domain.elimination import next_prejudge_month, prejudge_open

    quarter_ends = [3, 6, 9, 12]
    assert prejudge_open(date(2026, 12, 1), quarter_ends)
    assert not prejudge_open(date(2026, 11, 30), quarter_ends)
    assert prejudge_open(date(2026, 11, 30), [])  # a county without the restriction
    assert next_prejudge_month(date(2026, 11, 30), quarter_ends) == "2026-12"
    assert next_prejudge_month(date(2026, 12, 15), quarter_ends) == "2027-03"
