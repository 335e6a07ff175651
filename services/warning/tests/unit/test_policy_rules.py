"""A county's rules from its policy: thresholds per person, deadlines in days or working days."""

from datetime import date, datetime, timedelta

from shouwang.common.clock import SHANGHAI
from shouwang.common.policy.calendar import WorkCalendar, YearCalendar
from shouwang.common.policy.resolution import PolicyVersion, resolve
from shouwang.warning.domain.policy import CountyPolicy
from shouwang.warning.domain.thresholds import by_field, shortfall

MEDICAL = by_field(
    {
        "self_paid_yuan.lifted": 5000.0,
        "self_paid_yuan.rural": 20000.0,
        "self_paid_yuan.outpatient_monthly": 500.0,
    }
)


def test_the_minimum_depends_on_who_and_on_the_care():
    assert shortfall(MEDICAL, {"self_paid_yuan": 8000}, lifted=False) == {
        "self_paid_yuan.rural": 20000.0
    }
    assert shortfall(MEDICAL, {"self_paid_yuan": 8000}, lifted=True) is None
    assert shortfall(MEDICAL, {"self_paid_yuan": 4999}, lifted=True) == {
        "self_paid_yuan.lifted": 5000.0
    }
    outpatient = {"self_paid_yuan": 600, "care": "outpatient"}
    assert shortfall(MEDICAL, outpatient, lifted=False) is None
    assert shortfall(MEDICAL, {"self_paid_yuan": "20000"}, lifted=False) is None  # from a CSV


def test_a_plain_minimum_applies_to_everyone_and_a_missing_value_is_not_judged():
    water = by_field({"cut_days": 30.0})
    assert shortfall(water, {"kind": "cut_off", "cut_days": 12}, lifted=True) == {"cut_days": 30.0}
    assert shortfall(water, {"kind": "quality"}, lifted=False) is None
    assert shortfall(by_field({}), {"self_paid_yuan": 1}, lifted=False) is None


def _policy(**settings: object) -> CountyPolicy:
    versions = [PolicyVersion("231226", 1, date(2026, 1, 1), settings)]
    year = YearCalendar(
        2026,
        holidays=frozenset({date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 5)}),
        workdays=frozenset({date(2026, 10, 10)}),  # 调休: a Saturday worked
    )
    calendar = WorkCalendar(years={2026: year})
    return CountyPolicy(resolve(versions, region_code="231226", on=date(2026, 10, 1)), calendar)


def test_working_day_deadlines_skip_holidays_and_count_make_up_saturdays():
    county = _policy(deadlines={"assign_working_days": 3, "report_days": 15})
    opened = datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI)  # a Wednesday before 国庆
    assign_by, report_by = county.due(opened)
    # 10-01, 10-02 holidays, 10-03/04 weekend, 10-05 holiday: 10-06, 10-07, 10-08
    assert assign_by == datetime(2026, 10, 8, 10, 0, tzinfo=SHANGHAI)
    assert report_by == opened + timedelta(days=15)
    friday = datetime(2026, 10, 9, 16, 0, tzinfo=SHANGHAI)
    # the 调休 Saturday 10-10 counts, Sunday 10-11 does not: 10-10, 10-12, 10-13
    assert county.due(friday)[0] == datetime(2026, 10, 13, 16, 0, tzinfo=SHANGHAI)


def test_calendar_day_deadlines_are_the_national_default():
    county = _policy()
    opened = datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI)
    assert county.due(opened) == (opened + timedelta(days=3), opened + timedelta(days=15))
    assert county.amber_ratio == 0.8
