"""Issue 18.3 replicas: two instances of warning, intake, assistance and audit on one Postgres and
one broker (consumers in the same groups, relays competing for the lease); kill -9 one of each.

A department pushes 10 batches of 2,000 people (through either warning instance), residents file
200 declarations (through either intake), 100 tasks are walked to a confirmed risk (assistance
opens identification). Mid-way the instance holding each service's relay lease is killed -9 and
left dead: the survivor must take over its relay and its partitions. Afterwards: no task,
declaration, household or audit entry lost or doubled, every outbox row on its topic, and on every
topic the events of one aggregate in outbox (commit) order, tasks in state-machine order, and
the events one transaction wrote for one key in the order it wrote them.
"""

import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
import pytest
from shouwang.common.clock import SHANGHAI
from shouwang.common.events.topics import (
    ASSISTANCE_HOUSEHOLDS,
    INTAKE_DECLARATIONS,
    TOPICS,
    VERIFICATION_TASKS,
    WARNING_BATCHES,
)
from shouwang.common.identity import person_ref_of
from shouwang.common.testing.fixtures import wait_until
from shouwang.warning.config import WarningSettings

from .conftest import COUNTY
from .replicas import (
    People,
    Replicas,
    declare,
    groups_lagging,
    lease_holder,
    order_violations,
    push,
    read_topics,
    walk_task,
    warning_batch,
)

BATCHES, BATCH_SIZE, DECLARATIONS, WALKED = 10, 2_000, 200, 100
SERVICES = ("warning", "intake", "assistance", "audit")
OUTBOXES = ("warning", "intake", "assistance", "audit")
GROUPS = {
    "shouwang-warning": [WARNING_BATCHES.name, INTAKE_DECLARATIONS.name,
                         ASSISTANCE_HOUSEHOLDS.name],
    "shouwang-intake": [VERIFICATION_TASKS.name, ASSISTANCE_HOUSEHOLDS.name],
    "shouwang-assistance": [VERIFICATION_TASKS.name],
    "shouwang-audit": [topic.name for topic in TOPICS if topic.audited],
}  # fmt: skip
# small relay batches and a quick relay everywhere, so a kill lands mid-publish
ENV = {
    "INTAKE_RELAY_IDLE_SECONDS": "0.02", "INTAKE_RELAY_BATCH_SIZE": "20",
    "ASSISTANCE_RELAY_IDLE_SECONDS": "0.02", "ASSISTANCE_RELAY_BATCH_SIZE": "20",
    "AUDIT_RELAY_BATCH_SIZE": "20",
    "INTAKE_RESIDENT_ADDRESS_RATE": '{"burst": 100000, "per_minute": 100000}',
}  # fmt: skip
COUNTS = """
SELECT
  (SELECT count(*) FROM warning.outbox WHERE published_at IS NULL)
  + (SELECT count(*) FROM intake.outbox WHERE published_at IS NULL)
  + (SELECT count(*) FROM assistance.outbox WHERE published_at IS NULL)
  + (SELECT count(*) FROM audit.outbox WHERE published_at IS NULL) AS pending,
  (SELECT count(*) FROM warning.outbox WHERE published_at IS NULL) AS warning_pending,
  (SELECT count(*) FROM warning.outbox WHERE type = 'shouwang.warning.task.created.v1'
     AND published_at IS NOT NULL) AS created_published,
  (SELECT count(*) FROM warning.outbox) + (SELECT count(*) FROM intake.outbox)
  + (SELECT count(*) FROM assistance.outbox) + (SELECT count(*) FROM audit.outbox) AS events,
  (SELECT count(*) FROM audit.audit_log) AS audited,
  (SELECT count(*) FROM warning.tasks) AS tasks,
  (SELECT count(*) FROM warning.batches WHERE processing <> 'done') AS unprocessed,
  (SELECT count(*) FROM intake.declarations) AS declarations,
  (SELECT count(*) FROM intake.declarations WHERE task_id IS NOT NULL) AS declarations_tasked,
  (SELECT count(*) FROM assistance.households) AS households
"""


@dataclass
class Fault:
    service: str
    armed: Callable[[dict[str, int]], bool]
    at: dict[str, int] | None = None


async def counts(pool: asyncpg.Pool) -> dict[str, int]:
    return dict(await pool.fetchrow(COUNTS))


@pytest.mark.slow
@pytest.mark.timeout(420)
async def test_two_replicas_of_each_service_kill9_one_of_each_lose_and_repeat_nothing(
    private_database, own_broker, spawn_service, monkeypatch
):
    started = time.monotonic()
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    url, bootstrap = private_database, own_broker.bootstrap
    fleets = {s: Replicas([spawn_service(s, database_url=url, bootstrap=bootstrap)
                           for _ in range(2)]) for s in SERVICES}  # fmt: skip
    await asyncio.gather(*(p.wait_ready(timeout=180) for f in fleets.values() for p in f.instances))
    pushed, declared = People(), People(random.Random(20261119))
    total = BATCHES * BATCH_SIZE
    faults = [
        Fault("warning", lambda n: n["warning_pending"] > 0
              and total * 0.2 <= n["created_published"] < total * 0.8),
        Fault("intake", lambda n: DECLARATIONS * 0.3 <= n["declarations_tasked"] < DECLARATIONS),
        Fault("assistance", lambda n: 0 < n["households"] < WALKED),
        Fault("audit", lambda n: total * 0.3 <= n["audited"] < n["events"] * 0.9),
    ]  # fmt: skip
    async with asyncpg.create_pool(url, min_size=1, max_size=4) as pool:
        stop = asyncio.Event()
        striker = asyncio.create_task(strike(pool, fleets, faults, stop))
        try:
            await asyncio.gather(
                push_all(fleets["warning"], pushed),
                declare_all(fleets["intake"], declared),
                walk_some(pool, fleets["warning"]),
            )
            await converge(pool, bootstrap, expected_tasks=total + DECLARATIONS)
        finally:
            stop.set()
            await striker
        figures = await verify(pool, pushed, declared)
        records = await read_topics(bootstrap, [t.name for t in TOPICS])
        figures |= await check_topics(pool, records, bootstrap)
    figures |= {"faults": {f.service: f.at for f in faults},
                "failovers": {s: f.failovers for s, f in fleets.items()},
                "seconds": round(time.monotonic() - started, 1)}  # fmt: skip
    print(f"\nreplica figures: {figures}")
    assert all(f.at is not None for f in faults), f"a fault never found its moment: {figures}"


async def strike(
    pool: asyncpg.Pool, fleets: dict[str, Replicas], faults: list[Fault], stop: asyncio.Event
) -> None:
    """Kill -9 each service's relay-lease holder when its moment comes (it stays dead)."""
    while not stop.is_set() and any(f.at is None for f in faults):
        now = await counts(pool)
        for fault in faults:
            if fault.at is None and fault.armed(now):
                holder = await lease_holder(pool, fault.service, fleets[fault.service])
                holder.kill()
                fault.at = now
                print(f"killed {fault.service} :{holder.port} at {now}", flush=True)
        await asyncio.sleep(0.01)  # NOTE: the polling period of the fault monitor


async def push_all(warning: Replicas, people: People) -> None:
    for _ in range(BATCHES):
        answer = await push(warning, warning_batch(people, BATCH_SIZE))
        assert answer["received"] == answer["accepted"] == BATCH_SIZE, answer


async def declare_all(intake: Replicas, people: People) -> None:
    gate = asyncio.Semaphore(4)

    async def one(index: int, id_number: str) -> None:
        async with gate:
            await declare(intake, id_number, index)

    await asyncio.gather(*(one(i, people.new()) for i in range(DECLARATIONS)))


async def walk_some(pool: asyncpg.Pool, warning: Replicas) -> None:
    """Once the first batch is routed, take WALKED of its tasks to a confirmed risk (4 at once)."""

    async def routed() -> list[Any] | None:
        sql = "SELECT id, village_code FROM warning.tasks WHERE channel = $1 LIMIT $2"
        rows = await pool.fetch(sql, "department_warning", WALKED)
        return rows if len(rows) == WALKED else None

    tasks = await wait_until(routed, timeout=150, interval=0.1, what="tasks to walk")
    today = datetime.now(SHANGHAI).date().isoformat()
    gate = asyncio.Semaphore(4)

    async def one(row: Any) -> None:
        async with gate:
            await walk_task(warning, str(row["id"]), row["village_code"], today)

    await asyncio.gather(*(one(row) for row in tasks))


async def converge(pool: asyncpg.Pool, bootstrap: str, *, expected_tasks: int) -> None:
    """Wait until every effect is in and every group has consumed every topic to its end."""
    last: dict[str, Any] = {}

    async def done() -> bool:
        last.update(await counts(pool))
        settled = (last["pending"] == 0 and last["unprocessed"] == 0
                   and last["tasks"] == expected_tasks
                   and last["declarations_tasked"] == DECLARATIONS
                   and last["households"] == WALKED)  # fmt: skip
        last["lagging"] = await groups_lagging(bootstrap, GROUPS) if settled else ["unsettled"]
        return not last["lagging"]

    try:
        await wait_until(done, timeout=150, interval=0.5, what="the replicas to converge")
    except AssertionError as exc:
        raise AssertionError(f"{exc}; last counts {last}") from None


async def verify(pool: asyncpg.Pool, pushed: People, declared: People) -> dict[str, Any]:
    """One task per person, one declaration per filing, one household per confirmed risk, every
    event audited once."""
    key = WarningSettings().hmac_key.get_secret_value()

    def refs(people: People) -> set[str]:
        return {person_ref_of(i, master_secret=key, county_code=COUNTY) for i in people.seen}

    expected = refs(pushed) | refs(declared)
    tasks = [r[0] for r in await pool.fetch("SELECT person_ref FROM warning.tasks")]
    confirmed = {r[0] for r in await pool.fetch(
        "SELECT person_ref FROM warning.tasks WHERE status = 'confirmed'")}  # fmt: skip
    members = [r[0] for r in await pool.fetch("SELECT person_ref FROM assistance.members")]
    identifications = await pool.fetchval("SELECT count(*) FROM assistance.identifications")
    declarations = [r[0] for r in await pool.fetch("SELECT person_ref FROM intake.declarations")]
    events = await _outbox_ids(pool)
    # NOTE: bulk facts topics (warning.indicators) are on the topics but not in the chain
    chained = set(events) - await _ids_on(pool, [t.name for t in TOPICS if not t.audited])
    audited = [r[0] for r in await pool.fetch("SELECT event_id FROM audit.audit_log")]
    figures = {
        "tasks": len(tasks), "tasks_lost": len(expected - set(tasks)),
        "tasks_duplicated": len(tasks) - len(set(tasks)), "declarations": len(declarations),
        "confirmed": len(confirmed), "households_members": len(members),
        "identifications": identifications, "events": len(events),
        "audit_missing": len(chained - set(audited)),
        "audit_duplicated": len(audited) - len(set(audited)),
    }  # fmt: skip
    assert set(tasks) == expected and len(tasks) == len(expected), figures
    assert sorted(declarations) == sorted(refs(declared)), f"one declaration each: {figures}"
    assert len(confirmed) == WALKED and sorted(members) == sorted(confirmed), figures
    assert identifications == WALKED, f"one identification per household: {figures}"
    assert set(audited) == chained and len(audited) == len(chained), figures
    return figures


async def _outbox_ids(pool: asyncpg.Pool) -> dict[str, tuple[int, Any]]:
    """event id -> (outbox id, created_at: its transaction's now()) over every service's outbox."""
    ids: dict[str, tuple[int, Any]] = {}
    for service in OUTBOXES:
        for row in await pool.fetch(f"SELECT event_id, id, created_at FROM {service}.outbox"):
            ids[str(row["event_id"])] = (row["id"], (service, row["created_at"]))
    return ids


async def _ids_on(pool: asyncpg.Pool, topics: list[str]) -> set[str]:
    """The event ids every service's outbox staged for the given topics."""
    ids: set[str] = set()
    for service in OUTBOXES:
        rows = await pool.fetch(
            f"SELECT event_id FROM {service}.outbox WHERE topic = ANY($1::text[])", topics
        )
        ids |= {str(r["event_id"]) for r in rows}
    return ids


async def check_topics(pool: asyncpg.Pool, records: list[Any], bootstrap: str) -> dict[str, Any]:
    """Every outbox row on its topic, nothing dead-lettered, per-aggregate order kept."""
    events = await _outbox_ids(pool)
    on_topics = {r.event_id for r in records}
    found = order_violations(records, events)
    dead = await read_topics(bootstrap, [t.dlq for t in TOPICS])
    figures = {"not_on_topic": len(set(events) - on_topics), "dead_lettered": len(dead),
               **{k: v if isinstance(v, int) else len(v) for k, v in found.items()}}  # fmt: skip
    assert on_topics == set(events), f"lost or foreign events on the topics: {figures}"
    assert not dead, f"dead-lettered: {dead[:5]}"
    for problem in (
        "split_across_partitions",
        "out_of_outbox_order",
        "task_steps_out_of_order",
        "key_out_of_transaction_order",
    ):
        assert not found[problem], f"{problem}: {found[problem][:5]} ({figures})"
    return figures
