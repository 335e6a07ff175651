"""The moving parts of the e2e case: the HTTP pusher, the outside reader process, the DB poll."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
from shouwang.common.auth.tokens import issue_token
from shouwang.common.config import CommonSettings
from tqdm import tqdm

from bench.dataset import Batch
from bench.infra import ROOT

TASK_CREATED = "shouwang.warning.task.created.v1"


@dataclass
class PushResult:
    batch_id: str
    items: int
    started: float  # wall clock
    finished: float


class TailReader:
    """Runs bench.tail_consumer as a separate process and collects its JSON lines."""

    def __init__(self, bootstrap: str, expect: int) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.tail_consumer",
                "--bootstrap",
                bootstrap,
                "--topic",
                "verification.tasks",
                "--type",
                TASK_CREATED,
                "--expect",
                str(expect),
            ],
            stdout=subprocess.PIPE,
            cwd=ROOT,
            text=True,
        )
        self.ready = threading.Event()
        self.done = threading.Event()
        self.progress: list[tuple[float, int]] = []
        self.final: dict[str, Any] = {}
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            message = json.loads(line)
            if message["event"] == "ready":
                self.ready.set()
            elif message["event"] == "progress":
                self.progress.append((message["t"], message["seen"]))
            elif message["event"] == "done":
                self.final = message
                self.progress.append((message["t"], message["seen"]))
                self.done.set()
        self.ready.set()
        self.done.set()

    @property
    def seen(self) -> int:
        return self.progress[-1][1] if self.progress else 0

    def stop(self) -> None:
        """End the reader if it is still running."""
        if self.process.poll() is None:
            self.process.terminate()
        self.process.wait(timeout=30)


def department_headers(county: str, department: str) -> dict[str, str]:
    """Bearer token of a county's department."""
    token = issue_token(CommonSettings(), role="department", scope=department, county=county)
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


async def push_all(
    base_urls: list[str], batches: list[Batch], *, concurrency: int
) -> list[PushResult]:
    """POST every batch (at most `concurrency` in flight), round-robin over the service's
    processes (a load balancer's spread); fail on any non-202 or rejection."""
    headers = {
        (b.county, b.department): department_headers(b.county, b.department) for b in batches
    }
    results: list[PushResult] = []
    gate = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    bar = tqdm(total=sum(b.items for b in batches), unit=" items", desc="push (HTTP 202)")
    async with httpx.AsyncClient(timeout=900, limits=limits) as client:

        async def one(index: int, batch: Batch) -> None:
            async with gate:
                started = time.time()
                resp = await client.post(
                    f"{base_urls[index % len(base_urls)]}/api/v1/warning-batches",
                    content=batch.body,
                    headers={
                        **headers[(batch.county, batch.department)],
                        "Idempotency-Key": f"bench-{index}",
                    },
                )
                finished = time.time()
            body = resp.json()
            if resp.status_code != 202 or body.get("accepted") != batch.items:
                raise RuntimeError(f"push {index} failed: {resp.status_code} {str(body)[:500]}")
            results.append(PushResult(body["batch_id"], batch.items, started, finished))
            bar.update(batch.items)

        try:
            await asyncio.gather(*(one(i, b) for i, b in enumerate(batches)))
        finally:
            bar.close()
    return results


async def wait_routed(
    database_url: str, expect: int, tail: TailReader, timeout_s: float
) -> tuple[float, float, list[tuple[float, int]]]:
    """Poll warning.tasks until `expect` tasks are routed and the reader saw them all.

    Returns (wall time all routed, wall time all on the topic, routed-count timeline).
    """
    conn = await asyncpg.connect(database_url)
    routed_at = 0.0
    timeline: list[tuple[float, int]] = []
    deadline = time.monotonic() + timeout_s
    bar = tqdm(total=expect, unit=" tasks", desc="routed + on topic")
    try:
        while True:
            if not routed_at:
                # NOTE: from the batches' own tallies (a row per batch, written in the routing
                # transaction), not count(*) over warning.tasks: at 2,000,000 tasks that count
                # cost Postgres ~0.5 s per poll, four polls a second, all charged to the run
                routed = await conn.fetchval(
                    "SELECT coalesce(sum(tasks_created), 0) FROM warning.batches "
                    "WHERE processing = 'done'"
                )
                timeline.append((time.time(), routed))
                if routed >= expect:
                    routed_at = time.time()
            else:
                routed = expect
            bar.n = min(routed, tail.seen)
            bar.refresh()
            if routed_at and tail.done.is_set():
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"routed {routed}/{expect}, on topic {tail.seen}/{expect}")
            await asyncio.sleep(0.25)
    finally:
        bar.close()
        await conn.close()
    if tail.final.get("seen", 0) < expect:
        raise RuntimeError(f"outside reader saw {tail.final.get('seen')} of {expect} tasks")
    return routed_at, float(tail.final["t"]), timeline
