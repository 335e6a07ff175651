"""Cases dashboard and audit: supervision-metrics latency, chain verify time, consume rate.

Audit's state is bulk-filled with T recorded tasks (bench.audit_fill), then the audit service
runs as its own process: the dashboard endpoint is timed, the whole chain verified over HTTP,
and finally M fresh task.created events are produced for its consumer to append and project.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaProducer
from shouwang.common.auth.tokens import issue_token
from shouwang.common.config import CommonSettings
from shouwang.common.events.envelope import to_kafka
from shouwang.common.geography import Geography, load_geography

from bench import audit_fill
from bench.dataset import SEED_COUNTY, pick_counties
from bench.infra import CaseContext, RssSampler
from bench.stats import latency_summary, rate

SERVICE = "audit"


@dataclass(frozen=True)
class AuditOptions:
    tasks: int  # tasks (= chain events) recorded before the service starts
    consume_events: int
    dashboard_requests: int
    counties: int
    national: bool


def _headers(role: str, scope: str = "") -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(CommonSettings(), role=role, scope=scope)}"}


async def _setup(
    database_url: str, options: AuditOptions
) -> tuple[Geography, list[str], float, int]:
    conn = await asyncpg.connect(database_url)
    try:
        candidates = [
            r["county_code"]
            for r in await conn.fetch(
                "SELECT DISTINCT county_code FROM geo.regions WHERE level = 'village'"
            )
        ]
        counties = (
            pick_counties(candidates, options.counties) if options.national else [SEED_COUNTY]
        )
        geography = await load_geography(conn, county_codes=counties)
        started = time.perf_counter()
        periods = audit_fill.last_periods(12)
        await audit_fill.fill(conn, geography, counties, options.tasks, periods)
        fill_s = time.perf_counter() - started
        expected = await conn.fetchval(
            "SELECT count(*) FROM audit.task_state WHERE county_code = $1 AND period = $2",
            counties[0],
            periods[-1],
        )
        return geography, counties, fill_s, expected
    finally:
        await conn.close()


async def _dashboard(
    url: str, county: str, period: str, requests: int, expected: int
) -> dict[str, Any]:
    """Sequential GETs of the county's supervision metrics (after a few warm-ups)."""
    headers = _headers("county", county)
    params = {"county": county, "period": period}
    latencies: list[float] = []
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        for i in range(requests + 5):
            started = time.perf_counter()
            resp = await client.get("/api/v1/metrics/supervision", params=params, headers=headers)
            elapsed = time.perf_counter() - started
            resp.raise_for_status()
            if i >= 5:
                latencies.append(elapsed)
        created = resp.json()["kpis"]["created"]
    if created != expected:
        raise AssertionError(
            f"dashboard shows {created} tasks for {county} {period}, expected {expected}"
        )
    return {
        "county": county,
        "period": period,
        "tasks_in_period": created,
        **latency_summary(latencies),
    }


async def _verify(url: str, expected: int) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=url, timeout=3600) as client:
        started = time.perf_counter()
        resp = await client.get("/api/v1/audit/verify", headers=_headers("auditor"))
        elapsed = time.perf_counter() - started
    body = resp.json()
    if resp.status_code != 200 or not body.get("ok") or body.get("events") != expected:
        raise AssertionError(f"chain verify failed: {resp.status_code} {body}")
    return {
        "events": body["events"],
        "verify_s": round(elapsed, 3),
        "events_per_s": rate(body["events"], elapsed),
    }


async def _verify_in_ranges(database_url: str, expected: int, workers: int) -> dict[str, Any]:
    """Verify in-process with a given number of ranges (1 = the one-query verify of before)."""
    from shouwang.audit.service.verify import verify_chain
    from shouwang.common.db.engine import build_engine

    engine = build_engine(database_url, pool_size=workers + 1)
    try:
        started = time.perf_counter()
        result = await verify_chain(engine, workers=workers)
        elapsed = time.perf_counter() - started
    finally:
        await engine.dispose()
    if not result.ok or result.events != expected:
        raise AssertionError(f"chain verify ({workers} ranges) failed: {result}")
    return {
        "workers": workers,
        "verify_s": round(elapsed, 3),
        "events_per_s": rate(expected, elapsed),
    }


async def _consume(
    database_url: str,
    bootstrap: str,
    geography: Geography,
    counties: list[str],
    before: int,
    count: int,
) -> dict[str, Any]:
    """Produce `count` fresh task.created events; time the audit consumer appending them."""
    rng = random.Random(99)
    period = audit_fill.last_periods(1)[0]
    where = audit_fill.places(geography, counties)
    messages = [
        to_kafka(
            audit_fill.envelope_of(
                audit_fill.sample_task(rng.choice(where[counties[i % len(counties)]]), period, rng),
                rng,
            )
        )
        for i in range(count)
    ]
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    conn = await asyncpg.connect(database_url)
    await producer.start()
    try:
        started = time.perf_counter()
        futures = [
            await producer.send(audit_fill.TOPIC, value=v, key=k, headers=h) for k, v, h in messages
        ]
        await asyncio.gather(*futures)
        while await conn.fetchval("SELECT events FROM audit.chain_head") < before + count:
            if time.perf_counter() - started > max(300, count / 5):
                raise TimeoutError("audit consumer did not append every event")
            await asyncio.sleep(0.1)
        elapsed = time.perf_counter() - started
        first, last = await conn.fetchrow(
            "SELECT min(recorded_at), max(recorded_at) FROM audit.audit_log WHERE position > $1",
            before,
        )
    finally:
        await producer.stop()
        await conn.close()
    appending = (last - first).total_seconds()
    return {
        "events": count,
        "wall_s": round(elapsed, 3),
        "events_per_s_wall": rate(count, elapsed),
        "append_span_s": round(appending, 3),
        "events_per_s": rate(count - 1, appending) if count > 1 else None,
    }


@dataclass
class AuditPrepared:
    geography: Geography
    counties: list[str]
    fill_s: float
    expected: int  # tasks of the dashboard's county in the newest period


def prepare(database_url: str, options: AuditOptions) -> AuditPrepared:
    """Bulk-fill audit's chain and metrics as if T tasks had been recorded."""
    return AuditPrepared(*asyncio.run(_setup(database_url, options)))


def measure(ctx: CaseContext, prep: AuditPrepared, options: AuditOptions) -> dict[str, Any]:
    """Time the dashboard, verify the chain, measure the consume rate (audit already running)."""
    period = audit_fill.last_periods(1)[0]
    result: dict[str, Any] = {
        "tasks_recorded": options.tasks,
        "counties": len(prep.counties),
        "periods": 12,
        "fill_s": round(prep.fill_s, 2),
    }
    audit = ctx.service
    sampler = RssSampler()
    sampler.watch("audit", audit.process.pid)
    with sampler:
        result["dashboard"] = asyncio.run(
            _dashboard(
                audit.url, prep.counties[0], period, options.dashboard_requests, prep.expected
            )
        )
        result["verify"] = asyncio.run(_verify(audit.url, options.tasks))
        result["verify_one_range"] = asyncio.run(
            _verify_in_ranges(ctx.database_url, options.tasks, workers=1)
        )
        result["consume"] = asyncio.run(
            _consume(
                ctx.database_url,
                ctx.bootstrap,
                prep.geography,
                prep.counties,
                options.tasks,
                options.consume_events,
            )
        )
    result["peak_rss_mb"] = sampler.peaks_mb()
    audit.stop()
    return result
