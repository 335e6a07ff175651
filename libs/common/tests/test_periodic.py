"""Periodic jobs: one replica per round holds the lease; a dead holder's lease goes with it."""

import asyncio
from types import SimpleNamespace

from shouwang.common.db.engine import build_engine
from shouwang.common.periodic import lease, periodic


async def test_only_one_holder_of_a_lease_at_a_time(database_url):
    first, second = build_engine(database_url, pool_size=1), build_engine(database_url, pool_size=1)
    try:
        async with lease(first, "test.sweep") as held_first:
            async with lease(second, "test.sweep") as held_second:
                assert (held_first, held_second) == (True, False)
            async with lease(second, "test.other") as other:
                assert other, "another job's lease is independent"
        async with lease(second, "test.sweep") as after_release:
            assert after_release, "released when the holder's round ends"
    finally:
        await first.dispose()
        await second.dispose()


def _one_round(stop: asyncio.Event):
    """`every` for a loop that stops after its first round (the loop asks after each round)."""

    def every(_settings: object) -> float:
        stop.set()
        return 0.0

    return every


def _round(replica: SimpleNamespace, job) -> asyncio.Task[None]:
    """One round of the periodic loop on a replica."""
    stop = asyncio.Event()
    return asyncio.create_task(periodic("test.round", _one_round(stop), [job])(replica, stop))


async def test_a_replica_skips_the_round_another_replica_is_running(database_url):
    engines = [build_engine(database_url, pool_size=2) for _ in range(2)]
    first, second = (SimpleNamespace(engine=e, settings=None, replica=i)
                     for i, e in enumerate(engines))  # fmt: skip
    runs: list[int] = []
    started, release = asyncio.Event(), asyncio.Event()

    async def job(runtime: SimpleNamespace) -> None:
        runs.append(runtime.replica)
        started.set()
        await release.wait()  # replica 0 holds the lease while replica 1 has its round

    try:
        holder = _round(first, job)
        await asyncio.wait_for(started.wait(), 30)
        await asyncio.wait_for(_round(second, job), 30)
        assert runs == [0], "replica 1 found the lease taken and skipped its round"
        release.set()
        await holder
        await asyncio.wait_for(_round(second, job), 30)
        assert runs == [0, 1], "once released, the next round runs"
    finally:
        release.set()
        for engine in engines:
            await engine.dispose()
