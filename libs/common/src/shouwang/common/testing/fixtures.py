"""pytest plugin: real Postgres and Kafka-protocol broker for the whole run; app and token helpers.

Embedded by default (started under a temp dir); DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS point the
run at external servers instead. Either way the run gets its own freshly migrated database.
"""

import asyncio
import os
import shutil
import socket
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from shouwang.common.auth.tokens import issue_token
from shouwang.common.config import CommonSettings
from shouwang.common.devinfra import stack as devstack
from shouwang.common.events.topics import all_topic_partitions
from shouwang.common.kafka.admin import ensure_topics

S = TypeVar("S", bound=CommonSettings)
TEST_SETTINGS = {
    "consumer_session_timeout_ms": 6000,
    "consumer_heartbeat_interval_ms": 2000,
    "relay_idle_seconds": 0.02,
    "gc_freeze_after_startup": False,
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def stack() -> Iterator[devstack.StackInfo]:
    """The servers: embedded unless DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS are set."""
    # NOTE: not under pytest's basetemp: concurrent pytest runs prune each other's old basetemps,
    # which would delete a live Postgres data directory
    data_dir = Path(tempfile.mkdtemp(prefix="shouwang-stack-"))
    info = devstack.up(data_dir=data_dir, pg_port=free_port(), kafka_port=free_port())
    if not info.embedded or os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        asyncio.run(ensure_topics(info.kafka_bootstrap, all_topic_partitions()))
    yield info
    devstack.down(data_dir)
    shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def database_url(stack: devstack.StackInfo) -> Iterator[str]:
    """A fresh database for this run, every service migrated, the seed geography loaded."""
    name = f"shouwang_test_{uuid.uuid4().hex[:10]}"
    server = stack.database_url
    asyncio.run(_execute(server, f'CREATE DATABASE "{name}"'))
    url = server.rsplit("/", 1)[0] + f"/{name}"
    from shouwang.common.geography_store import load_seed_geography
    from shouwang.common.migrate import available_services, upgrade

    for service in available_services():
        upgrade(service, url)
    asyncio.run(load_seed_geography(url))
    yield url
    asyncio.run(_execute(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _execute(url: str, sql: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def make_settings(database_url: str, stack: devstack.StackInfo) -> Callable[..., Any]:
    """Build a service's settings pointed at the test servers."""

    def build(cls: type[S], **overrides: Any) -> S:
        values = {
            **TEST_SETTINGS,
            "database_url": database_url,
            "kafka_bootstrap_servers": stack.kafka_bootstrap,
            **overrides,
        }
        return cls.model_validate(values)

    return build


@asynccontextmanager
async def running_app(
    app: FastAPI, base_url: str = "http://testserver"
) -> AsyncIterator[httpx.AsyncClient]:
    """Run an app's lifespan (relay, consumers) and give an HTTP client to it."""
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=30) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url=base_url, timeout=60) as client:
            client.app = app  # type: ignore[attr-defined]  # tests reach app.state.runtime
            yield client


def auth(role: str, scope: str = "", county: str | None = None, **kwargs: Any) -> dict[str, str]:
    """Authorization header with a dev token (default dev secret)."""
    token = issue_token(CommonSettings(), role=role, scope=scope, county=county, **kwargs)
    return {"Authorization": f"Bearer {token}"}


async def wait_until(
    check: Callable[[], Awaitable[Any]],
    *,
    timeout: float = 90.0,
    interval: float = 0.05,
    what: str = "condition",
) -> Any:
    """Poll an async check until it returns something truthy; fail after the timeout."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await check()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(interval)


async def list_all(
    client: httpx.AsyncClient,
    path: str,
    *,
    headers: dict[str, str],
    params: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Every item of a cursor-paged list (`items` + `next_cursor`), following the cursor.

    Tests share one database per run, so a scope's list holds other tests' rows too: looking for
    one's own item on the first page only is a race with whatever ran before.
    """
    query = {"limit": 500, **(params or {})}
    items: list[dict[str, Any]] = []
    while True:
        resp = await client.get(path, headers=headers, params=query)
        assert resp.status_code == 200, resp.text
        page = resp.json()
        items.extend(page["items"])
        if not page.get("next_cursor"):
            return items
        query["cursor"] = page["next_cursor"]
