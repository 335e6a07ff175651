"""Who may see or act on a household: geography scopes and roles."""

from typing import Any

from shouwang.assistance.adapters import repository as repo
from shouwang.assistance.domain.errors import OutsideScope
from shouwang.common.auth.checks import require_role
from shouwang.common.auth.principal import Principal
from sqlalchemy.ext.asyncio import AsyncSession

__all__ = ["READ_ROLES", "household_in_scope", "require_household_scope", "require_role"]

READ_ROLES = ("province", "county", "township", "village", "auditor")


def require_household_scope(principal: Principal, household: dict[str, Any]) -> None:
    """Answer 403 unless the household's village lies in the principal's geography."""
    if principal.role not in READ_ROLES or not principal.covers(household["village_code"]):
        raise OutsideScope()


async def household_in_scope(
    session: AsyncSession, principal: Principal, household_id: str, *, for_update: bool = False
) -> dict[str, Any]:
    """The household row (404 when unknown), once require_household_scope has passed."""
    row = await repo.get_household(session, household_id, for_update=for_update)
    require_household_scope(principal, row)
    return row
