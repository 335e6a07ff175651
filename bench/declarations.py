"""Case declarations: POST /api/v1/declarations latency at fixed rates, open loop, on loopback.

Requests are sent on schedule whether or not earlier ones have answered (open loop); latency is
measured from each request's scheduled time, so a server falling behind shows up as queueing
instead of silently lowering the offered rate. Each request is a self-declaration by a new
resident (own token, own rate bucket) about a new synthetic person.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
from shouwang.common.auth.tokens import issue_token
from shouwang.common.config import CommonSettings
from shouwang.common.geography import load_geography

from bench.dataset import SEED_COUNTY, People, person_name
from bench.http_load import LoadClient
from bench.infra import CaseContext, RssSampler
from bench.profiling import Profiler
from bench.stats import latency_summary, rate

SERVICE = "intake"
PATH = "/api/v1/declarations"
HARDSHIPS = ("因病", "因残", "因学", "因灾", "因意外事故", "因务工就业不稳")


class CaseUnavailable(RuntimeError):
    """The service under test cannot run (not importable or not starting)."""


@dataclass(frozen=True)
class DeclarationOptions:
    rates: tuple[int, ...]
    duration_s: float
    warmup: int = 20
    profile_to: Path | None = None


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
    client: LoadClient, requests: list[Prepared], per_second: int
) -> dict[str, Any]:
    """Send `requests` at `per_second` on schedule; latency from the scheduled send time."""
    loop = asyncio.get_running_loop()
    latencies: list[float] = []
    statuses: Counter[str] = Counter()

    async def one(request: Prepared, due: float) -> None:
        try:
            resp = await client.post(PATH, request.body, request.headers)
            statuses[str(resp.status)] += 1
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            statuses[type(exc).__name__] += 1
        latencies.append(loop.time() - due)

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
    }


async def _measure(
    url: str, options: DeclarationOptions, batches: list[list[Prepared]], warmup: list[Prepared]
) -> list[dict[str, Any]]:
    parts = urlsplit(url)
    client = LoadClient(parts.hostname or "127.0.0.1", parts.port or 80)
    try:
        for request in warmup:
            resp = await client.post(PATH, request.body, request.headers)
            if resp.status != 201:
                raise RuntimeError(f"warm-up declaration answered {resp.status}: {resp.body!r}")
        results = []
        for per_second, requests in zip(options.rates, batches, strict=True):
            results.append(await open_loop(client, requests, per_second))
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
    """Offer each rate in turn to the running intake service."""
    intake = ctx.service
    sampler = RssSampler()
    sampler.watch("intake", intake.process.pid)
    profiler = Profiler(intake.process.pid, options.profile_to) if options.profile_to else None
    started = time.perf_counter()
    with sampler:
        results = asyncio.run(_measure(intake.url, options, prep.batches, prep.warmup))
    elapsed = time.perf_counter() - started
    profile = profiler.stop() if profiler else None
    intake.stop()
    return {
        "duration_s_per_rate": options.duration_s,
        "elapsed_s": round(elapsed, 2),
        "rates": results,
        "peak_rss_mb": sampler.peaks_mb(),
        "profile": profile,
    }
