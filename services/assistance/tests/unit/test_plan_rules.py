from datetime import date

from shouwang.assistance.domain.plan_rules import plan_is_late, plan_violations


def codes(**kwargs):
    return [r.code for r in plan_violations(**kwargs)]


def test_labourer_with_only_social_security_breaks_the_developmental_rule():
    assert codes(labours=["full", "none"], risk_types=[], measure_types=["综合保障/兜底"]) == [
        "labourer_needs_developmental_measure"
    ]


def test_partial_labour_counts_as_labour():
    assert codes(labours=["partial"], risk_types=[], measure_types=["公益岗位"]) == []


def test_no_labour_needs_social_security():
    assert codes(labours=["none"], risk_types=[], measure_types=["产业"]) == [
        "no_labour_needs_social_security"
    ]
    assert codes(labours=["none", "unknown"], risk_types=[], measure_types=["保险/救助"]) == []


def test_risks_need_their_measures():
    broken = codes(
        labours=["full"],
        risk_types=["因病", "因学", "住房安全", "饮水安全"],
        measure_types=["就业"],
    )
    assert broken == [
        "illness_needs_health_measure",
        "schooling_needs_education_measure",
        "housing_needs_housing_measure",
        "water_needs_water_measure",
    ]
    assert (
        codes(
            labours=["full"],
            risk_types=["因病", "因学", "住房安全", "饮水安全"],
            measure_types=["就业", "健康", "教育", "住房", "饮水"],
        )
        == []
    )


def test_plan_on_day_eleven_is_late():
    approved = date(2026, 11, 1)
    assert not plan_is_late(approved_on=approved, made_on=date(2026, 11, 11), plan_days=10)
    assert plan_is_late(approved_on=approved, made_on=date(2026, 11, 12), plan_days=10)
    assert not plan_is_late(approved_on=None, made_on=date(2026, 12, 30), plan_days=10)
