"""Case declarations: POST /api/v1/declarations latency at fixed rates, open loop, on loopback.

Intake runs as the deployment runs it (deploy/k8s/base/services/intake.yaml: replicas of one
uvicorn process each, sized here to the machine's cores) and requests are spread over the
replicas round-robin, as the ingress does. Requests are sent on schedule whether or not earlier
ones have answered (open loop); latency is measured from each request's scheduled time, so a
server falling behind shows up as queueing instead of silently lowering the offered rate. Each
request is a self-declaration by a new resident (own token, own rate bucket) about a new
synthetic person.
"""

from __future__ import annotations

import asyncio
import gc
import importlib.util
import json
import os
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import psutil
from shouwang.common.auth.tokens import issue_token
from shouwang.common.config import CommonSettings
from shouwang.common.geography import load_geography

from bench.dataset import SEED_COUNTY, People, person_name
from bench.http_load import BalancedClient, LoadClient
from bench.infra import CaseContext, RssSampler
from bench.profiling import Profiler
from bench.stats import latency_summary, percentile, rate

SERVICE = "intake"
PATH = "/api/v1/declarations"
# NOTE: every bench request comes from 127.0.0.1, so the per-address bucket (a carrier NAT's
# village in production) must not be what is measured; each resident keeps its own bucket
POOL_FILL_ENV = "SHOUWANG_DB_POOL_FILL"
WARMUP_PARALLEL = 20  # the pool of both replicas (10 each by default)
ADDRESS_RATE_ENV = "INTAKE_RESIDENT_ADDRESS_RATE"
UNLIMITED_ADDRESS = json.dumps({"burst": 1_000_000, "per_minute": 60_000_000})
HARDSHIPS = ("因病", "因残", "因学", "因灾", "因意外事故", "因务工就业不稳")


class CaseUnavailable(RuntimeError):
    """The service under test cannot run (not importable or not starting)."""


@dataclass(frozen=True)
class DeclarationOptions:
    rates: tuple[int, ...]
    duration_s: float
    warmup: int = 200
    profile_to: Path | None = None
    replicas: int = 2


def default_replicas() -> int:
    """The deployment's 2 replicas (minReplicas), fewer only on a one-core machine."""
    return max(1, min(2, os.cpu_count() or 1))


def replicas(options: DeclarationOptions) -> int:
    """How many intake processes the case starts."""
    return options.replicas


def service_env(options: DeclarationOptions) -> dict[str, str]:
    """Intake's configuration for the bench: as deployed (deploy/k8s/base/services/intake.yaml
    fills its pool at start-up), and the one client address is not the limit measured; a pool
    setting exported to the bench (SHOUWANG_DB_*) reaches the services and is recorded."""
    pool = {k: v for k, v in os.environ.items() if k.startswith("SHOUWANG_DB_")}
    return {ADDRESS_RATE_ENV: UNLIMITED_ADDRESS, POOL_FILL_ENV: "true", **pool}


@dataclass(frozen=True)
class Prepared:
    body: bytes
    headers: dict[str, str]


def prepare_requests(count: int, villages: list[str], people: People) -> list[Prepared]:
    """`count` self-declarations, each by its own resident."""
    settings, rng = CommonSettings(), people.rng
    out = []
    for _ in range(count):
        sub = f"resident-bench-{rng.getrandbits(64):016x}"
        token = issue_token(settings, role="resident", scope="", sub=sub)
        body = {
            "channel": "self_declaration",
            "id_number": people.new_id(SEED_COUNTY),
            "name": person_name(rng),
            "phone": f"138{rng.randrange(10**8):08d}",
            "village_code": rng.choice(villages),
            "household_size": rng.randrange(1, 7),
            "hardships": [rng.choice(HARDSHIPS)],
            "description": "基准测试合成数据",
            "income_estimate_yuan": rng.randrange(3000, 20000),
        }
        out.append(
            Prepared(
                json.dumps(body, ensure_ascii=False).encode(),
                {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            )
        )
    return out


async def open_loop(
    client: BalancedClient, requests: list[Prepared], per_second: int
) -> dict[str, Any]:
    """Send `requests` at `per_second` on schedule; latency from the scheduled send time."""
    loop = asyncio.get_running_loop()
    latencies: list[float] = []
    by_second: dict[int, list[float]] = {}
    statuses: Counter[str] = Counter()

    async def one(request: Prepared, due: float) -> None:
        try:
            resp = await client.post(PATH, request.body, request.headers)
            statuses[str(resp.status)] += 1
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            statuses[type(exc).__name__] += 1
        latencies.append(loop.time() - due)
        by_second.setdefault(int(due - start), []).append(latencies[-1])

    start = loop.time() + 0.05
    tasks: list[asyncio.Task[None]] = []
    lateness: list[float] = []
    for i, request in enumerate(requests):
        due = start + i / per_second
        if (delay := due - loop.time()) > 0:
            await asyncio.sleep(delay)
        lateness.append(max(0.0, loop.time() - due))
        tasks.append(asyncio.create_task(one(request, due)))
    sent_s = loop.time() - start
    await asyncio.gather(*tasks)
    done_s = loop.time() - start
    return {
        "target_per_s": per_second,
        "sent": len(requests),
        "offered_per_s": rate(len(requests), sent_s),
        "completed_per_s": rate(len(requests), done_s),
        "statuses": dict(statuses),
        "send_lateness_p99_ms": round(sorted(lateness)[int(0.99 * (len(lateness) - 1))] * 1000, 2)
        if lateness
        else None,
        **latency_summary(latencies),
        # [second of the run, p50 ms, p99 ms] of the requests due in that second: where the tail is
        "latency_by_second": [
            [second, *(round(1000 * percentile(v, q), 2) for q in (50, 99))]
            for second, v in sorted(by_second.items())
        ],
    }


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds the processes have used so far (gone ones count 0)."""
    total = 0.0
    for pid in pids:
        try:
            times = psutil.Process(pid).cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


async def _measure(
    urls: list[str],
    options: DeclarationOptions,
    batches: list[list[Prepared]],
    warmup: list[Prepared],
    pids: list[int],
) -> list[dict[str, Any]]:
    parts = [urlsplit(url) for url in urls]
    client = BalancedClient([LoadClient(p.hostname or "127.0.0.1", p.port or 80) for p in parts])
    try:
        # NOTE: in parallel, so that every pooled connection of every replica has prepared the
        # filing's statements before the clock starts (one at a time warmed one connection)
        for start in range(0, len(warmup), WARMUP_PARALLEL):
            answers = await asyncio.gather(
                *(
                    client.post(PATH, request.body, request.headers)
                    for request in warmup[start : start + WARMUP_PARALLEL]
                )
            )
            for resp in answers:
                if resp.status != 201:
                    raise RuntimeError(f"warm-up declaration answered {resp.status}: {resp.body!r}")
        results = []
        # NOTE: the generator's own prepared requests (thousands of bodies and tokens) out of its
        # cyclic GC's sight: a full collection in this process would hold responses unread and
        # count as the service's latency
        gc.collect()
        gc.freeze()
        for per_second, requests in zip(options.rates, batches, strict=True):
            cpu_before, started = cpu_seconds(pids), time.perf_counter()
            result = await open_loop(client, requests, per_second)
            # NOTE: CPU time, unlike latency, barely depends on what else the machine runs
            cpu = cpu_seconds(pids) - cpu_before
            result["service_cpu_ms_per_request"] = round(1000 * cpu / len(requests), 2)
            result["service_cpu_cores"] = round(cpu / (time.perf_counter() - started), 2)
            results.append(result)
            await asyncio.sleep(1.0)
    finally:
        await client.close()
    return results


async def _villages(database_url: str) -> list[str]:
    conn = await asyncpg.connect(database_url)
    try:
        geography = await load_geography(conn, county_codes=[SEED_COUNTY])
    finally:
        await conn.close()
    return [v.code for v in geography.county_villages(SEED_COUNTY)]


@dataclass(frozen=True)
class DeclarationsPrepared:
    warmup: list[Prepared]
    batches: list[list[Prepared]]


def available() -> None:
    """Raise CaseUnavailable when the intake service cannot be imported."""
    if importlib.util.find_spec("shouwang.intake.main") is None:
        raise CaseUnavailable(
            "shouwang.intake.main is not importable: the intake service "
            "is not installed in this environment"
        )


def prepare(database_url: str, options: DeclarationOptions) -> DeclarationsPrepared:
    """Every request body and token, ahead of the run."""
    available()
    villages = asyncio.run(_villages(database_url))
    people = People(seed=4242)
    return DeclarationsPrepared(
        prepare_requests(options.warmup, villages, people),
        [prepare_requests(int(r * options.duration_s), villages, people) for r in options.rates],
    )


def measure(
    ctx: CaseContext, prep: DeclarationsPrepared, options: DeclarationOptions
) -> dict[str, Any]:
    """Offer each rate in turn to the running intake replicas."""
    replicas = ctx.processes
    sampler = RssSampler()
    profilers = []
    for i, replica in enumerate(replicas, start=1):
        sampler.watch(f"intake-{i}", replica.process.pid)
        if options.profile_to:
            output = options.profile_to.with_name(f"{options.profile_to.stem}-{i}.folded")
            profilers.append(Profiler(replica.process.pid, output))
    started = time.perf_counter()
    with sampler:
        results = asyncio.run(
            _measure(
                [r.url for r in replicas],
                options,
                prep.batches,
                prep.warmup,
                [r.process.pid for r in replicas],
            )
        )
    elapsed = time.perf_counter() - started
    profiles = [p.stop() for p in profilers]
    ctx.stop()
    return {
        "process_model": {
            "replicas": len(replicas),
            "workers_per_replica": 1,
            "balancing": "round-robin per request",
        },
        "service_env": service_env(options),
        "duration_s_per_rate": options.duration_s,
        "elapsed_s": round(elapsed, 2),
        "rates": results,
        "errors": sum(
            n
            for r in results
            for status, n in r["statuses"].items()
            if status not in ("200", "201")
        ),
        "peak_rss_mb": sampler.peaks_mb(),
        "profile": profiles[0] if profiles else None,
        "profiles": profiles,
    }
