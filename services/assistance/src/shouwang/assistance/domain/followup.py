"""Monthly income follow-up: annualised income and the warning flags (seed 002)."""

from dataclasses import dataclass

from shouwang.assistance.domain.vocab import has_labour

INCOME_KEYS = ("wage", "production", "property", "transfer")


@dataclass(frozen=True)
class MonthIncome:
    month: str  # YYYY-MM
    income: dict[str, float]

    @property
    def total(self) -> float:
        return sum(float(self.income.get(k, 0) or 0) for k in INCOME_KEYS)

    @property
    def transfer(self) -> float:
        return float(self.income.get("transfer", 0) or 0)


def annualise(months: list[MonthIncome]) -> float:
    """Sum of the n months recorded / n × 12 (0 when nothing was recorded)."""
    if not months:
        return 0.0
    return sum(m.total for m in months) / len(months) * 12


def per_person(annual: float, household_size: int) -> float:
    """Annual income per household member."""
    return annual / max(household_size, 1)


@dataclass(frozen=True)
class FlagInputs:
    months: list[MonthIncome]  # this year's months up to the one just recorded
    household_size: int
    labours: list[str]
    monitoring_line: float
    lifted_average: float
    transfer_share_high: float
    last_year_per_person: float | None
    drop_ratio: float = 0.0


def income_flags(data: FlagInputs) -> tuple[float, list[str]]:
    """Return (annualised income per person, the flags it raises)."""
    income = per_person(annualise(data.months), data.household_size)
    flags: list[str] = []
    if income < data.monitoring_line:
        flags.append("below_monitoring_line")
    if income < data.lifted_average:
        flags.append("below_lifted_average")
    last = data.last_year_per_person
    if last is not None and income < last * (1 - data.drop_ratio):
        flags.append("income_drop")
    total = sum(m.total for m in data.months)
    if total > 0 and sum(m.transfer for m in data.months) / total > data.transfer_share_high:
        flags.append("transfer_share_high")
    if not has_labour(data.labours) and income < data.lifted_average:
        flags.append("no_labour_low_income")
    return round(income, 2), flags
