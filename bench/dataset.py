"""Synthetic (never real) people and pushes: valid ID numbers, county villages, indicators."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from shouwang.common.geography import Geography
from shouwang.common.idnumber import generate_id_number
from shouwang.warning.domain.indicators import DEPARTMENTS, Indicator, indicators_of, value_problems

SEED_COUNTY = "231226"  # 绥棱县, the demo county of the seed geography
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "明华建国秀英桂兰志强海燕玉梅春生红霞丽军伟芳"


@dataclass(frozen=True)
class Batch:
    """One department's push for one county, ready to send."""

    county: str
    department: str
    items: int
    body: bytes


def person_name(rng: random.Random) -> str:
    """A plausible two- or three-character name."""
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def sample_values(ind: Indicator, rng: random.Random) -> dict[str, Any]:
    """Valid values for every required field of an indicator."""
    values: dict[str, Any] = {}
    for spec in ind.fields:
        if not spec.required:
            continue
        if spec.kind in ("yuan", "count", "days"):
            values[spec.name] = rng.randrange(20_000, 90_000) if spec.kind == "yuan" else 40
        elif spec.kind == "choice":
            values[spec.name] = rng.choice(spec.choices)
        elif spec.kind == "flag":
            values[spec.name] = True
        else:
            values[spec.name] = "基准测试"
    if problems := value_problems(ind, values):
        raise AssertionError(f"bench values rejected for {ind.code}: {problems}")
    return values


class People:
    """Unique synthetic ID numbers (a person is pushed once, so every item opens a task)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.seen: set[str] = set()

    def new_id(self, county: str) -> str:
        """A checksum-valid ID number with the county's region code, never handed out before."""
        while True:
            number = generate_id_number(self.rng, region=county)
            if number not in self.seen:
                self.seen.add(number)
                return number


def push_batches(
    geography: Geography,
    counties: list[str],
    *,
    items: int,
    batch_size: int,
    period: str,
    seed: int = 2026,
) -> Iterator[Batch]:
    """Split `items` over counties × the ten departments, in batches of at most `batch_size`."""
    people = People(seed)
    rng = people.rng
    villages = {c: [v.code for v in geography.county_villages(c)] for c in counties}
    indicators = {d: indicators_of(d)[0] for d in DEPARTMENTS}
    plan = [(c, d) for c in counties for d in DEPARTMENTS]
    left = items
    while left > 0:
        for county, department in plan:
            size = min(batch_size, left)
            if size <= 0:
                return
            ind = indicators[department]
            body = {
                "department": department,
                "period": period,
                "urgent": True,
                "urgent_reason": "性能基准测试（合成数据）",
                "items": [
                    {
                        "id_number": people.new_id(county),
                        "name": person_name(rng),
                        "village_code": rng.choice(villages[county]),
                        "indicator": ind.code,
                        "values": sample_values(ind, rng),
                    }
                    for _ in range(size)
                ],
            }
            left -= size
            yield Batch(county, department, size, json.dumps(body, ensure_ascii=False).encode())


def pick_counties(candidates: list[str], count: int, seed: int = 7) -> list[str]:
    """`count` of the candidate counties, spread over the provinces (deterministic)."""
    if len(candidates) <= count:
        return sorted(candidates)
    return sorted(random.Random(seed).sample(sorted(candidates), count))
