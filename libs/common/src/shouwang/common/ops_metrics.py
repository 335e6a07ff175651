"""Operator gauges a service measures on a timer: outbox backlog and age, consumer lag.

Every replica measures (reads only, no lease): the values are the service's or the group's, the
same from any replica, so dashboards take `max` over instances.
"""

import asyncio
from collections.abc import Coroutine
from typing import Any

import structlog
from prometheus_client import Gauge
from shouwang.common.kafka.consumer import EventConsumer
from shouwang.common.retry import wait_or_stop
from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

log = structlog.get_logger(__name__)

OUTBOX_BACKLOG = Gauge("shouwang_outbox_backlog", "Outbox rows not yet published", ["service"])
OUTBOX_OLDEST_AGE = Gauge(
    "shouwang_outbox_oldest_pending_seconds", "Age of the oldest unpublished row", ["service"]
)
CONSUMER_LAG = Gauge(
    "shouwang_consumer_lag",
    "Records past the group's committed offset",
    ["group", "topic", "partition"],
)


ROUND_TIMEOUT_S = 10.0  # one measuring round; a broker that does not answer is skipped


async def measure_outbox(engine: AsyncEngine, table: Table, service: str) -> tuple[int, float]:
    """Set the service's backlog gauges; return (pending rows, oldest pending age in seconds)."""
    age = func.extract("epoch", func.now() - func.min(table.c.created_at))
    stmt = select(func.count(), func.coalesce(age, 0)).where(table.c.published_at.is_(None))
    async with engine.connect() as conn:
        pending, oldest = (await conn.execute(stmt)).one()
    OUTBOX_BACKLOG.labels(service).set(pending)
    OUTBOX_OLDEST_AGE.labels(service).set(float(oldest))
    return int(pending), float(oldest)


async def measure_lag(consumer: EventConsumer) -> None:
    """Set the lag gauge of each partition the consumer's group reads."""
    for tp, lag in (await consumer.lag()).items():
        CONSUMER_LAG.labels(consumer.name, tp.topic, str(tp.partition)).set(lag)


async def ops_metrics_loop(runtime: Any, stop: asyncio.Event) -> None:
    """Measure the gauges every `ops_metrics_seconds` until the service stops."""
    while not stop.is_set():
        await _unless_stopped(stop, _measure(runtime), timeout=ROUND_TIMEOUT_S)
        await wait_or_stop(stop, runtime.settings.ops_metrics_seconds)


async def _measure(runtime: Any) -> None:
    try:
        await measure_outbox(runtime.engine, runtime.outbox, runtime.settings.service_name)
        for consumer in runtime.consumers:
            await measure_lag(consumer)
    except Exception as exc:  # noqa: BLE001 - a gap in a gauge, measured again next round
        log.warning("ops_metrics.failed", error=repr(exc))


async def _unless_stopped(
    stop: asyncio.Event, work: Coroutine[Any, Any, None], *, timeout: float
) -> None:
    """Run `work`, abandoning it when the service stops or it hangs past `timeout`.

    NOTE: a consumer being stopped never answers its offset requests; without this a shutdown
    would wait on the lag measurement for ever.
    """
    job, stopped = asyncio.ensure_future(work), asyncio.ensure_future(stop.wait())
    await asyncio.wait({job, stopped}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    for pending in (job, stopped):
        pending.cancel()
    await asyncio.gather(job, stopped, return_exceptions=True)
