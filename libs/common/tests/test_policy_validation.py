"""Validation of a partial settings dict: every problem names its field."""

from datetime import date

import pytest
from shouwang.common.policy.national import NATIONAL
from shouwang.common.policy.settings import (
    MONTH_END,
    EliminationSchedule,
    elimination_schedule,
    push_window,
)
from shouwang.common.policy.validation import PolicyInvalid, validate_settings


def _fields(settings: object) -> set[str]:
    with pytest.raises(PolicyInvalid) as caught:
        validate_settings(settings)
    for problem in caught.value.problems:
        assert problem.message.startswith(problem.field)  # the Chinese message names it too
    return {p.field for p in caught.value.problems}


def test_the_national_defaults_are_valid_settings() -> None:
    assert validate_settings(NATIONAL) == NATIONAL


def test_close_day_before_open_day() -> None:
    assert _fields({"push_window": {"open_day": 15, "close_day": 5}}) == {"push_window.close_day"}


@pytest.mark.parametrize("line", [0, -1, "7300", True])
def test_line_must_be_a_positive_number(line: object) -> None:
    assert _fields({"monitoring_line_yuan": line}) == {"monitoring_line_yuan"}


def test_unknown_indicator_and_value_field() -> None:
    fields = _fields(
        {"indicator_thresholds": {"no_such_indicator": {"x": 1}, "education_burden": {"grade": 1}}}
    )
    assert fields == {
        "indicator_thresholds.no_such_indicator",
        "indicator_thresholds.education_burden.grade",
    }


def test_a_qualified_threshold_key_of_a_known_field_is_accepted() -> None:
    settings = {"indicator_thresholds": {"large_medical_expense": {"self_paid_yuan.rural": 15000}}}
    assert validate_settings(settings) == {
        "indicator_thresholds": {"large_medical_expense": {"self_paid_yuan.rural": 15000.0}}
    }


def test_unknown_setting_deadline_and_conflicting_identification() -> None:
    fields = _fields(
        {
            "colour": 1,
            "deadlines": {
                "assign_days": 0,
                "nap_days": 2,
                "identification_days": 15,
                "identification_working_days": 20,
            },
        }
    )
    assert fields == {
        "colour",
        "deadlines.assign_days",
        "deadlines.nap_days",
        "deadlines.identification_working_days",
    }


def test_amber_ratio_is_a_fraction_and_annualisation_months_exist() -> None:
    assert _fields({"amber_ratio": 1.2, "annualisation": {"from_month": 13, "to_month": 6}}) == {
        "amber_ratio",
        "annualisation.from_month",
    }


def test_empty_settings_are_refused() -> None:
    assert _fields({}) == {"settings"}


@pytest.mark.parametrize("day", [29, 30, 31])
def test_a_close_day_some_months_lack_must_be_written_month_end(day: int) -> None:
    assert _fields({"push_window": {"open_day": 5, "close_day": day}}) == {"push_window.close_day"}


def test_month_end_window_closes_on_the_last_day_of_every_month() -> None:
    settings = validate_settings({"push_window": {"open_day": 20, "close": "month_end"}})
    assert settings == {"push_window": {"open_day": 20, "close": MONTH_END}}
    window = push_window(settings["push_window"])
    assert window.closes_on(2026, 2) == date(2026, 2, 28)
    assert window.closes_on(2028, 2) == date(2028, 2, 29)
    assert window.closes_on(2026, 4) == date(2026, 4, 30)
    assert window.closes_on(2026, 12) == date(2026, 12, 31)
    assert window.opens_on(2026, 2) == date(2026, 2, 20)


def test_month_end_only() -> None:
    assert _fields({"push_window": {"close": "friday"}}) == {"push_window.close"}
    assert _fields({"push_window": {"close": "month_end", "close_day": 28}}) == {
        "push_window.close_day"
    }


SCHEDULE = {"months": [12, 3, 9, 6], "prejudge_from_day": 11, "prejudge_to_day": 20,
            "review_from_day": 31}  # fmt: skip


def test_elimination_schedule_is_normalised_and_read() -> None:
    settings = validate_settings({"elimination_schedule": SCHEDULE})
    assert settings["elimination_schedule"] == {**SCHEDULE, "months": [3, 6, 9, 12]}
    schedule = elimination_schedule(settings["elimination_schedule"])
    assert schedule == EliminationSchedule((3, 6, 9, 12), 11, 20, 31)
    assert schedule.day_in(2026, 6, 31) == date(2026, 6, 30)  # past the month's end: its last day
    assert schedule.day_in(2026, 2, 31) == date(2026, 2, 28)
    assert schedule.day_in(2028, 2, 31) == date(2028, 2, 29)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"months": [3, 13]}, "elimination_schedule.months"),
        ({"months": [3, 3, 9]}, "elimination_schedule.months"),
        ({"months": []}, "elimination_schedule.months"),
        ({"months": "3,6"}, "elimination_schedule.months"),
        ({"prejudge_from_day": 0}, "elimination_schedule.prejudge_from_day"),
        ({"review_from_day": 32}, "elimination_schedule.review_from_day"),
        ({"prejudge_from_day": 21}, "elimination_schedule.prejudge_to_day"),
        ({"review_from_day": 20}, "elimination_schedule.review_from_day"),
        ({"weekday": 1}, "elimination_schedule.weekday"),
    ],
)
def test_an_invalid_elimination_schedule_names_its_field(
    change: dict[str, object], field: str
) -> None:
    assert _fields({"elimination_schedule": {**SCHEDULE, **change}}) == {field}


def test_an_elimination_schedule_needs_every_field() -> None:
    partial = {"months": [3, 6, 9, 12], "prejudge_from_day": 11}
    assert _fields({"elimination_schedule": partial}) == {
        "elimination_schedule.prejudge_to_day",
        "elimination_schedule.review_from_day",
    }
