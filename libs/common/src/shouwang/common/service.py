"""What every service shares: runtime (engine, producer, relay, consumers), health and metrics."""

import asyncio
import gc
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import structlog
from aiokafka import AIOKafkaProducer
from fastapi import APIRouter, FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from shouwang.common.clock import Clock, SystemClock
from shouwang.common.config import CommonSettings
from shouwang.common.correlation import CorrelationId
from shouwang.common.crypto import PiiCipher
from shouwang.common.db.engine import build_engine, build_sessionmaker, fill_pool
from shouwang.common.db.uow import UnitOfWork
from shouwang.common.errors import install_error_handlers
from shouwang.common.events.envelope import EventEnvelope
from shouwang.common.geography import Geography
from shouwang.common.http.body_limit import BodyLimit, Limit
from shouwang.common.http.query_guard import QueryGuard
from shouwang.common.http_metrics import RequestMetrics
from shouwang.common.kafka.consumer import BatchHandler, EventConsumer, Handler
from shouwang.common.kafka.lanes import Lanes
from shouwang.common.kafka.producer import build_producer
from shouwang.common.logging import configure_logging
from shouwang.common.ops_metrics import ops_metrics_loop
from shouwang.common.relay import OutboxRelay
from shouwang.common.relay_thread import RelayThread
from shouwang.common.retention import retention_loop
from shouwang.common.retry import Backoff, Retrier, retry
from sqlalchemy import Table, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class ConsumerSpec:
    topics: Sequence[str]
    handler: Handler
    group_suffix: str = ""
    # cheap pre-filter: events it rejects are skipped without a transaction or an inbox row
    accepts: Callable[[EventEnvelope], bool] | None = None
    batch_handler: BatchHandler | None = None
    # independent parts of a poll handled concurrently (kafka.lanes); None: one partition at once
    lanes: Lanes | None = None
    # a consumer whose effect is idempotent by itself may keep its inbox rows for less time
    inbox_retention_days: int | None = None


S = TypeVar("S", bound=CommonSettings)
Loop = Callable[["ServiceRuntime[Any]", asyncio.Event], Coroutine[Any, Any, None]]


@dataclass
class ServiceRuntime(Generic[S]):
    """What a running service holds, typed by its settings (`ServiceRuntime[WarningSettings]`)."""

    settings: S
    clock: Clock
    outbox: Table
    inbox: Table
    engine: AsyncEngine = field(init=False)
    sessionmaker: async_sessionmaker[AsyncSession] = field(init=False)
    producer: AIOKafkaProducer = field(init=False)
    cipher: PiiCipher = field(init=False)
    # the outbox on the service's loop (its purge); publishing runs in `relay_thread`
    relay: OutboxRelay = field(init=False)
    relay_thread: RelayThread = field(init=False)
    consumers: list[EventConsumer] = field(default_factory=list)
    # set when the app stops: open streams and loops end on it
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    _geography: Geography | None = None

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.sessionmaker, self.outbox)

    @property
    def hmac_key(self) -> bytes:
        return self.settings.hmac_key.get_secret_value().encode()

    @property
    def geography(self) -> Geography:
        """The deployment's geography (services that use it load it at start-up)."""
        if self._geography is None:
            raise RuntimeError("this service did not load the geography at start-up")
        return self._geography

    @geography.setter
    def geography(self, value: Geography) -> None:
        self._geography = value


async def current_runtime(request: Request) -> ServiceRuntime[Any]:
    """The app's runtime, as a dependency (async: a sync one would hop to the threadpool)."""
    runtime: ServiceRuntime[Any] = request.app.state.runtime
    return runtime


# producer.start() before the broker is up; a consumer's (re)start after a crash
START_BACKOFF = Backoff(first=0.2, cap=2.0)
RESTART_BACKOFF = Backoff(first=1.0, cap=10.0)


async def _start_producer(producer: AIOKafkaProducer, timeout_s: float = 60) -> None:
    await retry(
        producer.start, backoff=START_BACKOFF, give_up_after=timeout_s, event="producer.start_retry"
    )


async def _run_consumer(consumer: EventConsumer, stop: asyncio.Event) -> None:
    crashes = Retrier(RESTART_BACKOFF, stop=stop)
    while not stop.is_set():
        try:
            await consumer.start()
            crashes.succeeded()
            await consumer.run(stop)
        except Exception as exc:  # noqa: BLE001 - restart the loop; offsets are safe
            log.error("consumer.crashed", consumer=consumer.name, error=repr(exc))
            await crashes.pause()
        finally:
            await consumer.stop()


Consumers = Callable[[ServiceRuntime[S]], Sequence[ConsumerSpec]]
StartupHook = Callable[[ServiceRuntime[S]], Awaitable[None]]


def create_service_app(
    *,
    settings: S,
    title: str,
    outbox: Table,
    inbox: Table,
    routers: Sequence[APIRouter],
    consumers: Consumers[S] | None = None,
    loops: Sequence[Loop] = (),
    clock: Clock | None = None,
    on_startup: StartupHook[S] | None = None,
    body_limits: Sequence[Limit] = (),
) -> FastAPI:
    """Build a service app whose lifespan owns the engine, producer, relay and consumers."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(service_name=settings.service_name, level=settings.log_level)
        runtime = await _open_runtime(settings, clock or SystemClock(), outbox, inbox)
        app.state.runtime = runtime
        if on_startup:
            await on_startup(runtime)
        if settings.gc_freeze_after_startup:
            # the national geography is ~665k regions held for the process's life: a full cyclic
            # collection walking them all stalls every request in flight
            gc.collect()
            gc.freeze()
        specs = consumers(runtime) if consumers else ()
        tasks = _start_workers(runtime, specs, loops)
        log.info("service.started", service=settings.service_name)
        try:
            yield
        finally:
            runtime.stopping.set()
            await asyncio.gather(*tasks, return_exceptions=True)
            await runtime.producer.stop()
            await runtime.engine.dispose()
            log.info("service.stopped", service=settings.service_name)

    app = FastAPI(title=title, lifespan=lifespan, version="1.0.0")
    app.state.settings = settings
    install_error_handlers(app)
    if body_limits:
        # inside the metrics middleware, so a refused body is counted as the 413 it is
        app.add_middleware(BodyLimit, limits=body_limits)
    app.add_middleware(QueryGuard)
    _install_ops_routes(app, settings.service_name)
    for router in routers:
        app.include_router(router)
    return app


async def _open_runtime(
    settings: S, clock: Clock, outbox: Table, inbox: Table
) -> ServiceRuntime[S]:
    """Engine, cipher, started producer and relay of a service."""
    runtime = ServiceRuntime(settings=settings, clock=clock, outbox=outbox, inbox=inbox)
    runtime.engine = build_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        overflow=settings.db_pool_overflow,
        pre_ping=settings.db_pool_pre_ping,
    )
    runtime.sessionmaker = build_sessionmaker(runtime.engine)
    if settings.db_pool_fill:
        await fill_pool(runtime.engine, settings.db_pool_size)
    runtime.cipher = PiiCipher.from_secret(
        settings.encryption_key.get_secret_value(), previous=settings.previous_encryption_keys
    )
    runtime.producer = build_producer(
        settings.kafka_bootstrap_servers, **settings.kafka_client_options()
    )
    await _start_producer(runtime.producer)
    runtime.relay = OutboxRelay(
        engine=runtime.engine,
        table=outbox,
        producer=runtime.producer,
        batch_size=settings.relay_batch_size,
        idle_seconds=settings.relay_idle_seconds,
        retention_days=settings.outbox_retention_days,
    )
    runtime.relay_thread = RelayThread(settings, outbox)
    return runtime


def _start_workers(
    runtime: ServiceRuntime[S], specs: Sequence[ConsumerSpec], loops: Sequence[Loop]
) -> list[asyncio.Task[None]]:
    """Start the relay, one consumer per spec, the service's loops and the shared ones."""
    stop = runtime.stopping
    runtime.relay_thread.start()
    tasks = [asyncio.create_task(_stop_relay(runtime.relay_thread, stop), name="relay")]
    for spec in specs:
        consumer = _consumer(runtime, spec)
        runtime.consumers.append(consumer)
        tasks.append(asyncio.create_task(_run_consumer(consumer, stop), name=consumer.name))
    shared = [retention_loop(runtime.settings.service_name), ops_metrics_loop]
    tasks += [asyncio.create_task(loop(runtime, stop)) for loop in [*loops, *shared]]
    return tasks


async def _stop_relay(relay: RelayThread, stop: asyncio.Event) -> None:
    await stop.wait()
    await relay.stop()


def _consumer(runtime: ServiceRuntime[S], spec: ConsumerSpec) -> EventConsumer:
    settings = runtime.settings
    return EventConsumer(
        name=f"shouwang-{settings.service_name}{spec.group_suffix}",
        bootstrap_servers=settings.kafka_bootstrap_servers,
        topics=spec.topics,
        handler=spec.handler,
        sessionmaker=runtime.sessionmaker,
        inbox=runtime.inbox,
        producer=runtime.producer,
        session_timeout_ms=settings.consumer_session_timeout_ms,
        heartbeat_interval_ms=settings.consumer_heartbeat_interval_ms,
        accepts=spec.accepts,
        batch_handler=spec.batch_handler,
        client_options=settings.kafka_client_options(),
        lanes=spec.lanes,
        inbox_retention_days=spec.inbox_retention_days,
    )


def _install_ops_routes(app: FastAPI, service: str) -> None:
    app.add_middleware(RequestMetrics, service=service)
    app.add_middleware(CorrelationId)  # outermost: everything inside logs under the request's id

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz(request: Request, response: Response) -> dict[str, Any]:
        runtime: ServiceRuntime[Any] = request.app.state.runtime
        checks = {"database": await _check_db(runtime), "broker": await _check_broker(runtime)}
        ready = all(checks.values())
        response.status_code = 200 if ready else 503
        return {"status": "ready" if ready else "not_ready", "checks": checks}

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


async def _check_db(runtime: ServiceRuntime[Any]) -> bool:
    try:
        async with asyncio.timeout(2):
            async with runtime.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001 - any failure means not ready
        return False


async def _check_broker(runtime: ServiceRuntime[Any]) -> bool:
    try:
        async with asyncio.timeout(2):
            return bool(await runtime.producer.client.fetch_all_metadata())
    except Exception:  # noqa: BLE001 - any failure means not ready
        return False
