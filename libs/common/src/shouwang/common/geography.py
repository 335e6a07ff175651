"""Administrative divisions (province → city → county → township → village) and code validation.

Pure, in-memory part: `Region`, the `Geography` index, code validation and the row sources (the
shipped seed counties, the national statistical set). Postgres storage lives in `geography_db`
and is re-exported here.
"""

from __future__ import annotations

import csv
import functools
import gzip
import importlib.resources
import io
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

Level = Literal["province", "city", "county", "township", "village"]
CodeCheck = Literal["ok", "malformed", "out_of_county", "unknown"]

LEVEL_BY_LENGTH: Final[dict[int, Level]] = {
    2: "province", 4: "city", 6: "county", 9: "township", 12: "village"
}  # fmt: skip
_SEED_RESOURCE: Final = "seed_counties_villages.csv"


@dataclass(frozen=True, slots=True)
class Region:
    """One administrative division; `parent_code` is None for provinces."""

    code: str
    name: str
    level: Level
    parent_code: str | None

    @property
    def county_code(self) -> str | None:
        """The 6-digit county this region belongs to (None above county level)."""
        return self.code[:6] if self.level in ("county", "township", "village") else None


def region_level(code: str) -> Level | None:
    """Return the level implied by a code's length (2/4/6/9/12 digits), None if malformed."""
    if not code.isascii() or not code.isdigit():
        return None
    return LEVEL_BY_LENGTH.get(len(code))


class Geography:
    """Read-only in-memory index of regions, with parent/child navigation."""

    def __init__(self, regions: dict[str, Region]) -> None:
        self._regions = regions
        children: defaultdict[str, list[Region]] = defaultdict(list)
        for region in regions.values():
            if region.parent_code is not None:
                children[region.parent_code].append(region)
        for siblings in children.values():
            siblings.sort(key=lambda r: r.code)
        self._children: dict[str, list[Region]] = dict(children)

    @classmethod
    def from_rows(cls, rows: Iterable[Region]) -> Geography:
        """Build an index from regions (a later row with the same code wins)."""
        return cls({region.code: region for region in rows})

    @classmethod
    def from_seed(cls) -> Geography:
        """The seed counties shipped with the package, with derived county and township rows."""
        return _seed_geography()

    def __len__(self) -> int:
        return len(self._regions)

    def get(self, code: str) -> Region | None:
        """Return the region with this code, any level."""
        return self._regions.get(code)

    def contains(self, code: str) -> bool:
        """True when the code is known."""
        return code in self._regions

    __contains__ = contains

    def name(self, code: str) -> str | None:
        """Return the region's name, None if unknown."""
        region = self._regions.get(code)
        return region.name if region else None

    def _at(self, code: str, level: Level) -> Region | None:
        """Return the region if known and at `level`."""
        region = self._regions.get(code)
        return region if region is not None and region.level == level else None

    def village(self, code: str) -> Region | None:
        """Return the village with this 12-digit code."""
        return self._at(code, "village")

    def township(self, code: str) -> Region | None:
        """Return the township with this 9-digit code."""
        return self._at(code, "township")

    def county(self, code: str) -> Region | None:
        """Return the county with this 6-digit code."""
        return self._at(code, "county")

    def township_of(self, village_code: str) -> str | None:
        """Return the township code of a known village."""
        village = self.village(village_code)
        return village.parent_code if village else None

    def county_of(self, code: str) -> str | None:
        """Return the county code of a township/village/county code (known county required)."""
        region = self._regions.get(code)
        if region is not None:
            return region.county_code
        prefix = code[:6]
        return prefix if len(code) in (9, 12) and self.county(prefix) else None

    def children(self, code: str) -> list[Region]:
        """Return the direct children of a region, sorted by code."""
        return list(self._children.get(code, ()))

    def townships(self, county_code: str) -> list[Region]:
        """Return the townships of a county, sorted by code."""
        return [r for r in self._children.get(county_code, ()) if r.level == "township"]

    def villages(self, township_code: str) -> list[Region]:
        """Return the villages of a township, sorted by code."""
        return [r for r in self._children.get(township_code, ()) if r.level == "village"]

    def counties(self) -> list[Region]:
        """Return every county in the index, sorted by code."""
        return sorted((r for r in self._regions.values() if r.level == "county"),
                      key=lambda r: r.code)  # fmt: skip

    def county_villages(self, county_code: str) -> list[Region]:
        """Return every village of a county, in township then village order."""
        return [v for t in self.townships(county_code) for v in self.villages(t.code)]

    def regions(self) -> Iterator[Region]:
        """Iterate over every region."""
        return iter(self._regions.values())


def validate_village_code(code: str, *, county_code: str, geography: Geography) -> CodeCheck:
    """Classify a village code for a county: ok, malformed, out_of_county or unknown."""
    if len(code) != 12 or region_level(code) != "village":
        return "malformed"
    if not code.startswith(county_code):
        return "out_of_county"
    return "ok" if geography.village(code) is not None else "unknown"


def seed_rows() -> Iterator[Region]:
    """Yield the shipped seed counties: county, township and village rows (each once)."""
    seen: set[str] = set()
    resource = importlib.resources.files("shouwang.common") / "data" / _SEED_RESOURCE
    with io.TextIOWrapper(resource.open("rb"), encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            county, township = row["county_code"], row["township_code"]
            if county not in seen:
                seen.add(county)
                yield Region(county, row["county_name"], "county", county[:4])
            if township not in seen:
                seen.add(township)
                yield Region(township, row["township_name"], "township", county)
            yield Region(row["village_code"], row["village_name"], "village", township)


@functools.cache
def _seed_geography() -> Geography:
    """Build (once) the seed geography."""
    return Geography.from_rows(seed_rows())


def _read_csv(path: Path, columns: tuple[str, ...]) -> Iterator[list[str]]:
    """Stream the given columns of a (possibly gzipped) UTF-8 CSV file with a header row."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        indexes = [header.index(column) for column in columns]
        for row in reader:
            yield [row[i] for i in indexes]


# file name, level, parent column (None = top level)
_NATIONAL_FILES: Final[tuple[tuple[str, Level, str | None], ...]] = (
    ("provinces.csv", "province", None),
    ("cities.csv", "city", "provinceCode"),
    ("areas.csv", "county", "cityCode"),
    ("streets.csv", "township", "areaCode"),
    ("villages.csv.gz", "village", "streetCode"),
)


def national_rows(regions_dir: Path) -> Iterator[Region]:
    """Stream the national set (china-division layout), parents before children."""
    for file_name, level, parent_column in _NATIONAL_FILES:
        columns = ("code", "name", parent_column) if parent_column else ("code", "name")
        for row in _read_csv(Path(regions_dir) / file_name, columns):
            yield Region(row[0], row[1], level, row[2] if parent_column else None)


# Postgres storage, re-exported (geography_db does not import this module at import time)
from shouwang.common.geography_db import (  # noqa: E402
    GEO_DDL,
    ensure_geo_schema,
    load_geography,
    load_regions,
)

__all__ = [
    "GEO_DDL",
    "CodeCheck",
    "Geography",
    "Level",
    "Region",
    "ensure_geo_schema",
    "load_geography",
    "load_regions",
    "national_rows",
    "region_level",
    "seed_rows",
    "validate_village_code",
]
