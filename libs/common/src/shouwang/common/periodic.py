"""Periodic jobs (deadline sweeps, purges) that N replicas run once per round, under a lease.

The lease is a Postgres session advisory lock named after the job: the replica that takes it runs
the round, the others skip it. A crashed holder's connection closes and the lock goes with it, so
another replica takes over on its next round; nothing is lost, because every job keeps its state
in the database and is idempotent.
"""

import asyncio
import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager
from typing import Any

import structlog
from prometheus_client import Counter
from shouwang.common.retry import wait_or_stop
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = structlog.get_logger(__name__)

JOB_RUNS = Counter("shouwang_periodic_runs_total", "Periodic job runs", ["loop", "job"])
# what a job returned when it returned a count: tasks marked overdue, rows purged...
JOB_ITEMS = Counter(
    "shouwang_periodic_items_total", "Items a periodic job reported handling", ["loop", "job"]
)

Job = Callable[[Any], Awaitable[Any]]
Loop = Callable[[Any, asyncio.Event], Coroutine[Any, Any, None]]


def lease_key(name: str) -> int:
    """A stable signed 64-bit advisory-lock key for a job name."""
    digest = hashlib.sha256(f"shouwang:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@asynccontextmanager
async def held_lease(engine: AsyncEngine, name: str) -> AsyncIterator[AsyncConnection | None]:
    """Yield the connection holding the lease `name`, or None if another replica holds it.

    The lock lives as long as that connection: a holder checks it to know it still leads.
    """
    key = lease_key(name)
    async with engine.connect() as conn:
        held = bool(await conn.scalar(select(func.pg_try_advisory_lock(key))))
        await conn.commit()  # a session lock outlives the transaction; leave none open
        try:
            yield conn if held else None
        finally:
            if held:
                # NOTE: unlock explicitly: a pooled connection would keep a session lock
                await conn.scalar(select(func.pg_advisory_unlock(key)))
                await conn.commit()


@asynccontextmanager
async def lease(engine: AsyncEngine, name: str) -> AsyncIterator[bool]:
    """Hold the job's lease for the block if no other replica does; yields whether it is held."""
    async with held_lease(engine, name) as conn:
        yield conn is not None


def periodic(name: str, every: Callable[[Any], float], jobs: Sequence[Job]) -> Loop:
    """A service loop running `jobs` in order every `every(settings)` seconds, once per round."""

    async def loop(runtime: Any, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                async with lease(runtime.engine, name) as held:
                    for job in jobs if held else ():
                        await run_job(name, job, runtime)
            except Exception as exc:  # noqa: BLE001 - retry next round; the state is in the database
                log.warning("periodic.failed", job=name, error=repr(exc))
            await wait_or_stop(stop, every(runtime.settings))

    return loop


async def run_job(loop: str, job: Job, runtime: Any) -> None:
    """Run one job of a round and count it (and what it reported handling)."""
    result = await job(runtime)
    job_name = getattr(job, "__name__", type(job).__name__)
    JOB_RUNS.labels(loop, job_name).inc()
    if isinstance(result, int) and not isinstance(result, bool):
        JOB_ITEMS.labels(loop, job_name).inc(result)
        if result:
            log.info("periodic.job_done", loop=loop, job=job_name, count=result)
