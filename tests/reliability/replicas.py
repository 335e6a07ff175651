"""Helpers of the replica test: clients that fail over between replicas, the lease holder, the
topics read back from the broker and the order checks made on them.
"""

import asyncio
import random
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx
import psutil
from aiokafka import AIOKafkaConsumer, TopicPartition
from shouwang.common.idnumber import generate_id_number
from shouwang.common.periodic import lease_key
from shouwang.common.testing.fixtures import auth, wait_until

from .conftest import COUNTY, DEPARTMENT, VILLAGES, ServiceProcess, current_period

# the state machine of a task, as its events must appear on verification.tasks
TASK_STEPS = {
    "shouwang.warning.task.created.v1": 0,
    "shouwang.warning.task.assigned.v1": 1,
    "shouwang.warning.task.reported.v1": 2,
    "shouwang.warning.task.confirmed.v1": 3,
}
LEASE_HOLDER = """
SELECT a.client_port FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
  AND l.classid::bigint = $1 AND l.objid::bigint = $2
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
"""


class NoReplicaAnswers(AssertionError):
    pass


@dataclass
class Replicas:
    """The live instances of one service; a request goes to the next one that answers."""

    instances: list[ServiceProcess]
    turn: int = 0
    failovers: int = 0

    def live(self) -> list[ServiceProcess]:
        return [p for p in self.instances if p.proc is not None and p.proc.poll() is None]

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Send to the replicas in turn; a dead one or a 5xx moves to the next (same request)."""
        for _attempt in range(200):
            live = self.live()
            if not live:
                raise NoReplicaAnswers(f"no live {self.instances[0].service}")
            self.turn += 1
            target = live[self.turn % len(live)]
            try:
                async with httpx.AsyncClient(timeout=120) as client:
                    resp = await client.request(method, target.url + path, **kwargs)
                if resp.status_code < 500:
                    return resp
            except httpx.TransportError:
                pass
            self.failovers += 1
            await asyncio.sleep(0.05)  # NOTE: a back-off between retries, not a wait for a state
        raise NoReplicaAnswers(f"{method} {path}: no replica answered")


async def lease_holder(pool: asyncpg.Pool, schema: str, replicas: Replicas) -> ServiceProcess:
    """The instance whose relay holds the outbox lease of `schema` (waits until one does)."""
    key = lease_key(f"outbox-relay:{schema}.outbox") & 0xFFFF_FFFF_FFFF_FFFF

    async def holder() -> ServiceProcess | None:
        port = await pool.fetchval(LEASE_HOLDER, key >> 32, key & 0xFFFF_FFFF)
        for process in replicas.live():
            assert process.proc is not None
            procs = [psutil.Process(process.proc.pid)]
            procs += procs[0].children(recursive=True)
            if any(c.laddr.port == port for p in procs for c in p.net_connections("tcp")):
                return process
        return None

    found: ServiceProcess = await wait_until(holder, timeout=30, what=f"{schema} lease holder")
    return found


@dataclass
class People:
    """Synthetic residents: every id number drawn once."""

    rng: random.Random = field(default_factory=lambda: random.Random(20261118))
    seen: set[str] = field(default_factory=set)

    def new(self) -> str:
        while (id_number := generate_id_number(self.rng, region=COUNTY)) in self.seen:
            pass
        self.seen.add(id_number)
        return id_number


def warning_batch(people: People, size: int) -> dict[str, Any]:
    items = [{"id_number": people.new(), "name": "测试人员", "village_code": VILLAGES[i % 2],
              "indicator": "large_medical_expense", "values": {"self_paid_yuan": 20000 + i}}
             for i in range(size)]  # fmt: skip
    return {"department": DEPARTMENT, "period": current_period(), "urgent": True,
            "urgent_reason": "副本测试", "items": items}  # fmt: skip


async def push(warning: Replicas, body: dict[str, Any]) -> dict[str, Any]:
    headers = {
        **auth("department", DEPARTMENT, county=COUNTY),
        "Idempotency-Key": str(uuid.uuid4()),
    }
    resp = await warning.request("POST", "/api/v1/warning-batches", json=body, headers=headers)
    assert resp.status_code == 202, resp.text[:500]
    return dict(resp.json())


async def declare(intake: Replicas, id_number: str, index: int) -> str:
    """A resident's self-declaration (Idempotency-Key: a retry on another replica files once)."""
    body = {"channel": "self_declaration", "id_number": id_number, "name": "王五",
            "phone": "13800005678", "village_code": VILLAGES[index % 2], "household_size": 3,
            "hardships": ["因病"], "description": "户主患病", "income_estimate_yuan": 6000,
            "attachments": []}  # fmt: skip
    headers = {**auth("resident", sub=f"resident-{index}-{uuid.uuid4().hex[:6]}"),
               "Idempotency-Key": f"declare-{index}-{id_number}"}  # fmt: skip
    resp = await intake.request("POST", "/api/v1/declarations", json=body, headers=headers)
    assert resp.status_code in (200, 201), resp.text[:500]
    return str(resp.json()["receipt"])


async def walk_task(warning: Replicas, task_id: str, village: str, visited_on: str) -> None:
    """Take a task routed → assigned → reported (risk_confirmed) → confirmed; after a refused
    step (its earlier attempt died with a replica after committing) go on from the state read."""
    township = auth("township", village[:9])
    steps = {
        "routed": ("assign", township, {"village_code": village}),
        "assigned": ("report", auth("village", village),
                     {"outcome": "risk_confirmed", "reason": "大额医疗自付",
                      "visited_on": visited_on}),
        "reported": ("confirm", township, None),
    }  # fmt: skip
    path, status = f"/api/v1/tasks/{task_id}", "routed"
    for _ in range(12):
        if status == "confirmed":
            return
        action, headers, body = steps[status]
        resp = await warning.request("POST", f"{path}/{action}", headers=headers, json=body)
        if resp.status_code == 409:  # the step was applied by a request whose answer was lost
            resp = await warning.request("GET", path, headers=township)
        assert resp.status_code == 200, f"{action}: {resp.status_code} {resp.text[:300]}"
        status = resp.json()["status"]
    raise AssertionError(f"task {task_id} never reached confirmed")


@dataclass
class Record:
    topic: str
    partition: int
    offset: int
    event_id: str
    type: str
    subject: str
    key: str


async def read_topics(bootstrap: str, topics: list[str]) -> list[Record]:
    """Every record of `topics`, from the beginning to the end at the time of the call."""
    reader = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await reader.start()
    try:
        await reader.topics()
        parts = [TopicPartition(t, p) for t in topics
                 for p in sorted(reader.partitions_for_topic(t) or ())]  # fmt: skip
        reader.assign(parts)
        await reader.seek_to_beginning(*parts)
        ends = await reader.end_offsets(parts)
        records: list[Record] = []
        remaining = {tp for tp in parts if ends[tp] > 0}
        while remaining:
            batch = await reader.getmany(*remaining, timeout_ms=1000, max_records=5000)
            for tp, msgs in batch.items():
                for m in msgs:
                    h = {k: v.decode() for k, v in m.headers}
                    key = (m.key or b"").decode()
                    records.append(Record(tp.topic, tp.partition, m.offset, h["ce_id"],
                                          h["ce_type"], h.get("ce_subject", ""), key))  # fmt: skip
                if await reader.position(tp) >= ends[tp]:
                    remaining.discard(tp)
        return records
    finally:
        await reader.stop()


def order_violations(records: list[Record], outbox: dict[str, tuple[int, Any]]) -> dict[str, Any]:
    """Order on the topics, from the first copy of each event (a redelivered copy, at least
    once, is counted, not judged). `outbox`: event id -> (outbox id, created_at).

    - per aggregate (subject): one partition, outbox order (its changes serialize on its row),
      and for a task the state machine's order;
    - per key: the events one transaction wrote (one created_at, the transaction's now()) in
      the order it wrote them, whatever transactions came between.
    """
    firsts: dict[tuple[str, str], list[Record]] = defaultdict(list)
    by_commit: dict[tuple[str, str, Any], list[int]] = defaultdict(list)
    seen: set[str] = set()
    duplicates = 0
    for r in sorted(records, key=lambda r: (r.topic, r.partition, r.offset)):
        if r.event_id in seen:
            duplicates += 1
            continue
        seen.add(r.event_id)
        firsts[(r.topic, r.subject)].append(r)
        outbox_id, committed = outbox[r.event_id]
        by_commit[(r.topic, r.key, committed)].append(outbox_id)
    split, out_of_order, bad_steps = [], [], []
    for (topic, subject), rows in firsts.items():
        if len({r.partition for r in rows}) > 1:
            split.append((topic, subject))
        ids = [outbox[r.event_id][0] for r in rows]
        if ids != sorted(ids):
            out_of_order.append((topic, subject, [r.type.split(".")[-2] for r in rows]))
        steps = [TASK_STEPS[r.type] for r in rows if r.type in TASK_STEPS]
        if topic == "verification.tasks" and (steps != sorted(steps) or steps[:1] != [0]):
            bad_steps.append((subject, [r.type.split(".")[-2] for r in rows]))
    key_disorder = [(topic, key, str(at), ids[:3]) for (topic, key, at), ids in by_commit.items()
                    if ids != sorted(ids)]  # fmt: skip
    return {"records": len(records), "unique": len(seen), "redelivered": duplicates,
            "aggregates": len(firsts), "transactions_by_key": len(by_commit),
            "split_across_partitions": split, "out_of_outbox_order": out_of_order,
            "task_steps_out_of_order": bad_steps,
            "key_out_of_transaction_order": key_disorder}  # fmt: skip


async def groups_lagging(bootstrap: str, groups: dict[str, list[str]]) -> list[str]:
    """The partitions a consumer group has not committed to their end ([] when all caught up)."""
    lagging: list[str] = []
    for group, topics in groups.items():
        reader = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group)
        try:
            await reader.start()
            await reader.topics()
            parts = [TopicPartition(t, p) for t in topics
                     for p in sorted(reader.partitions_for_topic(t) or ())]  # fmt: skip
            ends = await reader.end_offsets(parts)
            for tp in parts:
                if (committed := await reader.committed(tp) or 0) < ends[tp]:
                    lagging.append(f"{group} {tp.topic}/{tp.partition} {committed}<{ends[tp]}")
        except Exception as exc:  # noqa: BLE001 - broker still settling: not caught up yet
            lagging.append(f"{group}: {exc!r}")
        finally:
            await reader.stop()
    return lagging
