"""Which income flags a household's latest month gains or loses under a proposed line."""

from dataclasses import dataclass
from typing import Any, Literal

from shouwang.common.policy.resolution import EffectivePolicy

# the flags a line decides: per-person annual income under the setting's value
FLAG_SETTINGS = {
    "below_monitoring_line": "monitoring_line_yuan",
    "below_lifted_average": "lifted_average_yuan",
}
Change = Literal["gained", "lost"]


@dataclass(frozen=True)
class HouseholdMonth:
    """A household's latest recorded month: where it is and its annualised income per person."""

    household_id: str
    county_code: str
    township_code: str
    village_code: str
    month: str
    per_person_yuan: float


def flag_changes(
    household: HouseholdMonth, *, current: EffectivePolicy, proposed: EffectivePolicy
) -> list[dict[str, Any]]:
    """One row per flag the proposal would raise (`gained`) or clear (`lost`)."""
    income = household.per_person_yuan
    rows = []
    for flag, setting in FLAG_SETTINGS.items():
        before = income < float(current.value(setting))
        after = income < float(proposed.value(setting))
        if before != after:
            change: Change = "gained" if after else "lost"
            rows.append({**household.__dict__, "flag": flag, "change": change})
    return rows
