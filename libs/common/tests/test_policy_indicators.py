"""The mirrored indicator names agree with warning's catalogue (which owns them)."""

from shouwang.common.policy.indicators import INDICATOR_VALUE_FIELDS, value_field_base
from shouwang.common.policy.national import NATIONAL
from shouwang.warning.domain.indicators import INDICATORS

NUMERIC = ("yuan", "count", "days")


def test_mirror_matches_the_warning_catalogue() -> None:
    catalogue = {
        ind.code: frozenset(f.name for f in ind.fields if f.kind in NUMERIC) for ind in INDICATORS
    }
    assert dict(INDICATOR_VALUE_FIELDS) == catalogue


def test_national_thresholds_are_the_catalogue_defaults() -> None:
    defaults = {ind.code: ind.thresholds for ind in INDICATORS if ind.thresholds}
    assert NATIONAL["indicator_thresholds"] == defaults
    for indicator, minimums in defaults.items():
        assert {value_field_base(k) for k in minimums} <= INDICATOR_VALUE_FIELDS[indicator]
