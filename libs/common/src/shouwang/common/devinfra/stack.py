"""The local stack: embedded Postgres + broker under one data directory, or external servers."""

import asyncio
import json
import logging
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from shouwang.common.devinfra.broker import EmbeddedBroker, port_open
from shouwang.common.devinfra.postgres import EmbeddedPostgres
from shouwang.common.events.topics import all_topic_partitions
from shouwang.common.kafka.admin import ensure_topics, wait_for_broker

log = logging.getLogger(__name__)

DEFAULT_DATA_DIR = Path(".data")
DEFAULT_PG_PORT = 55432
DEFAULT_KAFKA_PORT = 59092
_STATE_FILE = "stack.json"


@dataclass
class StackInfo:
    """Where the stack's database and broker are, and how long bringing them up took."""

    database_url: str
    kafka_bootstrap: str
    embedded: bool
    timings: dict[str, float] = field(default_factory=dict)  # step -> seconds


def _postgres(data_dir: Path, port: int) -> EmbeddedPostgres:
    return EmbeddedPostgres(data_dir / "pg", port, data_dir / "logs" / "postgres.log")


def _broker(data_dir: Path, port: int) -> EmbeddedBroker:
    return EmbeddedBroker(port, data_dir / "logs" / "tansu.log")


def _read_ports(data_dir: Path) -> dict[str, int]:
    try:
        state: dict[str, int] = json.loads((data_dir / _STATE_FILE).read_text())
        return state
    except (OSError, ValueError):
        return {"pg_port": DEFAULT_PG_PORT, "kafka_port": DEFAULT_KAFKA_PORT}


def plain_postgres_url(url: str) -> str:
    """Return `url` with the plain `postgresql://` scheme (drivers such as +asyncpg stripped)."""
    scheme, sep, rest = url.partition("://")
    return f"postgresql://{rest}" if sep and scheme.startswith("postgres") else url


def _timed(timings: dict[str, float], step: str, started: float) -> None:
    timings[step] = round(time.monotonic() - started, 3)
    log.info("dev stack: %s took %.3f s", step, timings[step])


def up(
    data_dir: Path = DEFAULT_DATA_DIR,
    pg_port: int = DEFAULT_PG_PORT,
    kafka_port: int = DEFAULT_KAFKA_PORT,
) -> StackInfo:
    """Bring the stack up (idempotent) and create every catalogue topic; return where it is."""
    data_dir = data_dir.resolve()
    timings: dict[str, float] = {}
    database_url = os.environ.get("DATABASE_URL")
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    embedded = not (database_url and bootstrap)
    if embedded:
        data_dir.mkdir(parents=True, exist_ok=True)
        (data_dir / _STATE_FILE).write_text(
            json.dumps({"pg_port": pg_port, "kafka_port": kafka_port})
        )
    if not database_url:
        started = time.monotonic()
        database_url = _postgres(data_dir, pg_port).start()
        _timed(timings, "postgres_start", started)
    if not bootstrap:
        started = time.monotonic()
        bootstrap = _broker(data_dir, kafka_port).start()
        _timed(timings, "broker_start", started)
    started = time.monotonic()
    asyncio.run(_prepare_broker(bootstrap))
    _timed(timings, "topics", started)
    return StackInfo(plain_postgres_url(database_url), bootstrap, embedded, timings)


async def _prepare_broker(bootstrap: str) -> None:
    await wait_for_broker(bootstrap, timeout_s=30)
    await ensure_topics(bootstrap, all_topic_partitions())


def down(data_dir: Path = DEFAULT_DATA_DIR) -> None:
    """Stop the embedded broker and Postgres of `data_dir` (data on disk is kept)."""
    data_dir = data_dir.resolve()
    ports = _read_ports(data_dir)
    _broker(data_dir, ports["kafka_port"]).stop()
    if (data_dir / "pg").exists():
        _postgres(data_dir, ports["pg_port"]).stop()


def status(data_dir: Path = DEFAULT_DATA_DIR) -> dict[str, Any]:
    """Report whether the embedded servers of `data_dir` run, and their addresses."""
    data_dir = data_dir.resolve()
    ports = _read_ports(data_dir)
    pg = _postgres(data_dir, ports["pg_port"])
    broker = _broker(data_dir, ports["kafka_port"])
    pg_running = (data_dir / "pg").exists() and pg.is_running()
    return {
        "data_dir": str(data_dir),
        "postgres": {"running": pg_running, "url": pg.url()},
        "broker": {
            "running": broker.is_running() and port_open(broker.port),
            "bootstrap": broker.bootstrap,
        },
        "external": {
            "DATABASE_URL": os.environ.get("DATABASE_URL"),
            "KAFKA_BOOTSTRAP_SERVERS": os.environ.get("KAFKA_BOOTSTRAP_SERVERS"),
        },
    }


def as_dict(info: StackInfo) -> dict[str, Any]:
    """Return `info` as a JSON-ready dict."""
    return asdict(info)
