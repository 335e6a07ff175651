"""Items under the county's indicator threshold: filed, no task, listed for the county."""

from typing import Any

from shouwang.common.auth.checks import require_role
from shouwang.common.auth.principal import Principal
from shouwang.warning.adapters.held_items import below_threshold_page
from shouwang.warning.runtime import WarningRuntime


async def list_below_threshold(
    runtime: WarningRuntime,
    principal: Principal,
    *,
    period: str | None,
    department: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of the items of the caller's county (or province) under the threshold."""
    require_role(principal, "county", "province")
    async with runtime.sessionmaker() as session:
        rows, next_cursor = await below_threshold_page(
            session, region=principal.scope, period=period, department=department, limit=limit,
            cursor=cursor,
        )  # fmt: skip
    return [{**r, "id": str(r["id"]), "batch_id": r["source_ref"]} for r in rows], next_cursor
