"""The year case's month end: the periodic jobs run in-process with a shifted "now", the month's
passing for the bookkeeping rows, the retention purges, and the size of every table.

The services run with the system clock, so a month cannot pass inside them. Instead, at each
month end:

- the deadline sweeps run here, on a runtime of the service's own kind whose clock stands at
  "now + one month" (every deadline set this month has passed);
- the outbox and inbox rows are aged by one month (their timestamps move back 30 days, which for
  retention is the same as the clock moving forward), then each service's own retention jobs
  (`retention.purge_outbox`, `retention.purge_inboxes`) run with the real clock;
- a plain VACUUM stands for the month of autovacuum (it makes dead rows' space reusable; it does
  not shrink files, so the sizes still show what a month of churn leaves behind).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
from shouwang.audit.messaging.consumers import SHORT_INBOX_DAYS
from shouwang.common.clock import FixedClock
from shouwang.common.events.topics import (
    ASSISTANCE_HOUSEHOLDS,
    INTAKE_DECLARATIONS,
    POLICY_SETTINGS,
    TOPICS,
    VERIFICATION_TASKS,
    WARNING_BATCHES,
)
from shouwang.common.geography_store import attach_geography
from shouwang.common.retention import purge_inboxes, purge_outbox
from shouwang.common.service import ServiceRuntime, _open_runtime

SERVICES = ("warning", "intake", "assistance", "audit")
# NOTE: the consumer groups each service runs (its messaging/consumers.py); retention keys on them
CONSUMERS: dict[str, dict[str, list[str]]] = {
    "warning": {
        "shouwang-warning": [WARNING_BATCHES.name, INTAKE_DECLARATIONS.name,
                             ASSISTANCE_HOUSEHOLDS.name],
        "shouwang-warning-policy": [POLICY_SETTINGS.name],
    },
    "intake": {
        "shouwang-intake": [VERIFICATION_TASKS.name, ASSISTANCE_HOUSEHOLDS.name],
        "shouwang-intake-policy": [POLICY_SETTINGS.name],
    },
    "assistance": {
        "shouwang-assistance": [VERIFICATION_TASKS.name],
        "shouwang-assistance-policy": [POLICY_SETTINGS.name],
    },
    "audit": {"shouwang-audit": [topic.name for topic in TOPICS if topic.audited]},
}  # fmt: skip
# the groups that declare their own inbox retention (ConsumerSpec.inbox_retention_days)
INBOX_RETENTION = {"shouwang-audit": SHORT_INBOX_DAYS}
SIZES = """
SELECT n.nspname AS schema, c.relname AS name, pg_total_relation_size(c.oid) AS bytes
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY($1::text[])
ORDER BY 1, 2
"""


@dataclass
class Consumer:
    """What the retention job reads of a consumer: its group name, topics and inbox retention."""

    name: str
    topics: list[str]
    inbox_retention_days: int | None = None  # None: the longest retention of its topics


def _jobs(service: str) -> list[Any]:
    """The jobs of the service's deadline loop (its service/deadlines.py or overdue.py)."""
    if service == "warning":
        from shouwang.warning.service.compliance import sweep_missing_pushes
        from shouwang.warning.service.deadlines import sweep_overdue

        return [sweep_overdue, sweep_missing_pushes]
    if service == "intake":
        from shouwang.intake.service.overdue import sweep_overdue as intake_overdue

        return [intake_overdue]
    if service == "assistance":
        from shouwang.assistance.service.data_quality import sweep_data_quality
        from shouwang.assistance.service.deadlines import sweep_overdue as assistance_overdue
        from shouwang.assistance.service.screening import open_scheduled_screenings
        from shouwang.assistance.service.visits import sweep_missed_visits

        return [assistance_overdue, sweep_missed_visits, sweep_data_quality,
                open_scheduled_screenings]  # fmt: skip
    return []


def _tables(service: str) -> tuple[Any, Any, type[Any]]:
    """The service's outbox and inbox tables and its settings class."""
    if service == "warning":
        from shouwang.warning.adapters.tables import inbox, outbox
        from shouwang.warning.config import WarningSettings as Settings
    elif service == "intake":
        from shouwang.intake.adapters.tables import inbox, outbox  # type: ignore[no-redef]
        from shouwang.intake.config import IntakeSettings as Settings  # type: ignore[assignment]
    elif service == "assistance":
        from shouwang.assistance.adapters.tables import inbox, outbox  # type: ignore[no-redef]
        from shouwang.assistance.config import (  # type: ignore[assignment]
            AssistanceSettings as Settings,
        )
    else:
        from shouwang.audit.adapters.tables import inbox, outbox  # type: ignore[no-redef]
        from shouwang.audit.config import AuditSettings as Settings  # type: ignore[assignment]
    return outbox, inbox, Settings


async def open_runtimes(database_url: str, bootstrap: str) -> dict[str, ServiceRuntime[Any]]:
    """One in-process runtime per service, on a clock the month end moves."""
    runtimes = {}
    for service in SERVICES:
        outbox, inbox, settings_class = _tables(service)
        settings = settings_class.model_validate(
            {"DATABASE_URL": database_url, "KAFKA_BOOTSTRAP_SERVERS": bootstrap}
        )
        runtime = await _open_runtime(settings, FixedClock(datetime.now(UTC)), outbox, inbox)
        await attach_geography(runtime)
        runtime.consumers = [  # type: ignore[misc]
            Consumer(n, t, INBOX_RETENTION.get(n)) for n, t in CONSUMERS[service].items()
        ]
        runtimes[service] = runtime
    return runtimes


async def close_runtimes(runtimes: dict[str, ServiceRuntime[Any]]) -> None:
    for runtime in runtimes.values():
        await runtime.producer.stop()
        await runtime.engine.dispose()


async def sweep(runtimes: dict[str, ServiceRuntime[Any]], now: datetime) -> dict[str, Any]:
    """Run every service's deadline jobs once with the clock at `now`; what each reported."""
    done: dict[str, Any] = {}
    for service, runtime in runtimes.items():
        runtime.clock.set(now)  # type: ignore[attr-defined]
        for job in _jobs(service):
            try:
                done[f"{service}.{job.__name__}"] = await job(runtime)
            except Exception as exc:  # noqa: BLE001 - recorded in the result, the year goes on
                done[f"{service}.{job.__name__}"] = f"error: {type(exc).__name__}: {exc}"
    return done


async def age_and_purge(
    runtimes: dict[str, ServiceRuntime[Any]], database_url: str, days: int
) -> dict[str, int]:
    """Move the bookkeeping rows `days` into the past, then run the retention jobs."""
    shift = f"make_interval(days => {int(days)})"
    conn = await asyncpg.connect(database_url)
    try:
        for service in SERVICES:
            await conn.execute(
                f"UPDATE {service}.outbox SET created_at = created_at - {shift}, "
                f"published_at = published_at - {shift}, time = time - {shift}"
            )
            await conn.execute(f"UPDATE {service}.inbox SET processed_at = processed_at - {shift}")
    finally:
        await conn.close()
    purged = {}
    for service, runtime in runtimes.items():
        purged[f"{service}.outbox"] = await purge_outbox(runtime)
        purged[f"{service}.inbox"] = await purge_inboxes(runtime)
    return purged


async def vacuum_and_measure(database_url: str) -> dict[str, Any]:
    """VACUUM (a month of autovacuum), then the size of every table and the bookkeeping rows."""
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute("VACUUM")
        sizes = {f"{r['schema']}.{r['name']}": r["bytes"]
                 for r in await conn.fetch(SIZES, list(SERVICES))}  # fmt: skip
        rows = {}
        for service in SERVICES:
            for table in ("outbox", "inbox"):
                rows[f"{service}.{table}"] = await conn.fetchval(
                    f"SELECT count(*) FROM {service}.{table}"
                )
        return {"bytes": sizes, "rows": rows}
    finally:
        await conn.close()
