"""Where services get their geography: the `geo` reference schema, seeded by default."""

from typing import Any

import asyncpg
import structlog
from shouwang.common.config import to_plain_url
from shouwang.common.geography import Geography, load_geography, load_regions, seed_rows
from sqlalchemy.ext.asyncio import AsyncEngine

log = structlog.get_logger(__name__)


async def load_seed_geography(database_url: str) -> int:
    """Load the shipped seed counties into geo.regions (idempotent)."""
    conn = await asyncpg.connect(to_plain_url(database_url))
    try:
        return await load_regions(conn, seed_rows(), progress=False)
    finally:
        await conn.close()


async def attach_geography(runtime: Any) -> None:
    """on_startup hook: load the deployment's geography into `runtime.geography`."""
    runtime.geography = await load_deployment_geography(runtime.engine)


async def load_deployment_geography(engine: AsyncEngine) -> Geography:
    """Read the deployment's geography; fall back to the shipped seed if none was loaded."""
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        driver: asyncpg.Connection = raw.driver_connection
        exists = await driver.fetchval("SELECT to_regclass('geo.regions') IS NOT NULL")
        geography = await load_geography(driver) if exists else None
    if geography is None or not len(geography):
        log.warning("geography.seed_fallback", reason="geo.regions empty or missing")
        return Geography.from_seed()
    return geography
