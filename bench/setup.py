"""The template database every case copies: all service migrations and the geography."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import asyncpg
from shouwang.common.geography import load_regions, national_rows
from shouwang.common.geography_store import load_seed_geography
from shouwang.common.migrate import available_services, upgrade

from bench import geo_import
from bench.infra import BenchStack, execute


def migrate(url: str) -> float:
    """Migrate every service into `url`; return the seconds it took."""
    started = time.perf_counter()
    for service in available_services():
        upgrade(service, url)
    return time.perf_counter() - started


async def _national(url: str, regions_dir: Path, *, measure: bool) -> dict[str, Any]:
    """Load the national set; with `measure`, run the geography-import benchmark doing so."""
    rows = geo_import.count_rows(regions_dir)
    conn = await asyncpg.connect(url)
    try:
        if measure:
            return {"rows_in_files": rows, **await geo_import.run(conn, regions_dir, rows)}
        started = time.perf_counter()
        loaded = await load_regions(conn, national_rows(regions_dir), progress=True, total=rows)
        return {"rows": loaded, "load_s": round(time.perf_counter() - started, 3)}
    finally:
        await conn.close()


def prepare_template(
    stack: BenchStack,
    *,
    national: bool,
    measure_geo: bool,
    regions_dir: Path = geo_import.DEFAULT_REGIONS,
) -> dict[str, Any]:
    """Create, migrate and load the template; return what it took (and the geo case, if run)."""
    url = stack.create_template()
    migrate_s = migrate(url)
    started = time.perf_counter()
    if national:
        geo = asyncio.run(_national(url, regions_dir, measure=measure_geo))
    else:
        geo = {"rows": asyncio.run(load_seed_geography(url))}
    geo_s = time.perf_counter() - started
    # NOTE: the import leaves ~665k fresh rows for autovacuum to visit, and left to it the visit
    # may land inside a case's measured window: 2 of 6 declarations runs at 500/s collapsed for
    # seconds before this (231236, 231439), 0 of 3 after (231711-231821); done here, untimed
    started = time.perf_counter()
    asyncio.run(execute(url, "VACUUM (FREEZE, ANALYZE)"))
    return {
        "migrate_s": round(migrate_s, 2),
        "geography": "national" if national else "seed",
        "geography_s": round(geo_s, 2),
        "geography_detail": geo,
        "vacuum_s": round(time.perf_counter() - started, 2),
    }
