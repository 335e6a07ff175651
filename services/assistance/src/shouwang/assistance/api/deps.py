"""Annotated dependencies of the assistance API."""

from typing import Annotated

from fastapi import Depends
from shouwang.assistance.runtime import AssistanceRuntime
from shouwang.common.service import current_runtime

RuntimeDep = Annotated[AssistanceRuntime, Depends(current_runtime)]


def household_filters(
    village_code: str | None = None,
    township_code: str | None = None,
    status: str | None = None,
    category: str | None = None,
) -> dict[str, str | None]:
    """The household list's filters, from the query (the list and the plans ledger take them)."""
    return {
        "village_code": village_code,
        "township_code": township_code,
        "status": status,
        "category": category,
    }


HouseholdFilters = Annotated[dict[str, str | None], Depends(household_filters)]
