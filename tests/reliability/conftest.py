"""Reliability fixtures: services as real OS processes, a private broker, private databases.

Every server a test kills is its own: the session's shared Postgres and broker serve the other
tests (and the in-process apps of the root conftest, whose consumer groups would otherwise share
partitions with these processes), so they are never killed here.
"""

import asyncio
import os
import random
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from shouwang.common.clock import SHANGHAI
from shouwang.common.devinfra import EmbeddedBroker
from shouwang.common.events.topics import all_topic_partitions
from shouwang.common.geography_store import load_seed_geography
from shouwang.common.idnumber import generate_id_number
from shouwang.common.kafka.admin import ensure_topics, wait_for_broker
from shouwang.common.migrate import available_services, upgrade
from shouwang.common.testing.fixtures import auth, wait_until

COUNTY = "231226"
VILLAGES = ("231226100201", "231226101200")  # one village in each seed township
DEPARTMENT = "medical_insurance"
# settings of the spawned services: quick relay, small relay batches (a kill lands mid-publish)
SERVICE_ENV = {
    "WARNING_RELAY_IDLE_SECONDS": "0.02",
    "WARNING_RELAY_BATCH_SIZE": "100",
    "AUDIT_RELAY_IDLE_SECONDS": "0.02",
    "WARNING_DEADLINE_SWEEP_SECONDS": "600",
}
_SCRUBBED = ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "SHOUWANG_DATABASE_URL",
             "SHOUWANG_KAFKA_BOOTSTRAP_SERVERS")  # fmt: skip


def server_port() -> int:
    """A free port below the kernel's ephemeral range, for servers a test kills and restarts.

    While a server is down its clients keep reconnecting; with a port inside the ephemeral range
    one of those attempts can pick the same port as its source and connect to itself (TCP
    simultaneous open), squatting the port so the restarted server cannot bind it.
    """
    try:
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError):
        low = 32768
    rng = random.SystemRandom()
    for _ in range(500):
        port = rng.randrange(20000, low)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port below the ephemeral range")


@dataclass
class ServiceProcess:
    """One service run as `python -m shouwang.common.cli serve <service>` in its own group."""

    service: str
    port: int
    env: dict[str, str]
    log_path: Path
    proc: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Spawn the process (same port every time, like a supervisor restarting it)."""
        argv = [sys.executable, "-m", "shouwang.common.cli", "serve", self.service,
                "--port", str(self.port)]  # fmt: skip
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                argv, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip
        self.starts += 1

    def kill(self) -> None:
        """SIGKILL the whole process group: no shutdown hook, no relay drain, no offset commit."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def stop(self, timeout: float = 30) -> None:
        """SIGTERM (graceful), SIGKILL after `timeout`."""
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:]

    async def status(self, path: str) -> int | None:
        """HTTP status of GET `path`, None when nothing answers."""
        if self.proc is None or self.proc.poll() is not None:
            raise AssertionError(f"{self.service} exited:\n{self.log_tail()}")
        try:
            async with httpx.AsyncClient(timeout=5) as client:
                return (await client.get(self.url + path)).status_code
        except httpx.HTTPError:
            return None

    async def wait_ready(self, timeout: float = 60) -> None:
        """Wait until /readyz answers 200."""

        async def ready() -> bool:
            return await self.status("/readyz") == 200

        await wait_until(ready, timeout=timeout, interval=0.1, what=f"{self.service} ready")

    async def restart(self) -> None:
        """Start again after a kill and wait until ready."""
        self.start()
        await self.wait_ready()


@pytest.fixture
def spawn_service(tmp_path: Path) -> Iterator[Callable[..., ServiceProcess]]:
    """Factory: spawn a service process against a database and broker; all stopped at the end."""
    spawned: list[ServiceProcess] = []

    def spawn(service: str, *, database_url: str, bootstrap: str) -> ServiceProcess:
        env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED}
        env |= SERVICE_ENV | {"DATABASE_URL": database_url, "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
                              "PYTHONUNBUFFERED": "1"}  # fmt: skip
        process = ServiceProcess(service, server_port(), env, tmp_path / f"{service}.log")
        spawned.append(process)
        process.start()
        return process

    yield spawn
    for process in spawned:
        process.stop()


@pytest.fixture
async def own_broker(tmp_path: Path) -> AsyncIterator[EmbeddedBroker]:
    """A private Tansu broker (killable) with the catalogue topics."""
    broker = EmbeddedBroker(server_port(), tmp_path / "tansu.log")
    await asyncio.to_thread(broker.start)
    try:
        await restore_topics(broker)
        yield broker
    finally:
        await asyncio.to_thread(broker.stop)


async def restore_topics(broker: EmbeddedBroker) -> None:
    """Wait for the broker and create the catalogue topics it is missing."""
    await wait_for_broker(broker.bootstrap, timeout_s=30)
    await ensure_topics(broker.bootstrap, all_topic_partitions())


async def prepare_database(server_url: str, name: str) -> str:
    """Create database `name` on a server, migrate every service, load the seed geography."""
    conn = await asyncpg.connect(server_url)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    url = server_url.rsplit("/", 1)[0] + f"/{name}"
    for service in available_services():
        await asyncio.to_thread(upgrade, service, url)
    await load_seed_geography(url)
    return url


@pytest.fixture
async def private_database(stack: Any) -> AsyncIterator[str]:
    """A fresh, migrated database on the session's Postgres server, dropped afterwards."""
    name = f"shouwang_rel_{uuid.uuid4().hex[:10]}"
    url = await prepare_database(stack.database_url, name)
    try:
        yield url
    finally:
        conn = await asyncpg.connect(stack.database_url)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()


def current_period() -> str:
    now = datetime.now(SHANGHAI)
    return f"{now.year:04d}-{now.month:02d}"


@dataclass
class Department:
    """A department client: pushes with an Idempotency-Key; after a failure, retries once ready."""

    service: ServiceProcess
    rng: random.Random = field(default_factory=lambda: random.Random(20261110))
    seen: set[str] = field(default_factory=set)
    retries: int = 0

    def batch(self, size: int) -> dict[str, Any]:
        """A body of `size` items, each a new (synthetic) person."""
        items = []
        while len(items) < size:
            id_number = generate_id_number(self.rng, region=COUNTY)
            if id_number in self.seen:
                continue
            self.seen.add(id_number)
            items.append({"id_number": id_number, "name": "测试人员",
                          "village_code": VILLAGES[len(items) % 2],
                          "indicator": "large_medical_expense",
                          "values": {"self_paid_yuan": 20000 + len(items)}})  # fmt: skip
        return {"department": DEPARTMENT, "period": current_period(), "urgent": True,
                "urgent_reason": "可靠性测试", "items": items}  # fmt: skip

    async def push(self, body: dict[str, Any], key: str) -> dict[str, Any]:
        """POST until answered 202 (a retry after a crash replays or files the batch once)."""
        headers = {**auth("department", DEPARTMENT, county=COUNTY), "Idempotency-Key": key}
        while True:
            try:
                async with httpx.AsyncClient(timeout=120) as client:
                    resp = await client.post(f"{self.service.url}/api/v1/warning-batches",
                                             json=body, headers=headers)  # fmt: skip
                if resp.status_code == 202:
                    return dict(resp.json())
                if resp.status_code < 500:
                    raise AssertionError(f"push refused: {resp.status_code} {resp.text[:500]}")
            except httpx.TransportError:
                pass
            self.retries += 1
            await wait_until(self._answering, timeout=120, interval=0.1, what="warning back up")

    async def _answering(self) -> bool:
        proc = self.service.proc
        if proc is None or proc.poll() is not None:
            return False  # killed: the test restarts it
        try:
            async with httpx.AsyncClient(timeout=5) as client:
                return (await client.get(f"{self.service.url}/readyz")).status_code == 200
        except httpx.HTTPError:
            return False
