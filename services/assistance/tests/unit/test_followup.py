from shouwang.assistance.domain.followup import (
    FlagInputs,
    MonthIncome,
    annualise,
    counted_months,
    income_flags,
    income_year,
)


def months(n, wage=300.0, transfer=0.0):
    return [
        MonthIncome(f"2026-{m:02d}", {"wage": wage, "transfer": transfer}) for m in range(1, n + 1)
    ]


def inputs(ms, **kw):
    base = {
        "months": ms,
        "household_size": 3,
        "labours": ["full"],
        "monitoring_line": 6500,
        "lifted_average": 12550,
        "transfer_share_high": 0.5,
        "expense_surge_ratio": 0.5,
        "last_year_per_person": None,
    }
    return FlagInputs(**{**base, **kw})


def test_annualised_from_nine_months_is_sum_over_nine_times_twelve():
    ms = [MonthIncome(f"2026-{m:02d}", {"wage": 100 * m}) for m in range(1, 10)]
    assert annualise(ms) == sum(100 * m for m in range(1, 10)) / 9 * 12


def test_below_line_and_average():
    income, flags = income_flags(inputs(months(9, wage=1500)))  # 1500*12/3 = 6000
    assert income == 6000
    assert flags == ["below_monitoring_line", "below_lifted_average"]


def test_above_both_lines_is_clean():
    _, flags = income_flags(inputs(months(6, wage=4000)))  # 16000 per person
    assert flags == []


def test_drop_against_last_year():
    _, flags = income_flags(inputs(months(6, wage=4000), last_year_per_person=17000))
    assert flags == ["income_drop"]


def test_transfer_share_high():
    _, flags = income_flags(inputs(months(6, wage=1500, transfer=2600)))
    assert "transfer_share_high" in flags and "below_monitoring_line" not in flags


def test_no_labour_and_low_income():
    _, flags = income_flags(inputs(months(6, wage=2000), labours=["none"]))
    assert flags == ["below_lifted_average", "no_labour_low_income"]


def test_unknown_labour_never_counts_as_no_labour():
    _, flags = income_flags(inputs(months(6, wage=2000), labours=["unknown", "none"]))
    assert "no_labour_low_income" not in flags


def test_rigid_expenses_above_the_ratio_of_income_surge():
    ms = [MonthIncome("2026-01", {"wage": 4000}, {"medical": 1500, "education": 400})]
    assert "expense_surge" not in income_flags(inputs(ms))[1]  # 1900 < 0.5 × 4000
    ms = [MonthIncome("2026-01", {"wage": 4000}, {"medical": 1500, "education": 600})]
    assert "expense_surge" in income_flags(inputs(ms))[1]
    assert "expense_surge" not in income_flags(inputs(ms, expense_surge_ratio=0.6))[1]


def test_income_year_is_the_calendar_year_or_a_span_across_it():
    assert income_year("2026-03", tuple(range(1, 13)))[0] == "2026-01"
    span = (10, 11, 12, 1, 2, 3, 4, 5, 6)  # seed 002: October to June
    year = income_year("2027-02", span)
    assert year[0] == "2026-10" and year[-1] == "2027-06" and len(year) == 9
    records = [MonthIncome(m, {"wage": 1}) for m in ("2026-09", "2026-10", "2027-01", "2027-03")]
    assert [m.month for m in counted_months(records, "2027-01", span)] == ["2026-10", "2027-01"]
