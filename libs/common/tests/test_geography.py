"""Geography: seed index, code validation, national file parsing, Postgres round trip."""

import csv
import gzip
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from shouwang.common.geography import (
    Geography,
    Region,
    load_geography,
    load_regions,
    national_rows,
    region_level,
    seed_rows,
    validate_village_code,
)
from shouwang.common.geography_cli import asyncpg_dsn

SUILENG = "231226"


@pytest.fixture(scope="module")
def seed() -> Geography:
    return Geography.from_seed()


def test_seed_counties(seed: Geography) -> None:
    counts = {c.code: (c.name, len(seed.county_villages(c.code))) for c in seed.counties()}
    assert counts == {
        "130630": ("涞源县", 295), "141123": ("兴县", 254),
        "230125": ("宾县", 165), SUILENG: ("绥棱县", 115),
    }  # fmt: skip
    assert len(seed.townships("230125")) == 17
    assert seed.name("141123200") == "交楼申乡"
    assert sum(1 for r in seed.regions() if r.level == "village") == 829


def test_township_and_county_lookup(seed: Geography) -> None:
    for township in seed.townships(SUILENG):
        assert township.parent_code == SUILENG and township.level == "township"
        for village in seed.villages(township.code):
            assert seed.township_of(village.code) == township.code
            assert seed.county_of(village.code) == SUILENG
            assert seed.village(village.code) == village
    assert seed.township_of("231226999999") is None
    assert seed.county_of("231226999999") == SUILENG  # well-formed, unknown, known county
    assert seed.county_of("999999999999") is None
    assert seed.village(SUILENG) is None and seed.contains(SUILENG)


@pytest.mark.parametrize(
    ("code", "level"),
    [
        ("23", "province"),
        ("2312", "city"),
        ("231226", "county"),
        ("231226001", "township"),
        ("231226001001", "village"),
        ("23122", None),
        ("23122600100A", None),
        ("", None),
    ],
)
def test_region_level(code: str, level: str | None) -> None:
    assert region_level(code) == level


def test_validate_village_code(seed: Geography) -> None:
    known = seed.county_villages(SUILENG)[0].code
    binxian = seed.county_villages("230125")[0].code

    def check(code: str) -> str:
        return validate_village_code(code, county_code=SUILENG, geography=seed)

    assert check(known) == "ok"
    assert check("231226999999") == "unknown"
    assert check(binxian) == "out_of_county"
    for bad in ("231226001", "23122600100", "2312260010011", "23122600100x", " " + known[1:]):
        assert check(bad) == "malformed"


def test_from_rows_later_row_wins_and_children_sorted() -> None:
    geo = Geography.from_rows(
        [
            Region("231226", "绥棱县", "county", "2312"),
            Region("231226002", "B", "township", "231226"),
            Region("231226001", "A", "township", "231226"),
            Region("231226001", "A2", "township", "231226"),
        ]
    )
    assert [t.name for t in geo.townships("231226")] == ["A2", "B"]


def _write_national(directory: Path) -> None:
    files = {
        "provinces.csv": [("code", "name"), ("23", "黑龙江省")],
        "cities.csv": [("code", "name", "provinceCode"), ("2312", "绥化市", "23")],
        "areas.csv": [
            ("code", "name", "cityCode", "provinceCode"),
            ("231226", "绥棱县", "2312", "23"),
        ],
        "streets.csv": [
            ("code", "name", "areaCode", "provinceCode", "cityCode"),
            ("231226001", "车站街道", "231226", "23", "2312"),
        ],
    }
    for name, rows in files.items():
        with (directory / name).open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows(rows)
    with gzip.open(directory / "villages.csv.gz", "wt", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(
            [
                ("code", "name", "streetCode", "provinceCode", "cityCode", "areaCode"),
                ("231226001001", "车站社区居委会", "231226001", "23", "2312", "231226"),
            ]
        )


def test_national_rows_layout(tmp_path: Path) -> None:
    _write_national(tmp_path)
    rows = list(national_rows(tmp_path))
    assert [(r.code, r.level, r.parent_code) for r in rows] == [
        ("23", "province", None),
        ("2312", "city", "23"),
        ("231226", "county", "2312"),
        ("231226001", "township", "231226"),
        ("231226001001", "village", "231226001"),
    ]
    assert [r.county_code for r in rows] == [None, None, "231226", "231226", "231226"]


@pytest.fixture
async def geo_db(stack: Any) -> AsyncIterator[asyncpg.Connection]:
    """A scratch database on the run's Postgres server (embedded or DATABASE_URL)."""
    admin_url = asyncpg_dsn(stack.database_url)
    admin = await asyncpg.connect(admin_url)
    name = f"shouwang_geo_test_{uuid.uuid4().hex[:12]}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    conn = await asyncpg.connect(urlunsplit(urlsplit(admin_url)._replace(path=f"/{name}")))
    try:
        yield conn
    finally:
        await conn.close()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def test_db_round_trip(geo_db: asyncpg.Connection, tmp_path: Path) -> None:
    seed = list(seed_rows())
    assert await load_regions(geo_db, seed, progress=False, chunk_size=300) == len(seed) == 907
    everything = await load_geography(geo_db)
    assert sorted(everything.regions(), key=lambda r: r.code) == sorted(seed, key=lambda r: r.code)

    suileng = await load_geography(geo_db, county_codes=[SUILENG])
    assert len(suileng) == 1 + 24 + 115
    assert len(suileng.county_villages(SUILENG)) == 115
    assert suileng.village(Geography.from_seed().county_villages("230125")[0].code) is None

    # reloading is idempotent; changed names are updated; ancestors come back with a county
    renamed = Region("231226001", "车站街道（新）", "township", SUILENG)
    await load_regions(geo_db, [*seed, renamed], progress=False)
    assert (await load_geography(geo_db)).name("231226001") == "车站街道（新）"
    _write_national(tmp_path)
    await load_regions(geo_db, national_rows(tmp_path), progress=False)
    assert await geo_db.fetchval("SELECT count(*) FROM geo.regions") == 907 + 2
    suileng = await load_geography(geo_db, county_codes=[SUILENG])
    assert suileng.name("231226001") == "车站街道"
    assert suileng.name("23") == "黑龙江省" and suileng.name("2312") == "绥化市"
    row = await geo_db.fetchrow("SELECT * FROM geo.regions WHERE code = '231226001001'")
    assert dict(row) == {
        "code": "231226001001",
        "name": "车站社区居委会",
        "level": "village",
        "parent_code": "231226001",
        "county_code": SUILENG,
    }
