"""County policy in tests: set through the policy API, then wait until a service projected it."""

from typing import Any

import asyncpg
import httpx
from shouwang.common.testing.fixtures import auth, wait_until


async def put_policy(
    policy_client: httpx.AsyncClient,
    database_url: str,
    region: str,
    *,
    projected_by: str,
    effective_from: str,
    settings: dict[str, Any],
    reason: str = "测试",
) -> int:
    """PUT a region's settings; return the version once `projected_by` (a service's schema)
    holds this very version (the run's database is shared: another test may have set the
    region's policy before)."""
    body = {"effective_from": effective_from, "reason": reason, "settings": settings}
    role = "province" if len(region) == 2 else "county"
    resp = await policy_client.put(
        f"/api/v1/policy/{region}", json=body, headers=auth(role, region)
    )
    assert resp.status_code == 200, resp.text
    version = int(resp.json()["version"])
    query = f"SELECT 1 FROM {projected_by}.policy_versions WHERE region_code = $1 AND version = $2"

    async def projected() -> bool:
        conn = await asyncpg.connect(database_url)
        try:
            return await conn.fetchval(query, region, version) is not None
        finally:
            await conn.close()

    await wait_until(projected, what=f"{projected_by} projects {region} v{version}")
    return version
