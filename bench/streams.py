"""Case streams: what N open, idle SSE streams (the township task feed) cost the database.

The warning service runs as its own process. The case measures an idle window with no stream
open (the service's own loops: relay, sweeps, gauges), then opens N streams spread over ten
townships, lets them sit idle for the same window and measures again: transactions and rows read
in the case's database (pg_stat_database), scans of `warning.task_feed` (pg_stat_user_tables:
only the streams read it), CPU seconds of the service and of Postgres. Last, one NOTIFY for one
township: how long until its streams have the event, and how many reads that cost.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx
import psutil
from shouwang.common.auth.tokens import issue_token
from shouwang.common.config import CommonSettings

from bench.dataset import SEED_COUNTY
from bench.infra import CaseContext

SERVICE = "warning"
TOWNSHIPS = [f"{SEED_COUNTY}{n:03d}" for n in range(100, 110)]
FEED_CHANNEL = "warning_task_feed"  # shouwang.warning.adapters.repository.FEED_CHANNEL
# NOTE: an idle backend flushes its statistics only after 10 s (PGSTAT_IDLE_INTERVAL): wait that
# long before a snapshot, or counts of what came before leak into the next window
STATS_FLUSH_S = 11.0


@dataclass(frozen=True)
class StreamOptions:
    streams: int
    idle_s: float


@dataclass
class Opened:
    """The open streams: how many said `: connected`, and each township's events received."""

    connected: int = 0
    keepalives: int = 0
    events: dict[str, list[float]] = field(default_factory=dict)
    ready: asyncio.Event = field(default_factory=asyncio.Event)


def prepare(database_url: str, options: StreamOptions) -> None:
    """Nothing to load: the streams read an empty feed."""
    return None


def measure(ctx: CaseContext, prep: None, options: StreamOptions) -> dict[str, Any]:
    """Idle cost without and with N open streams, then one notification's fan-out."""
    return asyncio.run(_measure(ctx, options))


async def _measure(ctx: CaseContext, options: StreamOptions) -> dict[str, Any]:
    conn = await asyncpg.connect(ctx.database_url)
    try:
        await asyncio.sleep(STATS_FLUSH_S)  # start-up's own queries land first
        baseline = await _idle_window(conn, ctx, options.idle_s)
        limits = httpx.Limits(max_connections=None, max_keepalive_connections=0)
        async with httpx.AsyncClient(base_url=ctx.service.url, limits=limits, timeout=None) as http:
            opened = Opened()
            started = time.perf_counter()
            tasks = [
                asyncio.create_task(_stream(http, TOWNSHIPS[i % len(TOWNSHIPS)], opened, options))
                for i in range(options.streams)
            ]
            await asyncio.wait_for(opened.ready.wait(), timeout=300)
            connect_s = time.perf_counter() - started
            await asyncio.sleep(STATS_FLUSH_S)  # the initial reads land in the statistics
            with_streams = await _idle_window(conn, ctx, options.idle_s)
            fanout = await _one_notification(conn, opened)
            connections = await _connections(conn)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        await conn.close()
    return {
        "streams": options.streams,
        "townships": len(TOWNSHIPS),
        "idle_window_s": options.idle_s,
        "connect_all_s": round(connect_s, 2),
        "keepalives_received": opened.keepalives,
        "without_streams": baseline,
        "with_streams": with_streams,
        "added_by_streams": {
            k: round(with_streams[k] - baseline[k], 3)
            for k in baseline
            if isinstance(baseline[k], int | float)
        },
        "service_db_connections": connections,
        "one_notification": fanout,
    }


async def _stream(
    http: httpx.AsyncClient, township: str, opened: Opened, options: StreamOptions
) -> None:
    token = issue_token(CommonSettings(), role="township", scope=township)
    path = f"/api/v1/townships/{township}/tasks/stream"
    async with http.stream("GET", path, headers={"Authorization": f"Bearer {token}"}) as resp:
        resp.raise_for_status()
        async for line in resp.aiter_lines():
            if line == ": connected":
                opened.connected += 1
                if opened.connected == options.streams:
                    opened.ready.set()
            elif line.startswith(": keep-alive"):
                opened.keepalives += 1
            elif line.startswith("data: "):
                opened.events.setdefault(township, []).append(time.perf_counter())


async def _counters(conn: asyncpg.Connection) -> dict[str, float]:
    db = await conn.fetchrow(
        "SELECT xact_commit, xact_rollback, tup_returned, tup_fetched"
        " FROM pg_stat_database WHERE datname = current_database()"
    )
    feed = await conn.fetchrow(
        "SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0) AS scans"
        " FROM pg_stat_user_tables WHERE schemaname = 'warning' AND relname = 'task_feed'"
    )
    tables = await conn.fetch(
        "SELECT schemaname || '.' || relname AS name,"
        " coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) AS read"
        " FROM pg_stat_user_tables"
    )
    cpu = _postgres_cpu(await conn.fetchval("SELECT pg_backend_pid()"))
    read = {f"read:{r['name']}": r["read"] for r in tables}
    return {**dict(db), "task_feed_scans": feed["scans"], "postgres_cpu_s": cpu, **read}


async def _idle_window(
    conn: asyncpg.Connection, ctx: CaseContext, seconds: float
) -> dict[str, Any]:
    """Counters over an idle window, per second (the snapshot queries of ours included)."""
    service = psutil.Process(ctx.service.process.pid)
    before, cpu_before = await _counters(conn), _cpu(service)
    started = time.perf_counter()
    await asyncio.sleep(seconds)
    after, cpu_after = await _counters(conn), _cpu(service)
    span = time.perf_counter() - started
    window = {k: after[k] - before[k] for k in before}
    by_table = sorted(
        ((k[5:], v) for k, v in window.items() if k.startswith("read:") and v), key=lambda x: -x[1]
    )
    return {
        "rows_read_by_table": dict(by_table[:5]),
        "transactions_per_s": round((window["xact_commit"] + window["xact_rollback"]) / span, 2),
        "rows_read_per_s": round((window["tup_returned"] + window["tup_fetched"]) / span, 1),
        "task_feed_scans": int(window["task_feed_scans"]),
        "service_cpu_percent": round(100 * (cpu_after - cpu_before) / span, 2),
        "postgres_cpu_percent": round(100 * window["postgres_cpu_s"] / span, 2),
        "service_rss_mb": round(service.memory_info().rss / 2**20, 1),
    }


async def _one_notification(conn: asyncpg.Connection, opened: Opened) -> dict[str, Any]:
    """Append one feed row for one township as the service does; time its streams' delivery."""
    township = TOWNSHIPS[0]
    expected = sum(1 for i in range(opened.connected) if i % len(TOWNSHIPS) == 0)
    scans_before = (await _counters(conn))["task_feed_scans"]
    sent = time.perf_counter()
    async with conn.transaction():
        position = await conn.fetchval(
            "INSERT INTO warning.task_feed (township_code, event_type, task_id, payload, at)"
            " VALUES ($1, 'BenchPing', gen_random_uuid(), $2::jsonb, now()) RETURNING id",
            township,
            json.dumps({"township_code": township}),
        )
        await conn.execute("SELECT pg_notify($1, $2)", FEED_CHANNEL, f"{township}:{position}")
    deadline = time.perf_counter() + 30
    while len(opened.events.get(township, [])) < expected and time.perf_counter() < deadline:
        await asyncio.sleep(0.01)
    arrivals = sorted(opened.events.get(township, []))
    await asyncio.sleep(STATS_FLUSH_S)
    scans = (await _counters(conn))["task_feed_scans"] - scans_before
    return {
        "township_streams": expected,
        "delivered": len(arrivals),
        "other_townships_delivered": sum(len(v) for k, v in opened.events.items() if k != township),
        "first_ms": round(1000 * (arrivals[0] - sent), 1) if arrivals else None,
        "last_ms": round(1000 * (arrivals[-1] - sent), 1) if arrivals else None,
        "task_feed_scans": int(scans),
    }


async def _connections(conn: asyncpg.Connection) -> dict[str, int]:
    rows = await conn.fetch(
        "SELECT coalesce(nullif(application_name, ''), '(pool)') AS app, count(*) AS n"
        " FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        " GROUP BY 1"
    )
    return {r["app"]: r["n"] for r in rows}


def _cpu(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


def _postgres_cpu(backend_pid: int) -> float:
    """CPU seconds of this Postgres cluster only (the machine may run others)."""
    postmaster = psutil.Process(backend_pid).parent()
    if postmaster is None:
        return 0.0
    total = _cpu(postmaster)
    for proc in postmaster.children():
        try:
            total += _cpu(proc)
        except psutil.Error:
            continue
    return total
