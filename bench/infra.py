"""The bench's own servers and processes: embedded Postgres, a fresh broker per case, services.

Every case gets its own database (a copy of a migrated, geography-loaded template) and its own
in-memory broker, so one case's events never become another's backlog.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
import psutil
from shouwang.common.devinfra.broker import EmbeddedBroker
from shouwang.common.devinfra.postgres import EmbeddedPostgres
from shouwang.common.events.topics import all_topic_partitions
from shouwang.common.kafka.admin import ensure_topics, wait_for_broker

ROOT = Path(__file__).resolve().parent.parent
BENCH_TOPICS = {"bench.limit": 12}
# what the services and the bench must never inherit: they would point at someone else's servers
_FOREIGN_ENV = (
    "DATABASE_URL",
    "KAFKA_BOOTSTRAP_SERVERS",
    "SHOUWANG_DATABASE_URL",
    "SHOUWANG_KAFKA_BOOTSTRAP_SERVERS",
)


def free_port() -> int:
    """An unused TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def execute(url: str, *statements: str) -> None:
    """Run statements on one connection."""
    conn = await asyncpg.connect(url)
    try:
        for sql in statements:
            await conn.execute(sql)
    finally:
        await conn.close()


@dataclass
class Service:
    """A service running as its own process (`python -m shouwang.common.cli serve <name>`)."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path
    spawned_at: float = field(default_factory=time.monotonic)
    ready_s: float | None = None
    ready_error: str | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def watch_ready(self, timeout_s: float = 300) -> threading.Thread:
        """Poll readiness in a thread from now on; `ready_s` is set when it answers."""

        def poll() -> None:
            try:
                self.ready_s = self.wait_ready(timeout_s)
            except RuntimeError as exc:
                self.ready_error = str(exc)

        thread = threading.Thread(target=poll, daemon=True)
        thread.start()
        return thread

    def wait_ready(self, timeout_s: float = 120) -> float:
        """Poll /readyz until 200; return the seconds since the process was spawned."""
        started = time.monotonic()
        while time.monotonic() - started < timeout_s:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited at start-up; see {self.log_path}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return time.monotonic() - self.spawned_at
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} not ready after {timeout_s}s; see {self.log_path}")

    def stop(self) -> None:
        """SIGTERM (graceful), SIGKILL after 30 s."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@dataclass
class CaseContext:
    """What one case runs against: its database, its broker and its service process."""

    database_url: str
    bootstrap: str
    broker_pid: int
    service: Service
    # every process behind the service (the first is `service`); more than one for replicas
    replicas: list[Service] = field(default_factory=list)

    @property
    def processes(self) -> list[Service]:
        """The service's processes: its replicas, or the one process."""
        return self.replicas or [self.service]

    def stop(self) -> None:
        """Stop every process of the service."""
        for process in self.processes:
            process.stop()


@dataclass
class RssSampler:
    """Samples the resident set size of named processes in a thread; keeps the peaks (bytes).

    Also the CPU seconds (user + system) each one spent while sampled, and, with `backends_of`
    set to a database name, those of the Postgres backends connected to that database: on a
    shared machine the wall-clock rates move with the load, the CPU spent per item much less.
    """

    interval_s: float = 0.1
    backends_every: int = 5  # scan for the database's backends every this many samples
    pids: dict[str, int] = field(default_factory=dict)
    peaks: dict[str, int] = field(default_factory=dict)
    backends_of: str | None = None
    _cpu: dict[int, tuple[float, float]] = field(default_factory=dict)  # pid -> first, last
    _backends: set[int] = field(default_factory=set)
    _ticks: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def watch(self, name: str, pid: int) -> None:
        """Add a process to sample."""
        self.pids[name] = pid

    def __enter__(self) -> RssSampler:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join()
        self.sample()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval_s)

    def sample(self) -> None:
        """Take one sample of every watched process (gone processes are skipped)."""
        for name, pid in list(self.pids.items()):
            try:
                process = psutil.Process(pid)
                rss = process.memory_info().rss
                self._cpu_of(pid, process)
            except psutil.Error:
                continue
            self.peaks[name] = max(self.peaks.get(name, 0), rss)
        if self.backends_of:
            if self._ticks % self.backends_every == 0:
                self._find_backends(self.backends_of)
            for pid in list(self._backends):
                try:
                    self._cpu_of(pid, psutil.Process(pid))
                except psutil.Error:
                    self._backends.discard(pid)
        self._ticks += 1

    def _cpu_of(self, pid: int, process: psutil.Process) -> None:
        times = process.cpu_times()
        spent = times.user + times.system
        first = self._cpu.get(pid, (spent, spent))[0]
        self._cpu[pid] = (first, spent)

    def _find_backends(self, database: str) -> None:
        for process in psutil.process_iter(["cmdline"]):
            cmdline = process.info.get("cmdline") or []
            if cmdline and cmdline[0].startswith("postgres:") and f" {database} " in cmdline[0]:
                self._backends.add(process.pid)

    def peaks_mb(self) -> dict[str, float]:
        """The peaks in MiB."""
        return {name: round(rss / 2**20, 1) for name, rss in self.peaks.items()}

    def cpu_s(self) -> dict[str, float]:
        """CPU seconds spent while sampled, per watched process (+ `postgres`: the backends)."""
        spent = {
            name: round(self._cpu[pid][1] - self._cpu[pid][0], 2)
            for name, pid in self.pids.items()
            if pid in self._cpu
        }
        if self.backends_of:
            others = set(self.pids.values())
            spent["postgres"] = round(
                sum(last - first for pid, (first, last) in self._cpu.items() if pid not in others),
                2,
            )
        return spent


class BenchStack:
    """Embedded Postgres under a temp dir, the template database, per-case databases/brokers."""

    def __init__(self, work_dir: Path | None = None) -> None:
        for name in _FOREIGN_ENV:
            os.environ.pop(name, None)
        self.work_dir = Path(work_dir or tempfile.mkdtemp(prefix="shouwang-bench-"))
        self.logs = self.work_dir / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.postgres = EmbeddedPostgres(
            self.work_dir / "pg", free_port(), self.logs / "postgres.log"
        )
        self.server_url = ""
        self.template = ""
        self._brokers: list[EmbeddedBroker] = []
        self._services: list[Service] = []

    def start(self) -> None:
        """Start Postgres."""
        self.server_url = self.postgres.start()

    def db_url(self, name: str) -> str:
        return self.server_url.rsplit("/", 1)[0] + f"/{name}"

    def create_template(self, name: str = "bench_template") -> str:
        """Create the (empty) template database; the caller migrates and loads it."""
        asyncio.run(execute(self.server_url, f'CREATE DATABASE "{name}"'))
        self.template = name
        return self.db_url(name)

    def case_database(self, case: str) -> str:
        """A fresh copy of the template for one case."""
        name = f"bench_{case}_{uuid.uuid4().hex[:6]}"
        asyncio.run(
            execute(self.server_url, f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        )
        return self.db_url(name)

    @contextmanager
    def broker(self) -> Iterator[tuple[str, int]]:
        """A fresh in-memory broker with every catalogue topic; yields (bootstrap, pid)."""
        broker = EmbeddedBroker(free_port(), self.logs / f"tansu-{len(self._brokers)}.log")
        self._brokers.append(broker)
        bootstrap = broker.start()
        try:
            asyncio.run(_prepare_topics(bootstrap))
            yield bootstrap, broker._read_pid() or 0
        finally:
            broker.stop()

    def spawn(
        self, service: str, *, database_url: str, bootstrap: str, env: dict[str, str] | None = None
    ) -> Service:
        """Start one service as a separate process on a free port (not yet ready)."""
        port = free_port()
        log_path = self.logs / f"{service}-{port}.log"
        full_env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
            **(env or {}),
        }
        with open(log_path, "ab") as log:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "shouwang.common.cli",
                    "serve",
                    service,
                    "--port",
                    str(port),
                ],
                env=full_env,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
            )
        started = Service(service, port, process, log_path)
        self._services.append(started)
        return started

    def close(self, *, keep: bool = False) -> None:
        """Stop every service, broker and Postgres; remove the work dir unless `keep`."""
        for service in self._services:
            service.stop()
        for broker in self._brokers:
            broker.stop()
        self.postgres.stop()
        if not keep:
            shutil.rmtree(self.work_dir, ignore_errors=True)


async def _prepare_topics(bootstrap: str) -> None:
    await wait_for_broker(bootstrap, timeout_s=30)
    await ensure_topics(bootstrap, {**all_topic_partitions(), **BENCH_TOPICS})
