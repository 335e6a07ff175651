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
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

log = structlog.get_logger(__name__)

Job = Callable[[Any], Awaitable[Any]]
Loop = Callable[[Any, asyncio.Event], Coroutine[Any, Any, None]]


def lease_key(name: str) -> int:
    """A stable signed 64-bit advisory-lock key for a job name."""
    digest = hashlib.sha256(f"shouwang:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@asynccontextmanager
async def lease(engine: AsyncEngine, name: str) -> AsyncIterator[bool]:
    """Hold the job's lease for the block if no other replica does; yields whether it is held."""
    key = lease_key(name)
    async with engine.connect() as conn:
        held = bool(await conn.scalar(select(func.pg_try_advisory_lock(key))))
        try:
            yield held
        finally:
            if held:
                await conn.scalar(select(func.pg_advisory_unlock(key)))


async def wait_or_stop(stop: asyncio.Event, seconds: float) -> None:
    """Sleep for `seconds`, waking early when the service stops."""
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        pass


def periodic(name: str, every: Callable[[Any], float], jobs: Sequence[Job]) -> Loop:
    """A service loop running `jobs` in order every `every(settings)` seconds, once per round."""

    async def loop(runtime: Any, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                async with lease(runtime.engine, name) as held:
                    for job in jobs if held else ():
                        await job(runtime)
            except Exception as exc:  # noqa: BLE001 - retry next round; the state is in the database
                log.warning("periodic.failed", job=name, error=repr(exc))
            await wait_or_stop(stop, every(runtime.settings))

    return loop
