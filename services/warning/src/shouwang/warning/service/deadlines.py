"""Deadline sweep: overdue tasks raise `task.overdue` and escalate to the county."""

from shouwang.common.periodic import periodic
from shouwang.warning.adapters.repository import save_overdue, task_from_row
from shouwang.warning.adapters.tables import tasks
from shouwang.warning.runtime import WarningRuntime
from shouwang.warning.service.compliance import sweep_missing_pushes
from sqlalchemy import and_, or_, select


async def sweep_overdue(runtime: WarningRuntime, *, batch_size: int = 2000) -> int:
    """Mark every task past its running deadline once per stage; return how many."""
    now = runtime.clock.now()
    stages = tasks.c.overdue_stages
    due = or_(
        and_(tasks.c.status == "routed", tasks.c.assign_by < now, ~stages.contains(["assign"])),
        and_(tasks.c.status == "assigned", tasks.c.report_by < now, ~stages.contains(["report"])),
    )
    raised = 0
    while True:
        async with runtime.uow() as uow:
            rows = (
                (
                    await uow.session.execute(
                        select(tasks)
                        .where(due)
                        .order_by(tasks.c.id)
                        .limit(batch_size)
                        .with_for_update(skip_locked=True)
                    )
                )
                .mappings()
                .all()
            )
            marked = [t for t in map(task_from_row, rows) if t.mark_overdue(now)]
            await save_overdue(uow, marked, now=now)
            await uow.commit()
        changed = len(marked)
        raised += changed
        if changed == 0 or len(rows) < batch_size:
            return raised


# the sweeps run once per round whatever the number of replicas (a lease in Postgres)
deadline_loop = periodic(
    "warning.deadlines",
    every=lambda settings: settings.deadline_sweep_seconds,
    jobs=[sweep_overdue, sweep_missing_pushes],
)
