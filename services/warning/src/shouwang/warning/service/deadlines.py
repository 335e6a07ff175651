"""Deadline sweep: overdue tasks raise `task.overdue` and escalate to the county."""

from shouwang.common.db.deadlines import Batch, sweep
from shouwang.common.db.uow import UnitOfWork
from shouwang.common.periodic import periodic
from shouwang.warning.adapters.repository import lock_overdue, save_overdue
from shouwang.warning.runtime import WarningRuntime
from shouwang.warning.service.compliance import sweep_missing_pushes


async def sweep_overdue(runtime: WarningRuntime, *, batch_size: int = 2000) -> int:
    """Mark every task past its running deadline once per stage; return how many."""
    now = runtime.clock.now()

    async def batch(uow: UnitOfWork) -> Batch:
        found = await lock_overdue(uow.session, now=now, limit=batch_size)
        marked = [task for task in found if task.mark_overdue(now)]
        await save_overdue(uow, marked, now=now)
        return len(found), len(marked)

    return await sweep(runtime.uow, batch, batch_size=batch_size)


# the sweeps run once per round whatever the number of replicas (a lease in Postgres)
deadline_loop = periodic(
    "warning.deadlines",
    every=lambda settings: settings.deadline_sweep_seconds,
    jobs=[sweep_overdue, sweep_missing_pushes],
)
