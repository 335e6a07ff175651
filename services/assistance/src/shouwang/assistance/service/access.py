"""Who may see or act on a household: geography scopes and roles."""

from typing import Any

from shouwang.assistance.domain.errors import OutsideScope
from shouwang.common.auth.principal import Principal
from shouwang.common.errors import ApiError

READ_ROLES = ("province", "county", "township", "village", "auditor")


def require_role(principal: Principal, *roles: str) -> None:
    """Answer 403 unless the principal has one of the roles."""
    if principal.role not in roles:
        raise ApiError(403, "forbidden_role", f"当前角色（{principal.role}）无权执行此操作")


def require_household_scope(principal: Principal, household: dict[str, Any]) -> None:
    """Answer 403 unless the household's village lies in the principal's geography."""
    if principal.role not in READ_ROLES or not principal.covers(household["village_code"]):
        raise OutsideScope()
