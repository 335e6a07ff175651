from datetime import date

import pytest
from shouwang.assistance.domain.elimination import (
    Candidate,
    QualityInputs,
    check_review_reached,
    check_window,
    months_between,
    next_prejudge_opening,
    next_review_opening,
    outcome,
    prejudge_failures,
    prejudge_open,
    quality_flags,
    review_open,
    review_reached,
    stable_above_line,
)
from shouwang.assistance.domain.errors import OutsideEliminationWindow
from shouwang.assistance.domain.followup import MonthIncome
from shouwang.common.policy.national import NATIONAL
from shouwang.common.policy.settings import EliminationSchedule, elimination_schedule

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


DEFAULT = elimination_schedule(NATIONAL["elimination_schedule"])


def test_the_default_schedule_is_seed_001_mid_and_late_in_the_quarters_last_month():
    assert DEFAULT == EliminationSchedule((3, 6, 9, 12), 11, 20, 21)
    assert not prejudge_open(date(2026, 3, 5), DEFAULT)
    assert prejudge_open(date(2026, 3, 15), DEFAULT)
    assert prejudge_open(date(2026, 3, 11), DEFAULT) and prejudge_open(date(2026, 3, 20), DEFAULT)
    assert not prejudge_open(date(2026, 3, 21), DEFAULT)
    assert not prejudge_open(date(2026, 11, 15), DEFAULT)  # not the last month of a quarter
    assert review_open(date(2026, 6, 25), DEFAULT) and review_open(date(2026, 6, 30), DEFAULT)
    assert not review_open(date(2026, 6, 20), DEFAULT)
    assert not review_open(date(2026, 7, 25), DEFAULT)


def test_the_next_opening_is_the_next_date_of_the_window():
    assert next_prejudge_opening(date(2026, 3, 5), DEFAULT) == date(2026, 3, 11)
    assert next_prejudge_opening(date(2026, 3, 21), DEFAULT) == date(2026, 6, 11)
    assert next_prejudge_opening(date(2026, 12, 31), DEFAULT) == date(2027, 3, 11)
    assert next_review_opening(date(2026, 6, 20), DEFAULT) == date(2026, 6, 21)
    assert next_review_opening(date(2026, 6, 21), DEFAULT) == date(2026, 9, 21)


def test_a_day_past_the_months_end_is_its_last_day():
    late = EliminationSchedule((2, 4, 6, 12), 29, 30, 31)
    assert not review_open(date(2026, 2, 27), late) and review_open(date(2026, 2, 28), late)
    assert next_review_opening(date(2026, 2, 1), late) == date(2026, 2, 28)
    assert next_review_opening(date(2028, 2, 1), late) == date(2028, 2, 29)  # a leap year
    assert next_review_opening(date(2026, 2, 28), late) == date(2026, 4, 30)  # a 30-day month
    assert not review_open(date(2026, 4, 29), late) and review_open(date(2026, 4, 30), late)
    assert next_review_opening(date(2026, 4, 30), late) == date(2026, 6, 30)
    assert next_review_opening(date(2026, 7, 1), late) == date(2026, 12, 31)
    assert next_prejudge_opening(date(2026, 1, 31), late) == date(2026, 2, 28)
    assert prejudge_open(date(2026, 2, 28), late) and not prejudge_open(date(2026, 2, 27), late)
    assert prejudge_open(date(2026, 4, 30), late) and not prejudge_open(date(2026, 4, 28), late)


def test_outside_the_window_the_refusal_says_when_it_opens():
    with pytest.raises(OutsideEliminationWindow) as caught:
        check_window("prejudge", date(2026, 3, 5), DEFAULT)
    assert caught.value.message == (
        "风险消除预判在每季度末月 11 日至 20 日开展，下一次于 2026年3月11日 开始"
    )
    assert caught.value.details["next_opening"] == "2026-03-11"
    with pytest.raises(OutsideEliminationWindow) as caught:
        check_window("village_review", date(2026, 3, 15), DEFAULT)
    assert "村级民主评议在每季度末月 21 日至月末开展" in caught.value.message
    check_window("onsite_check", date(2026, 11, 2), DEFAULT)  # the on-site check has no window
    check_window("mark", date(2026, 11, 2), DEFAULT)
    other = EliminationSchedule((2, 5, 8, 11), 5, 15, 25)
    with pytest.raises(OutsideEliminationWindow) as caught:
        check_window("prejudge", date(2026, 11, 20), other)
    assert "每年 2、5、8、11 月 5 日至 15 日" in caught.value.message
    assert caught.value.details["next_opening"] == "2027-02-05"


def test_a_deferred_exit_waits_for_a_review_opened_after_the_mark():
    marked = date(2026, 12, 25)  # marked in December's review days
    assert not review_reached(marked, date(2026, 12, 28), DEFAULT)  # the same review
    assert not review_reached(marked, date(2027, 3, 20), DEFAULT)  # before March's review
    assert review_reached(marked, date(2027, 3, 21), DEFAULT)
    assert review_reached(date(2027, 1, 5), date(2027, 3, 25), DEFAULT)  # marked after December's
    with pytest.raises(OutsideEliminationWindow) as caught:
        check_review_reached(marked, date(2026, 12, 28), DEFAULT)
    assert caught.value.details["next_opening"] == "2027-03-21"
