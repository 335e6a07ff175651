"""Deadlines from the projected policy: what a filing promises, the colour a list shows."""

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from shouwang.common.policy.projection import Db
from shouwang.intake.adapters.policy import store
from shouwang.intake.domain.deadlines import Progress, Promised, promised_dates

ACCEPT = "declaration_accept_days"
VISIT = "declaration_visit_working_days"


async def promised_for(db: Db, *, county_code: str, filed_on: date) -> Promised:
    """The acceptance and visit dates of a filing, by the county policy in force that day."""
    policy = await store.county_policy(db, county_code=county_code, on=filed_on)
    calendar = await store.province_calendar(db, province_code=county_code[:2])
    return promised_dates(
        filed_on,
        accept_days=policy.deadline(ACCEPT).days,
        visit_working_days=policy.deadline(VISIT).days,
        calendar=calendar,
    )


@dataclass
class PromiseCache:
    """Each county's promised dates per filing day, kept by one process for `ttl_s` seconds.

    Every filing needs the county policy and the province calendar, which change a few times a
    year and take effect from a date: a process reads them once per county, day and `ttl_s`, and
    drops what it holds when its own policy consumer records a change (another replica's consumer
    may record it instead, so `ttl_s` bounds how late a replica follows).
    """

    ttl_s: float
    monotonic: Callable[[], float] = time.monotonic
    _held: dict[tuple[str, date], tuple[float, Promised]] = field(default_factory=dict)

    async def promised(self, db: Db, *, county_code: str, filed_on: date) -> Promised:
        """The dates of a filing: held ones while fresh, else read and held."""
        key, now = (county_code, filed_on), self.monotonic()
        held = self._held.get(key)
        if held is not None and now - held[0] < self.ttl_s:
            return held[1]
        promised = await promised_for(db, county_code=county_code, filed_on=filed_on)
        if len(self._held) > 4096:  # NOTE: keys are county × day: prune what has gone stale
            self._held = {k: v for k, v in self._held.items() if now - v[0] < self.ttl_s}
        self._held[key] = (now, promised)
        return promised

    def clear(self) -> None:
        """Forget every held answer (a policy or calendar version was just recorded)."""
        self._held.clear()


async def amber_ratios(db: Db, counties: Iterable[str], *, on: date) -> dict[str, float]:
    """Each county's amber ratio in force on a date."""
    ratios: dict[str, float] = {}
    for county in set(counties):
        policy = await store.county_policy(db, county_code=county, on=on)
        ratios[county] = float(policy.value("amber_ratio"))
    return ratios


def progress_of(row: Any) -> Progress:
    """A row's standing against its deadlines."""
    return Progress(
        created_at=row["created_at"],
        accept_by=row["accept_by"],
        visit_by=row["visit_by"],
        accepted_at=row["accepted_at"],
        visited_at=row["visited_at"],
    )
