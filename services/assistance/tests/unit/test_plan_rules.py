from datetime import date

from shouwang.assistance.domain.plan_rules import (
    plan_is_late,
    plan_quality_flags,
    plan_violations,
)


def codes(**kwargs):
    return [r.code for r in plan_violations(**kwargs)]


def test_labourer_with_only_social_security_breaks_the_developmental_rule():
    assert codes(labours=["full", "none"], risk_types=[], measure_types=["综合保障/兜底"]) == [
        "labourer_needs_developmental_measure"
    ]


def test_partial_labour_counts_as_labour():
    assert codes(labours=["partial"], risk_types=[], measure_types=["公益岗位"]) == []
    assert codes(labours=["partial", "none"], risk_types=[], measure_types=["就业"]) == []


def test_partial_labour_is_not_full_labour_for_industry():
    assert codes(labours=["partial"], risk_types=[], measure_types=["产业"]) == [
        "partial_labour_needs_suited_measure"
    ]
    assert codes(labours=["partial"], risk_types=[], measure_types=["产业", "公益岗位"]) == []
    assert codes(labours=["full", "partial"], risk_types=[], measure_types=["产业"]) == []


def test_disaster_and_accident_need_insurance_or_relief():
    for risk in ("因灾", "因意外事故"):
        assert codes(labours=["full"], risk_types=[risk], measure_types=["就业"]) == [
            "disaster_needs_insurance_or_relief"
        ]
        assert codes(labours=["full"], risk_types=[risk], measure_types=["就业", "保险/救助"]) == []
    both = codes(labours=["full"], risk_types=["因灾", "因意外事故"], measure_types=["就业"])
    assert both == ["disaster_needs_insurance_or_relief"]


def test_lacking_motivation_needs_aspiration_measure():
    assert codes(labours=["full"], risk_types=["内生动力不足"], measure_types=["就业"]) == [
        "motivation_needs_aspiration_measure"
    ]
    assert (
        codes(labours=["full"], risk_types=["内生动力不足"], measure_types=["就业", "扶志扶智"])
        == []
    )


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
    ]
    assert (
        codes(
            labours=["full"],
            risk_types=["因病", "因学", "住房安全", "饮水安全"],
            measure_types=["就业", "健康", "教育", "住房"],
        )
        == []
    )


def test_water_risk_without_water_measure_is_a_flag_not_a_block():
    assert codes(labours=["full"], risk_types=["饮水安全"], measure_types=["就业"]) == []
    flags = plan_quality_flags(risk_types=["饮水安全"], measure_types=["就业"])
    assert [f.code for f in flags] == ["water_risk_without_water_measure"]
    assert plan_quality_flags(risk_types=["饮水安全"], measure_types=["饮水"]) == []


def test_plan_on_day_eleven_is_late():
    approved = date(2026, 11, 1)
    assert not plan_is_late(approved_on=approved, made_on=date(2026, 11, 11), plan_days=10)
    assert plan_is_late(approved_on=approved, made_on=date(2026, 11, 12), plan_days=10)
    assert not plan_is_late(approved_on=None, made_on=date(2026, 12, 30), plan_days=10)
