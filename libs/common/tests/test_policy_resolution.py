"""Layered resolution: county over province over national, each version from its date."""

from datetime import date

from shouwang.common.policy.resolution import PolicyVersion, resolve
from shouwang.common.policy.settings import Annualisation, Deadline


def _v(region: str, version: int, since: str, **settings: object) -> PolicyVersion:
    return PolicyVersion(region, version, date.fromisoformat(since), settings)


def test_national_defaults_report_their_source() -> None:
    policy = resolve([], region_code="231226", on=date(2026, 11, 29))
    line = policy.entries[("monitoring_line_yuan",)]
    assert (line.value, line.source, line.version, line.effective_from) == (
        6500.0,
        "national",
        0,
        None,
    )
    assert policy.deadline("assign_days") == Deadline(3, working=False)
    assert policy.push_window.closes_on(2026, 11) == date(2026, 11, 15)
    assert policy.annualisation == Annualisation(1, 12)


def test_county_over_province_over_national() -> None:
    versions = [
        _v("23", 1, "2026-01-01", monitoring_line_yuan=7000.0, amber_ratio=0.7),
        _v("231226", 1, "2026-06-01", monitoring_line_yuan=7300.0),
        _v("44", 1, "2026-01-01", monitoring_line_yuan=9000.0),  # another province: no effect
    ]
    spring = resolve(versions, region_code="231226", on=date(2026, 3, 1))
    summer = resolve(versions, region_code="231226", on=date(2026, 7, 1))
    neighbour = resolve(versions, region_code="231227", on=date(2026, 7, 1))
    assert spring.entries[("monitoring_line_yuan",)].source == "province"
    assert spring.value("monitoring_line_yuan") == 7000.0
    assert summer.entries[("monitoring_line_yuan",)].source == "county"
    assert summer.value("monitoring_line_yuan") == 7300.0
    assert summer.entries[("amber_ratio",)].source == "province"  # the county did not set it
    assert neighbour.value("monitoring_line_yuan") == 7000.0
    assert (
        resolve(versions, region_code="23", on=date(2026, 7, 1)).value("monitoring_line_yuan")
        == 7000.0
    )


def test_a_line_changed_from_a_date_judges_earlier_dates_by_the_old_line() -> None:
    versions = [
        _v("231226", 1, "2026-01-01", monitoring_line_yuan=6800.0),
        _v("231226", 2, "2027-01-01", monitoring_line_yuan=7300.0),
    ]
    before = resolve(versions, region_code="231226", on=date(2026, 12, 31))
    after = resolve(versions, region_code="231226", on=date(2027, 1, 1))
    assert (before.value("monitoring_line_yuan"), before.entries[("monitoring_line_yuan",)].version
            ) == (6800.0, 1)  # fmt: skip
    entry = after.entries[("monitoring_line_yuan",)]
    assert (entry.value, entry.version, entry.effective_from) == (7300.0, 2, date(2027, 1, 1))
    assert (
        resolve(versions, region_code="231226", on=date(2025, 12, 31)).value("monitoring_line_yuan")
        == 6500.0
    )


def test_deadlines_and_thresholds_resolve_one_by_one() -> None:
    versions = [
        _v(
            "23",
            1,
            "2026-01-01",
            deadlines={"identification_working_days": 20},
            indicator_thresholds={"education_burden": {"net_cost_yuan": 8000.0}},
        ),
        _v("231226", 1, "2026-01-01", deadlines={"plan_days": 7}),
    ]
    policy = resolve(versions, region_code="231226", on=date(2026, 5, 1))
    assert policy.deadline("identification") == Deadline(20, working=True)
    assert policy.deadline("plan_days") == Deadline(7, working=False)
    assert policy.deadline("notice_days") == Deadline(5, working=False)
    assert policy.thresholds("education_burden") == {"net_cost_yuan": 8000.0}
    assert policy.thresholds("large_medical_expense")["self_paid_yuan.lifted"] == 5000.0
    deadlines = policy.as_json()["deadlines"]
    assert "identification_days" not in deadlines
    assert deadlines["identification_working_days"] == {
        "value": 20,
        "source": "province",
        "version": 1,
        "effective_from": "2026-01-01",
    }
    assert deadlines["plan_days"]["source"] == "county"


def test_newest_version_in_force_wins_even_with_an_earlier_date() -> None:
    versions = [
        _v("231226", 1, "2027-01-01", monitoring_line_yuan=7000.0),
        _v("231226", 2, "2026-06-01", monitoring_line_yuan=6900.0),  # a correction recorded later
    ]
    assert (
        resolve(versions, region_code="231226", on=date(2027, 2, 1)).value("monitoring_line_yuan")
        == 6900.0
    )
