"""Postgres storage of administrative divisions (`geo.regions`), big enough for the national set."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import TYPE_CHECKING, Final

import asyncpg
from tqdm import tqdm

if TYPE_CHECKING:  # runtime imports are local: geography re-exports this module
    from shouwang.common.geography import Geography, Region

GEO_DDL: Final = """
CREATE SCHEMA IF NOT EXISTS geo;
CREATE TABLE IF NOT EXISTS geo.regions (
    code text PRIMARY KEY,
    name text NOT NULL,
    level text NOT NULL
        CHECK (level IN ('province', 'city', 'county', 'township', 'village')),
    parent_code text,
    county_code text
);
CREATE INDEX IF NOT EXISTS regions_parent_code_idx ON geo.regions (parent_code);
CREATE INDEX IF NOT EXISTS regions_county_code_idx ON geo.regions (county_code);
"""

_COLUMNS: Final = ("seq", "code", "name", "level", "parent_code", "county_code")
_STAGING: Final = "_geo_regions_load"
_CREATE_STAGING: Final = f"""
CREATE TEMP TABLE IF NOT EXISTS {_STAGING} (
    seq bigint, code text, name text, level text, parent_code text, county_code text
) ON COMMIT DROP
"""
# DISTINCT ON: a code repeated inside one chunk must not hit the same row twice; the last wins
_UPSERT: Final = f"""
INSERT INTO geo.regions (code, name, level, parent_code, county_code)
SELECT DISTINCT ON (code) code, name, level, parent_code, county_code
FROM {_STAGING} ORDER BY code, seq DESC
ON CONFLICT (code) DO UPDATE SET
    name = EXCLUDED.name, level = EXCLUDED.level,
    parent_code = EXCLUDED.parent_code, county_code = EXCLUDED.county_code
WHERE (geo.regions.name, geo.regions.level, geo.regions.parent_code, geo.regions.county_code)
    IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.level, EXCLUDED.parent_code, EXCLUDED.county_code)
"""
_SELECT: Final = "SELECT code, name, level, parent_code FROM geo.regions"

Record = tuple[int, str, str, str, str | None, str | None]


async def ensure_geo_schema(conn: asyncpg.Connection) -> None:
    """Create schema `geo` and table `geo.regions` if missing (idempotent)."""
    await conn.execute(GEO_DDL)


def _chunks(rows: Iterable[Region], size: int) -> Iterator[Sequence[Record]]:
    """Group regions into lists of COPY records."""
    records = (
        (seq, r.code, r.name, r.level, r.parent_code, r.county_code) for seq, r in enumerate(rows)
    )
    while chunk := list(islice(records, size)):
        yield chunk


async def load_regions(
    conn: asyncpg.Connection,
    rows: Iterable[Region],
    *,
    progress: bool = True,
    total: int | None = None,
    chunk_size: int = 50_000,
) -> int:
    """Upsert regions into geo.regions in one transaction (COPY to staging + INSERT ON CONFLICT).

    Returns the number of rows read; unchanged rows are not rewritten.
    """
    count = 0
    async with conn.transaction():
        await ensure_geo_schema(conn)
        await conn.execute(_CREATE_STAGING)
        with tqdm(total=total, disable=not progress, unit=" rows", desc="geo.regions") as bar:
            for chunk in _chunks(rows, chunk_size):
                await conn.copy_records_to_table(_STAGING, records=chunk, columns=_COLUMNS)
                await conn.execute(_UPSERT)
                await conn.execute(f"TRUNCATE {_STAGING}")
                count += len(chunk)
                bar.update(len(chunk))
    return count


async def load_geography(
    conn: asyncpg.Connection, *, county_codes: list[str] | None = None
) -> Geography:
    """Read geo.regions back into a Geography (all rows, or the given counties and ancestors)."""
    from shouwang.common.geography import Geography, Region

    if county_codes is None:
        records = await conn.fetch(_SELECT)
    else:
        ancestors = sorted({c[:2] for c in county_codes} | {c[:4] for c in county_codes})
        records = await conn.fetch(
            f"{_SELECT} WHERE county_code = ANY($1::text[]) OR code = ANY($2::text[])",
            list(county_codes),
            ancestors,
        )
    # records are (code, name, level, parent_code), in Region's field order
    return Geography.from_rows(Region(*record) for record in records)
