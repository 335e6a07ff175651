"""The township live feed keeps `feed_retention_days` of events: older rows are purged.

A stream resumes from Last-Event-ID within that window; a township offline for longer reloads its
task list (the tasks themselves are kept). Expired rows go oldest first, a bounded batch per
transaction, walking the primary key: they sit at its start, so a round needs no time index.
"""

from datetime import timedelta

from shouwang.common.periodic import periodic
from shouwang.warning.adapters.repository import purge_feed_before
from shouwang.warning.runtime import WarningRuntime

BATCH = 5000


async def purge_task_feed(runtime: WarningRuntime) -> int:
    """Drop feed rows older than the retention, oldest first; return how many."""
    cutoff = runtime.clock.now() - timedelta(days=runtime.settings.feed_retention_days)
    purged = 0
    while True:
        async with runtime.engine.begin() as conn:
            deleted = await purge_feed_before(conn, cutoff, limit=BATCH)
        purged += deleted
        if deleted < BATCH:
            return purged


# once an hour (retention_sweep_seconds), one replica per round
feed_retention_loop = periodic(
    "warning.feed_retention",
    every=lambda settings: settings.retention_sweep_seconds,
    jobs=[purge_task_feed],
)
