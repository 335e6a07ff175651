"""`shouwang geo load [--seed | --national DIR]`: load administrative divisions into geo.regions."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
from shouwang.common.geography import Region, load_regions, national_rows, seed_rows

_LEVEL_ORDER = ("province", "city", "county", "township", "village")


def asyncpg_dsn(url: str) -> str:
    """Turn a SQLAlchemy URL (postgresql+asyncpg://…) into a plain libpq/asyncpg DSN."""
    scheme, sep, rest = url.partition("://")
    return f"{scheme.split('+', 1)[0]}{sep}{rest}" if sep else url


def register(subparsers: Any) -> None:
    """Add the `geo` command and its `load` sub-command."""
    geo = subparsers.add_parser("geo", help="administrative divisions (geo.regions)")
    geo_sub = geo.add_subparsers(dest="geo_command", required=True)
    load = geo_sub.add_parser("load", help="load the seed counties or the national set")
    source = load.add_mutually_exclusive_group()
    source.add_argument("--seed", action="store_true", help="the shipped seed counties (default)")
    source.add_argument(
        "--national",
        type=Path,
        metavar="DIR",
        help="a directory with provinces/cities/areas/streets.csv, villages.csv.gz",
    )
    load.add_argument(
        "--database-url", default=None, help="Postgres URL (default: env DATABASE_URL)"
    )
    load.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    load.set_defaults(handler=handle_load)


def _label(args: argparse.Namespace) -> str:
    """Describe the row source named on the command line."""
    return f"national set {args.national}" if args.national is not None else "seed counties"


def _rows(args: argparse.Namespace) -> Iterator[Region]:
    """Stream the row source named on the command line."""
    national: Path | None = args.national
    return seed_rows() if national is None else national_rows(national)


async def _load(url: str, args: argparse.Namespace) -> tuple[int, dict[str, int]]:
    """Load rows and return (rows read, table counts per level)."""
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        loaded = await load_regions(conn, _rows(args), progress=not args.no_progress)
        counts = await conn.fetch("SELECT level, count(*) AS n FROM geo.regions GROUP BY level")
    finally:
        await conn.close()
    return loaded, {r["level"]: r["n"] for r in counts}


def handle_load(args: argparse.Namespace) -> int:
    """Run `geo load`; prints counts and elapsed time."""
    url = args.database_url or os.environ.get("DATABASE_URL")
    if not url:
        print("geo load: no --database-url and DATABASE_URL is not set", file=sys.stderr)
        return 2
    if args.national is not None and not (args.national / "villages.csv.gz").is_file():
        print(f"geo load: {args.national}/villages.csv.gz not found", file=sys.stderr)
        return 2
    started = time.perf_counter()
    loaded, counts = asyncio.run(_load(url, args))
    elapsed = time.perf_counter() - started
    rate = loaded / elapsed if elapsed > 0 else 0.0
    print(f"loaded {loaded} rows from the {_label(args)} in {elapsed:.2f}s ({rate:,.0f} rows/s)")
    summary = ", ".join(f"{lvl} {counts[lvl]}" for lvl in _LEVEL_ORDER if lvl in counts)
    print(f"geo.regions now holds: {summary}")
    return 0
