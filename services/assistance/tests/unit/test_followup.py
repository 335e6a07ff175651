from shouwang.assistance.domain.followup import FlagInputs, MonthIncome, annualise, income_flags


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
