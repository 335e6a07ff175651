"""Bulk-fill audit's state as if its consumer had recorded T task.created events.

The chain rows are hashed exactly as `shouwang.audit.service.chain` does (the first events are
checked against its own `canonical_event`); the pre-aggregated tables are computed in SQL from
task_state, giving what the projection would hold for those events.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from shouwang.audit.adapters.tables import GENESIS_HASH
from shouwang.audit.service.chain import actor_of, canonical_event, chain_hash
from shouwang.common.clock import SHANGHAI
from shouwang.common.events.catalog.warning import TaskCreated
from shouwang.common.events.envelope import EventEnvelope
from shouwang.common.events.registry import spec_for_model
from shouwang.common.events.topics import VERIFICATION_TASKS
from shouwang.common.geography import Geography
from shouwang.warning.domain.indicators import DEPARTMENTS
from tqdm import tqdm

SOURCE = "/shouwang/warning"
TOPIC = VERIFICATION_TASKS.name
TYPE = spec_for_model(TaskCreated).type_name
LOG_COLUMNS = (
    "event_id",
    "type",
    "source",
    "subject",
    "time",
    "topic",
    "actor",
    "county_code",
    "township_code",
    "person_ref",
    "canonical",
    "prev_hash",
    "hash",
)
STATE_COLUMNS = (
    "task_id",
    "county_code",
    "township_code",
    "period",
    "status",
    "created_at",
    "report_by",
)
CHUNK = 50_000


@dataclass(frozen=True)
class Place:
    county: str
    township: str
    village: str


def last_periods(count: int, now: datetime | None = None) -> list[str]:
    """The `count` months up to the current one (Asia/Shanghai), oldest first."""
    local = (now or datetime.now(UTC)).astimezone(SHANGHAI)
    year, month, periods = local.year, local.month, []
    for _ in range(count):
        periods.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return periods[::-1]


def places(geography: Geography, counties: list[str]) -> dict[str, list[Place]]:
    """Every village of each county with its township."""
    return {
        c: [Place(c, v.parent_code or "", v.code) for v in geography.county_villages(c)]
        for c in counties
    }


def sample_task(place: Place, period: str, rng: random.Random) -> TaskCreated:
    """A task.created payload for a generated (never real) person."""
    created = datetime.fromisoformat(f"{period}-10T10:00:00+08:00")
    return TaskCreated(
        task_id=_uuid(rng),
        county_code=place.county,
        township_code=place.township,
        village_code=place.village,
        period=period,
        channel="department_warning",
        person_ref=f"{rng.getrandbits(256):064x}",
        name_masked="王*",
        id_masked=f"{place.county}********{rng.randrange(10000):04d}",
        source_ref=_uuid(rng),
        comparison="new",
        assign_by=created + timedelta(days=3),
        report_by=created + timedelta(days=15),
    )


def envelope_of(task: TaskCreated, rng: random.Random) -> EventEnvelope:
    """The envelope warning's outbox would have published for the task."""
    at = datetime.fromisoformat(f"{task.period}-10T10:00:00+08:00")
    return EventEnvelope(
        id=_uuid(rng), type=TYPE, source=SOURCE, time=at, subject=task.task_id, data=task
    )


@dataclass(frozen=True)
class PeriodTemplate:
    """What every generated task of a period shares: its times, as objects and as JSON text."""

    at: datetime
    at_json: str
    report_by: datetime
    deadlines_json: dict[str, str]

    @classmethod
    def of(cls, period: str) -> PeriodTemplate:
        sample = sample_task(Place("000000", "000000000", "000000000000"), period, random.Random(0))
        at = datetime.fromisoformat(f"{period}-10T10:00:00+08:00")
        dumped = sample.model_dump(mode="json")
        return cls(
            at,
            at.astimezone(UTC).isoformat(),
            sample.report_by,
            {k: dumped[k] for k in ("assign_by", "report_by")},
        )


class ChainBuilder:
    """Canonical text and hash of each event, linked from the genesis hash.

    Builds the canonical JSON straight from dicts (fast); the first events are also built as real
    envelopes and must serialise identically through the audit service's `canonical_event`.
    """

    def __init__(self) -> None:
        self.head = GENESIS_HASH
        self.count = 0

    def row(self, event_id: str, data: dict[str, Any], template: PeriodTemplate) -> tuple[Any, ...]:
        """The audit_log row (without position) of the next event."""
        canonical = json.dumps(
            {
                "id": event_id,
                "type": TYPE,
                "source": SOURCE,
                "subject": data["task_id"],
                "time": template.at_json,
                "correlation_id": None,
                "topic": TOPIC,
                "data": data,
            },
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        )
        if self.count < 3:
            envelope = EventEnvelope(
                id=event_id,
                type=TYPE,
                source=SOURCE,
                time=template.at,
                subject=data["task_id"],
                data=TaskCreated(**data),
            )
            if canonical != canonical_event(envelope, TOPIC):
                raise AssertionError("bench canonical form differs from the audit service's")
        prev, self.head = self.head, chain_hash(self.head, canonical)
        self.count += 1
        return (
            event_id,
            TYPE,
            SOURCE,
            data["task_id"],
            template.at,
            TOPIC,
            actor_of(data),
            data["county_code"],
            data["township_code"],
            data["person_ref"],
            canonical,
            prev,
            self.head,
        )


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def generate(
    geography: Geography, counties: list[str], total: int, periods: list[str], seed: int = 11
) -> Iterator[tuple[str, dict[str, Any], PeriodTemplate]]:
    """`total` (event id, task.created data, period) spread over counties × periods."""
    rng = random.Random(seed)
    where = places(geography, counties)
    templates = {p: PeriodTemplate.of(p) for p in periods}
    for i in range(total):
        county = counties[i % len(counties)]
        period = periods[(i // len(counties)) % len(periods)]
        place = rng.choice(where[county])
        data = {
            "task_id": _uuid(rng),
            "county_code": county,
            "township_code": place.township,
            "village_code": place.village,
            "period": period,
            "channel": "department_warning",
            "person_ref": f"{rng.getrandbits(256):064x}",
            "name_masked": "王*",
            "id_masked": f"{county}********{rng.randrange(10000):04d}",
            "source_ref": _uuid(rng),
            "comparison": "new",
            **templates[period].deadlines_json,
        }
        yield _uuid(rng), data, templates[period]


async def fill(
    conn: asyncpg.Connection,
    geography: Geography,
    counties: list[str],
    total: int,
    periods: list[str],
) -> dict[str, Any]:
    """COPY the chain and task_state, aggregate task_counts/compliance, set the chain head."""
    chain = ChainBuilder()
    log_rows: list[tuple[Any, ...]] = []
    state_rows: list[tuple[Any, ...]] = []
    with tqdm(total=total, unit=" events", desc="audit chain + task_state") as bar:
        for event_id, data, template in generate(geography, counties, total, periods):
            log_rows.append(chain.row(event_id, data, template))
            state_rows.append(
                (
                    data["task_id"],
                    data["county_code"],
                    data["township_code"],
                    data["period"],
                    "routed",
                    template.at,
                    template.report_by,
                )
            )
            if len(log_rows) >= CHUNK:
                await _copy(conn, log_rows, state_rows)
                bar.update(len(log_rows))
                log_rows, state_rows = [], []
        if log_rows:
            await _copy(conn, log_rows, state_rows)
            bar.update(len(log_rows))
    await conn.execute(
        "UPDATE audit.chain_head SET position = (SELECT max(position) FROM audit.audit_log), "
        "hash = $1, events = $2 WHERE id = 1",
        chain.head,
        chain.count,
    )
    await conn.execute(_COUNTS)
    await conn.execute(_COMPLIANCE, list(DEPARTMENTS))
    await conn.execute(
        "ANALYZE audit.audit_log; ANALYZE audit.task_state; "
        "ANALYZE audit.task_counts; ANALYZE audit.compliance"
    )
    return {"events": chain.count, "head": chain.head}


async def _copy(
    conn: asyncpg.Connection, log_rows: list[tuple[Any, ...]], state_rows: list[tuple[Any, ...]]
) -> None:
    async with conn.transaction():
        await conn.copy_records_to_table(
            "audit_log", schema_name="audit", records=log_rows, columns=LOG_COLUMNS
        )
        await conn.copy_records_to_table(
            "task_state", schema_name="audit", records=state_rows, columns=STATE_COLUMNS
        )


_COUNTS = """
INSERT INTO audit.task_counts (county_code, period, township_code, created, routed)
SELECT county_code, period, coalesce(township_code, ''), count(*), count(*)
FROM audit.task_state
GROUP BY GROUPING SETS ((county_code, period, township_code), (county_code, period))
"""
_COMPLIANCE = """
INSERT INTO audit.compliance (county_code, department, period, on_time, accepted)
SELECT county_code, department, period, 1, (count(*) / 10)::int
FROM audit.task_state, unnest($1::text[]) AS department
GROUP BY county_code, department, period
"""
