"""Who may change which layer: a province its 2-digit code, a county its 6-digit code."""

LAYER_OF_ROLE = {"province": 2, "county": 6}


def may_change_policy(*, role: str, scope: str, region_code: str) -> bool:
    """True if the role owns the layer of that region."""
    return LAYER_OF_ROLE.get(role) == len(region_code) and scope == region_code


def may_edit_calendar(*, role: str, scope: str, province_code: str) -> bool:
    """True for the province itself: the calendar is edited per province."""
    return role == "province" and scope == province_code
