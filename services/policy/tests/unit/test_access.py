"""Who may change which layer."""

import pytest
from shouwang.policy.domain.access import may_change_policy, may_edit_calendar


@pytest.mark.parametrize(
    ("role", "scope", "region", "allowed"),
    [
        ("province", "23", "23", True),
        ("county", "231226", "231226", True),
        ("province", "23", "231226", False),  # a province changes its own layer only
        ("county", "231226", "23", False),
        ("county", "231226", "231227", False),
        ("township", "231226100", "231226", False),
        ("auditor", "", "23", False),
    ],
)
def test_may_change_policy(role: str, scope: str, region: str, allowed: bool) -> None:
    assert may_change_policy(role=role, scope=scope, region_code=region) is allowed


def test_only_the_province_edits_its_calendar() -> None:
    assert may_edit_calendar(role="province", scope="23", province_code="23")
    assert not may_edit_calendar(role="province", scope="44", province_code="23")
    assert not may_edit_calendar(role="county", scope="231226", province_code="23")
