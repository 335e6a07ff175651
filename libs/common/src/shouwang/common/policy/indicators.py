"""The indicator names a threshold may name, mirrored from warning's catalogue.

NOTE: services/warning/src/shouwang/warning/domain/indicators.py owns the catalogue; libs/common
may not import a service, so the codes and their numeric value fields are mirrored here and a
test (libs/common/tests/test_policy_indicators.py) fails when the two drift apart.
"""

from collections.abc import Mapping

# indicator code -> its numeric value fields (kinds yuan/count/days), the ones a minimum applies to
INDICATOR_VALUE_FIELDS: Mapping[str, frozenset[str]] = {
    "large_medical_expense": frozenset({"self_paid_yuan"}),
    "serious_illness": frozenset(),
    "large_medical_expense_health": frozenset({"self_paid_yuan"}),
    "dropout": frozenset(),
    "education_burden": frozenset({"net_cost_yuan"}),
    "unsafe_house": frozenset(),
    "water_insecurity": frozenset({"cut_days"}),
    "job_loss": frozenset({"income_drop_yuan"}),
    "social_assistance_change": frozenset(),
    "new_severe_disability": frozenset(),
    "disaster_loss": frozenset({"loss_yuan"}),
    "traffic_accident": frozenset({"loss_yuan"}),
}


def value_field_base(key: str) -> str:
    """The value field a threshold key refers to: `self_paid_yuan.lifted` -> `self_paid_yuan`."""
    return key.split(".", 1)[0]
