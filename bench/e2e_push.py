"""Case e2e push (+ its physical limit): N items pushed over HTTP until every task is on the topic.

The warning service runs as its own process on a fresh database and broker; an outside reader
process (librdkafka) counts the task.created events. Quick: the seed county; full: counties of
the national geography, each with its ten departments.
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
from shouwang.common.clock import SHANGHAI
from shouwang.common.geography import load_geography
from shouwang.warning.domain.indicators import DEPARTMENTS

from bench import physical_limit
from bench.dataset import SEED_COUNTY, Batch, pick_counties, push_batches
from bench.e2e_io import PushResult, TailReader, push_all, wait_routed
from bench.infra import CaseContext, RssSampler
from bench.profiling import Profiler
from bench.stats import downsample, latency_summary, rate

SERVICE = "warning"


@dataclass(frozen=True)
class E2EOptions:
    items: int
    batch_size: int
    concurrency: int
    national: bool
    profile_to: Path | None = None
    replicas: int = 1  # warning processes, as deploy/k8s runs it (2 replicas)


async def _counties_and_geography(database_url: str, options: E2EOptions) -> tuple[list[str], Any]:
    conn = await asyncpg.connect(database_url)
    try:
        if not options.national:
            return [SEED_COUNTY], await load_geography(conn, county_codes=[SEED_COUNTY])
        candidates = [
            r["county_code"]
            for r in await conn.fetch(
                "SELECT DISTINCT county_code FROM geo.regions WHERE level = 'village'"
            )
        ]
        wanted = max(1, math.ceil(options.items / (len(DEPARTMENTS) * options.batch_size)))
        counties = pick_counties(candidates, wanted)
        return counties, await load_geography(conn, county_codes=counties)
    finally:
        await conn.close()


def _batch_latencies(pushes: list[PushResult], last_seen: dict[str, float]) -> list[float]:
    """Push sent → the batch's last task.created on the topic, per batch."""
    return [last_seen[p.batch_id] - p.started for p in pushes if p.batch_id in last_seen]


async def _keep_counties(database_url: str, options: E2EOptions) -> list[str]:
    counties, _ = await _counties_and_geography(database_url, options)
    ancestors = sorted({c[:2] for c in counties} | {c[:4] for c in counties})
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute(
            "DELETE FROM geo.regions WHERE NOT (county_code = ANY($1::text[]) "
            "OR code = ANY($2::text[]))",
            counties,
            ancestors,
        )
    finally:
        await conn.close()
    return counties


def replicas(options: E2EOptions) -> int:
    """How many warning processes the case starts (pushes are spread round-robin over them)."""
    return options.replicas


def before_spawn(database_url: str, options: E2EOptions) -> None:
    """Full run: the deployment holds only the pushing counties' geography.

    With the whole national set, warning's first deadline sweep after the push window would
    announce ~28,500 missing pushes (every county × department) on warning.batches, ahead of the
    pushed batches in the same partitions: a real first-start burst, but not this case.
    """
    if options.national:
        asyncio.run(_keep_counties(database_url, options))


@dataclass
class E2EPrepared:
    counties: list[str]
    batches: list[Batch]
    generate_s: float

    @property
    def items(self) -> int:
        return sum(b.items for b in self.batches)


def prepare(database_url: str, options: E2EOptions) -> E2EPrepared:
    """Pick the counties and generate every batch (not timed as part of the run)."""
    started = time.perf_counter()
    counties, geography = asyncio.run(_counties_and_geography(database_url, options))
    period = datetime.now(SHANGHAI).strftime("%Y-%m")
    batches = list(
        push_batches(
            geography, counties, items=options.items, batch_size=options.batch_size, period=period
        )
    )
    prepared = E2EPrepared(counties, batches, time.perf_counter() - started)
    print(
        f"e2e: {prepared.items:,} items in {len(batches)} batches, {len(counties)} counties "
        f"(generated in {prepared.generate_s:.1f}s)"
    )
    return prepared


async def _push_while_polling(
    ctx: CaseContext, prep: E2EPrepared, options: E2EOptions, tail: TailReader
) -> tuple[list[PushResult], float, Any]:
    """Push every batch while polling the routed count; wait for both to finish."""
    poll = asyncio.create_task(
        wait_routed(ctx.database_url, prep.items, tail, timeout_s=max(600, prep.items / 50))
    )
    try:
        urls = [process.url for process in ctx.processes]
        pushes = await push_all(urls, prep.batches, concurrency=options.concurrency)
    except BaseException:
        poll.cancel()
        raise
    pushed_at = time.time()
    return pushes, pushed_at, await poll


def _push_and_wait(
    ctx: CaseContext, prep: E2EPrepared, options: E2EOptions, sampler: RssSampler
) -> dict[str, Any]:
    warning, items = ctx.service, prep.items
    tail = TailReader(ctx.bootstrap, items)
    if not tail.ready.wait(60):
        raise RuntimeError("outside reader did not start")
    watched = [
        ("warning" if n == 1 else f"warning-{n}", process.process.pid)
        for n, process in enumerate(ctx.processes, start=1)
    ]
    for name, pid in (*watched, ("outside_reader", tail.process.pid), ("broker", ctx.broker_pid)):
        sampler.watch(name, pid)
    profiler = Profiler(warning.process.pid, options.profile_to) if options.profile_to else None
    try:
        with sampler:
            started = time.time()
            pushes, pushed_at, (routed_at, seen_at, routed_timeline) = asyncio.run(
                _push_while_polling(ctx, prep, options, tail)
            )
    finally:
        profile = profiler.stop() if profiler else None
        tail.stop()
    return {
        "started": started,
        "pushed_at": pushed_at,
        "routed_at": routed_at,
        "seen_at": seen_at,
        "pushes": pushes,
        "profile": profile,
        "routed_timeline": routed_timeline,
        "tail": tail,
    }


def measure(ctx: CaseContext, prep: E2EPrepared, options: E2EOptions) -> dict[str, Any]:
    """Push everything, wait for every task on the topic, then measure the physical limit."""
    sampler = RssSampler(backends_of=ctx.database_url.rsplit("/", 1)[-1].split("?")[0])
    run = _push_and_wait(ctx, prep, options, sampler)
    ctx.stop()
    items, started, pushes, tail = prep.items, run["started"], run["pushes"], run["tail"]
    limit = asyncio.run(physical_limit.measure(ctx.database_url, ctx.bootstrap, items))
    total_s = max(run["routed_at"], run["seen_at"]) - started
    e2e_rate = rate(items, total_s)
    return {
        "items": items,
        "batches": len(prep.batches),
        "batch_size": options.batch_size,
        "counties": len(prep.counties),
        "departments": len(DEPARTMENTS),
        "concurrency": options.concurrency,
        "warning_processes": len(ctx.processes),
        "geography": "national" if options.national else "seed",
        "generate_s": round(prep.generate_s, 2),
        "push_s": round(run["pushed_at"] - started, 3),
        "routed_s": round(run["routed_at"] - started, 3),
        "on_topic_s": round(run["seen_at"] - started, 3),
        "total_s": round(total_s, 3),
        "items_per_s": e2e_rate,
        "push_http_latency": latency_summary([p.finished - p.started for p in pushes]),
        "batch_to_topic_latency": latency_summary(
            _batch_latencies(pushes, tail.final.get("batch_last_seen", {}))
        ),
        "peak_rss_mb": sampler.peaks_mb(),
        # CPU seconds while pushing/routing/relaying (load-independent, unlike the rates)
        "cpu_s": sampler.cpu_s(),
        "limit": limit,
        "ratio_to_limit": round(e2e_rate / limit["limit_items_per_s"], 4)
        if limit["limit_items_per_s"]
        else None,
        "profile": run["profile"],
        "timeline": {
            "accepted": downsample(_accepted_timeline(pushes, started)),
            "routed": downsample([(t - started, n) for t, n in run["routed_timeline"]]),
            "on_topic": downsample([(t - started, n) for t, n in tail.progress if t >= started]),
        },
    }


def _accepted_timeline(pushes: list[PushResult], started: float) -> list[tuple[float, float]]:
    points, total = [(0.0, 0.0)], 0
    for push in sorted(pushes, key=lambda p: p.finished):
        total += push.items
        points.append((push.finished - started, float(total)))
    return points
