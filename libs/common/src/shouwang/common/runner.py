"""`shouwang run` (make run): embedded stack, migrations, demo county, four services, tokens."""

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

import asyncpg
import httpx
from shouwang.common.config import CommonSettings, redact_url
from shouwang.common.devinfra import stack as devstack
from shouwang.common.geography_store import load_seed_geography
from shouwang.common.migrate import available_services, upgrade
from shouwang.common.plugins import installed_services
from shouwang.common.runner_demo import DEMO_COUNTY, demo_tokens, push_demo_batch


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = subparsers.add_parser("run", help="bring the whole system up locally")
    parser.add_argument("--data-dir", type=Path, default=Path(".data"))
    parser.add_argument("--pg-port", type=int, default=devstack.DEFAULT_PG_PORT)
    parser.add_argument("--kafka-port", type=int, default=devstack.DEFAULT_KAFKA_PORT)
    parser.add_argument("--no-demo", action="store_true", help="do not push the demo batch")
    parser.add_argument(
        "--port-offset", type=int, default=0, help="add to every service port (a second stack)"
    )
    parser.set_defaults(handler=_handle)


def _handle(args: argparse.Namespace) -> int:
    """Run until SIGINT or SIGTERM (from a terminal or sent to this process), then clean up."""
    global _PORT_OFFSET
    _PORT_OFFSET = args.port_offset
    # NOTE: SIGTERM stops us as Ctrl-C does, at any stage, so the cleanup below always runs
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    procs: dict[str, subprocess.Popen[bytes]] = {}
    try:
        _run(args, procs)
    except KeyboardInterrupt:
        pass
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):  # a second signal must not cut cleanup
            signal.signal(signum, signal.SIG_IGN)
        _stop(procs)
        if not (os.environ.get("DATABASE_URL") and os.environ.get("KAFKA_BOOTSTRAP_SERVERS")):
            devstack.down(args.data_dir)
    return 0


def _run(args: argparse.Namespace, procs: dict[str, subprocess.Popen[bytes]]) -> None:
    """Bring everything up, then wait until a signal or a service exits."""
    started = time.monotonic()
    info = devstack.up(data_dir=args.data_dir, pg_port=args.pg_port, kafka_port=args.kafka_port)
    database_url = _app_database(info)
    for service in available_services():
        upgrade(service, database_url)
    asyncio.run(load_seed_geography(database_url))
    services = list(installed_services())
    env = {
        **os.environ,
        **_upstream_urls(services),
        "DATABASE_URL": database_url,
        "KAFKA_BOOTSTRAP_SERVERS": info.kafka_bootstrap,
    }
    logs = args.data_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    for service in services:
        with _signals_deferred():  # a child started must be recorded, or _stop never ends it
            procs[service] = _spawn(service, env, logs / f"{service}.log")
    _wait_ready(services)
    ready_after = time.monotonic() - started
    if not args.no_demo and "warning" in services:
        pushed = asyncio.run(push_demo_batch(_url("warning")))
        print(f"demo batch: {pushed}")
    _print_banner(info, services, ready_after, logs)
    _wait_forever(procs)


_PORT_OFFSET = 0
_deferring = False
_deferred: list[int] = []


def _interrupt(signum: int, frame: FrameType | None) -> None:
    """SIGINT/SIGTERM end the run by KeyboardInterrupt, unless a spawn is under way."""
    if _deferring:
        _deferred.append(signum)
        return
    raise KeyboardInterrupt


@contextmanager
def _signals_deferred() -> Iterator[None]:
    """Hold a stop signal until the block is done (Popen would orphan a child it had started)."""
    global _deferring
    _deferring = True
    try:
        yield
    finally:
        _deferring = False
    if _deferred:
        raise KeyboardInterrupt


def _port(service: str) -> int:
    return installed_services()[service].port + _PORT_OFFSET


def _url(service: str, path: str = "") -> str:
    return f"http://127.0.0.1:{_port(service)}{path}"


def _upstream_urls(services: list[str]) -> dict[str, str]:
    """With a port offset, tell the workbench where the APIs are (WEB_<SERVICE>_URL)."""
    if not _PORT_OFFSET:
        return {}
    return {f"WEB_{service.upper()}_URL": _url(service) for service in services}


def _app_database(info: devstack.StackInfo) -> str:
    if not info.embedded or os.environ.get("DATABASE_URL"):
        return info.database_url
    url = info.database_url.rsplit("/", 1)[0] + "/shouwang"

    async def create() -> None:
        conn = await asyncpg.connect(info.database_url)
        try:
            if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = 'shouwang'"):
                await conn.execute("CREATE DATABASE shouwang")
        finally:
            await conn.close()

    asyncio.run(create())
    return url


def _spawn(service: str, env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    log = log_path.open("ab")
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "shouwang.common.cli",
            "serve",
            service,
            "--port",
            str(_port(service)),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def _wait_ready(services: list[str], timeout_s: float = 180) -> None:
    deadline = time.monotonic() + timeout_s
    pending = set(services)
    while pending:
        for service in list(pending):
            try:
                if httpx.get(_url(service, "/readyz"), timeout=1).status_code == 200:
                    pending.discard(service)
            except httpx.HTTPError:
                pass
        if pending and time.monotonic() > deadline:
            raise SystemExit(
                f"services not ready after {timeout_s}s: {sorted(pending)} (see .data/logs)"
            )
        time.sleep(0.2)


def _print_banner(
    info: devstack.StackInfo, services: list[str], ready_after: float, logs: Path
) -> None:
    print("\n守望 Shouwang is up" + f" ({ready_after:.1f}s; stack timings {info.timings})")
    print(f"  Postgres  {redact_url(info.database_url)}\n  Kafka     {info.kafka_bootstrap}")
    for service in services:
        print(f"  {service:<11} {_url(service, installed_services()[service].landing_page)}")
    if "audit" in services:
        print(f"  dashboard   {_url('audit', '/')}")
    print(f"  logs        {logs}/\n\nDev tokens (county {DEMO_COUNTY}):")
    for label, token in demo_tokens(CommonSettings()).items():
        print(f"  {label:<34} {token}")
    print("\nCtrl-C (or SIGTERM) stops everything.", flush=True)


def _wait_forever(procs: dict[str, subprocess.Popen[bytes]]) -> None:
    """Return when a service exits; a signal ends it by KeyboardInterrupt."""
    while True:
        for service, proc in procs.items():
            if proc.poll() is not None:
                print(f"{service} exited with {proc.returncode}; stopping", file=sys.stderr)
                return
        time.sleep(0.5)


def _stop(procs: dict[str, subprocess.Popen[bytes]]) -> None:
    for proc in procs.values():
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in procs.values():
        try:
            proc.wait(timeout=25)
        except subprocess.TimeoutExpired:
            proc.kill()
