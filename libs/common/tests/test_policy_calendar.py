"""The working-day calendar: holidays and 调休 shift deadlines; unknown years fall back."""

from datetime import date

import pytest
from shouwang.common.policy.calendar import WorkCalendar, YearCalendar, validate_year
from shouwang.common.policy.calendar_seed import national_calendar, seeded_years
from shouwang.common.policy.validation import PolicyInvalid


def test_the_seed_knows_the_current_years() -> None:
    assert {2025, 2026} <= set(seeded_years())


def test_spring_festival_and_its_make_up_saturday_shift_add_working_days() -> None:
    cal = national_calendar()
    friday = date(2026, 2, 13)
    assert cal.is_working_day(date(2026, 2, 14))  # Saturday, worked (调休)
    assert not cal.is_working_day(date(2026, 2, 16))  # Monday, Spring Festival
    assert cal.add_working_days(friday, 1) == date(2026, 2, 14)
    assert cal.add_working_days(friday, 2) == date(2026, 2, 24)
    assert WorkCalendar().add_working_days(friday, 2) == date(2026, 2, 17)  # Mon–Fri only
    assert cal.working_days_between(friday, date(2026, 2, 24)) == 2


def test_national_day_week_and_the_saturday_after_it() -> None:
    cal = national_calendar()
    assert cal.add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert cal.add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 10)
    assert cal.fallback_years(date(2026, 9, 30), date(2026, 10, 10)) == []


def test_a_year_without_data_falls_back_to_monday_to_friday_and_says_so() -> None:
    cal = national_calendar()
    assert cal.year(2099).source == "fallback"
    assert cal.is_working_day(date(2099, 1, 1))  # a Thursday: no holiday data for it
    assert cal.add_working_days(date(2099, 1, 2), 1) == date(2099, 1, 5)  # Fri -> Mon
    assert cal.fallback_years(date(2098, 12, 30), date(2099, 1, 5)) == [2098, 2099]


def test_a_province_edit_replaces_its_year() -> None:
    edited = YearCalendar(2099, holidays=frozenset({date(2099, 1, 1)}), source="province",
                          version=1)  # fmt: skip
    cal = national_calendar({2099: edited})
    assert not cal.is_working_day(date(2099, 1, 1))
    assert cal.fallback_years(date(2099, 1, 1), date(2099, 12, 31)) == []


def test_working_days_between_inverts_add_working_days() -> None:
    cal = national_calendar()
    start = date(2025, 12, 25)
    for n in (0, 1, 5, 30, 90):
        assert cal.working_days_between(start, cal.add_working_days(start, n)) == n


def test_year_data_is_checked() -> None:
    with pytest.raises(PolicyInvalid) as caught:
        validate_year(2027, [date(2026, 12, 31)], [date(2027, 1, 4), date(2027, 1, 9)])
    assert [(p.field, p.code) for p in caught.value.problems] == [
        ("holidays", "outside_year"),
        ("workdays", "not_a_weekend"),
    ]
