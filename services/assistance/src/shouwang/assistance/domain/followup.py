"""Monthly follow-up (seeds 001, 002): the income year, annualised income, flags and checks."""

from dataclasses import dataclass, field
from typing import Final

from shouwang.assistance.domain.vocab import has_labour, labour_known
from shouwang.common import vocab

INCOME_KEYS = ("wage", "production", "property", "transfer")
# rigid expenses (刚性支出, seed 000): what a household cannot cut when illness or school comes
RIGID_EXPENSE_KEYS = ("medical", "education")
# seed 002 names "转移性收入占比过高" without a figure: more than half of the income
TRANSFER_SHARE_HIGH = 0.5
# seed 001 monthly checks (逐月监测帮扶成效): field -> label
CHECKS: Final = vocab.MONTHLY_CHECKS


@dataclass(frozen=True)
class MonthIncome:
    month: str  # YYYY-MM
    income: dict[str, float]
    expense: dict[str, float] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return sum(float(self.income.get(k, 0) or 0) for k in INCOME_KEYS)

    @property
    def transfer(self) -> float:
        return float(self.income.get("transfer", 0) or 0)

    @property
    def rigid_expense(self) -> float:
        return sum(float(self.expense.get(k, 0) or 0) for k in RIGID_EXPENSE_KEYS)


def annualise(months: list[MonthIncome]) -> float:
    """Sum of the n months recorded / n × 12 (0 when nothing was recorded)."""
    if not months:
        return 0.0
    return sum(m.total for m in months) / len(months) * 12


def per_person(annual: float, household_size: int) -> float:
    """Annual income per household member."""
    return annual / max(household_size, 1)


def _index(month: str) -> int:
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def _month(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def income_year(month: str, span: tuple[int, ...]) -> list[str]:
    """The months of the income year (a span such as 10..6) started last by `month`."""
    back = next(k for k in range(12) if (_index(month) - k) % 12 + 1 == span[0])
    start = _index(month) - back
    return [_month(start + i) for i in range(len(span))]


def previous_year(months: list[str]) -> list[str]:
    """The same span one year earlier."""
    return [_month(_index(m) - 12) for m in months]


def counted_months(
    records: list[MonthIncome], month: str, span: tuple[int, ...]
) -> list[MonthIncome]:
    """The recorded months of `month`'s income year up to `month` (at least `month` itself)."""
    year = set(income_year(month, span))
    counted = [r for r in records if r.month in year and r.month <= month]
    return counted or [r for r in records if r.month == month]


@dataclass(frozen=True)
class FlagInputs:
    months: list[MonthIncome]  # the counted months of the income year
    household_size: int
    labours: list[str]
    monitoring_line: float
    lifted_average: float
    expense_surge_ratio: float
    last_year_per_person: float | None
    transfer_share_high: float = TRANSFER_SHARE_HIGH


def income_flags(data: FlagInputs) -> tuple[float, list[str]]:
    """Return (annualised income per person, the flag codes it raises)."""
    income = per_person(annualise(data.months), data.household_size)
    total = sum(m.total for m in data.months)
    flags: list[str] = []
    if income < data.monitoring_line:
        flags.append("below_monitoring_line")
    if income < data.lifted_average:
        flags.append("below_lifted_average")
    last = data.last_year_per_person
    if last is not None and income < last:
        flags.append("income_drop")
    if total > 0 and sum(m.transfer for m in data.months) / total > data.transfer_share_high:
        flags.append("transfer_share_high")
    # NOTE: a member of unknown capacity may work: only a household known to have none is flagged
    no_labour = labour_known(data.labours) and not has_labour(data.labours)
    if no_labour and income < data.lifted_average:
        flags.append("no_labour_low_income")
    if expense_surge(data.months, data.expense_surge_ratio):
        flags.append("expense_surge")
    return round(income, 2), flags


def expense_surge(months: list[MonthIncome], ratio: float) -> bool:
    """Rigid expenses (medical, schooling) above `ratio` of the income of the same months."""
    rigid = sum(m.rigid_expense for m in months)
    return rigid > 0 and rigid > ratio * max(sum(m.total for m in months), 0.0)


FLAG_MESSAGES: dict[str, str] = {
    "below_monitoring_line": "人均纯收入 {income:.2f} 元，低于监测线 {line:.0f} 元",
    "below_lifted_average": "人均纯收入 {income:.2f} 元，低于脱贫人口平均水平 {average:.0f} 元",
    "income_drop": "人均纯收入较上年下降",
    "transfer_share_high": "转移性收入占比过高",
    "no_labour_low_income": "整户无劳动力且收入较低",
    "expense_surge": "医疗、教育等刚性支出超过同期收入的 {ratio:.0%}，支出骤增",
}


def flag_messages(flags: list[str], **figures: float) -> list[dict[str, str]]:
    """Each flag with its Chinese message (figures: income, line, average, ratio)."""
    return [{"code": f, "message": FLAG_MESSAGES[f].format(**figures)} for f in flags]


def check_view(checks: dict[str, bool | None]) -> list[dict[str, object]]:
    """The monthly checks as the API shows them: field, label, value (None: not recorded)."""
    return [{"field": k, "label": label, "value": checks.get(k)} for k, label in CHECKS.items()]
