"""Who may see or act on a household: geography scopes and roles."""

from typing import Any

from shouwang.assistance.domain.errors import OutsideScope
from shouwang.common.auth.checks import require_role
from shouwang.common.auth.principal import Principal

__all__ = ["READ_ROLES", "require_household_scope", "require_role"]

READ_ROLES = ("province", "county", "township", "village", "auditor")


def require_household_scope(principal: Principal, household: dict[str, Any]) -> None:
    """Answer 403 unless the household's village lies in the principal's geography."""
    if principal.role not in READ_ROLES or not principal.covers(household["village_code"]):
        raise OutsideScope()
