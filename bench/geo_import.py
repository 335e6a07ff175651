"""Benchmark: import the national administrative divisions (~665k rows) into geo.regions.

    uv run python bench/geo_import.py --database-url postgresql://postgres@127.0.0.1:5432/postgres

By default a temporary database is created next to the one in the URL and dropped afterwards
(`--in-place` loads into the URL's database instead). Writes bench/results/geo_import-<date>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import platform
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from shouwang.common.geography import load_geography, load_regions, national_rows
from shouwang.common.geography_cli import asyncpg_dsn

ROOT = Path(__file__).resolve().parent
DEFAULT_REGIONS = ROOT.parent.parent / "shared" / "data" / "regions"
FILES = ("provinces.csv", "cities.csv", "areas.csv", "streets.csv", "villages.csv.gz")


def count_rows(regions_dir: Path) -> int:
    """Count data rows (lines minus headers) across the national files, streaming the gz."""
    total = 0
    for name in FILES:
        path = regions_dir / name
        opener = gzip.open if name.endswith(".gz") else open
        with opener(path, "rb") as handle:
            total += sum(1 for _ in handle) - 1
    return total


async def timed(label: str, coro: Any) -> tuple[Any, float]:
    """Await `coro`, print and return its result with the elapsed seconds."""
    started = time.perf_counter()
    result = await coro
    elapsed = time.perf_counter() - started
    print(f"{label}: {elapsed:.2f}s")
    return result, elapsed


async def run(conn: asyncpg.Connection, regions_dir: Path, rows: int) -> dict[str, Any]:
    """Cold load, idempotent reload, then read back all rows and one county."""
    loaded, cold = await timed(
        "cold load", load_regions(conn, national_rows(regions_dir), progress=True, total=rows)
    )
    _, reload = await timed(
        "reload (no changes)",
        load_regions(conn, national_rows(regions_dir), progress=True, total=rows),
    )
    geo, read_all = await timed("load_geography (all)", load_geography(conn))
    county, read_one = await timed(
        "load_geography (231226)", load_geography(conn, county_codes=["231226"])
    )
    size = await conn.fetchval("SELECT pg_total_relation_size('geo.regions')")
    return {
        "rows": loaded,
        "cold_load_s": round(cold, 3),
        "cold_rows_per_s": round(loaded / cold),
        "reload_s": round(reload, 3),
        "reload_rows_per_s": round(loaded / reload),
        "read_all_s": round(read_all, 3),
        "read_all_regions": len(geo),
        "read_one_county_s": round(read_one, 4),
        "read_one_county_regions": len(county),
        "table_bytes_with_indexes": size,
        "server_version": await conn.fetchval("SHOW server_version"),
    }


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    """Connect (creating a scratch database unless --in-place) and run the benchmark."""
    url = asyncpg_dsn(args.database_url)
    rows = count_rows(args.regions_dir)
    print(f"{rows} rows in {args.regions_dir}")
    if args.in_place:
        conn = await asyncpg.connect(url)
        try:
            return await run(conn, args.regions_dir, rows)
        finally:
            await conn.close()
    admin = await asyncpg.connect(url)
    name = f"shouwang_geo_bench_{uuid.uuid4().hex[:10]}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        conn = await asyncpg.connect(urlunsplit(urlsplit(url)._replace(path=f"/{name}")))
        try:
            return await run(conn, args.regions_dir, rows)
        finally:
            await conn.close()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def main() -> None:
    """Parse arguments, run, print rows/s and write the JSON result."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"), required=False)
    parser.add_argument("--regions-dir", type=Path, default=DEFAULT_REGIONS)
    parser.add_argument("--in-place", action="store_true", help="load into the URL's database")
    args = parser.parse_args()
    if not args.database_url:
        parser.error("--database-url or DATABASE_URL is required")
    result = asyncio.run(main_async(args))
    now = datetime.now(UTC)
    result = {
        "benchmark": "geo_import",
        "at": now.isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        **result,
    }
    print(
        f"cold load: {result['cold_rows_per_s']:,} rows/s; "
        f"reload: {result['reload_rows_per_s']:,} rows/s"
    )
    out = ROOT / "results" / f"geo_import-{now:%Y-%m-%d}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
