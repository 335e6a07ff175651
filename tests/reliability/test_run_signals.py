"""`make run` (its entry point, `shouwang run`) stops cleanly on SIGTERM sent to its own process,
once everything is ready or while it is still starting: every service, the embedded Postgres and
the broker end, and no port stays open. (SIGINT takes the same path: both raise
KeyboardInterrupt in the runner.)"""

import os
import random
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest
from shouwang.common.plugins import installed_services
from shouwang.common.testing.fixtures import free_port


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def _free_offset() -> int:
    """An offset putting every service port on a free one (no clash with another run).

    NOTE: below the ephemeral range (32768+), where another test's client socket could take a
    port between this check and the service's bind.
    """
    ports = [plugin.port for plugin in installed_services().values()]
    for _ in range(100):
        offset = random.randrange(2_000, 24_000)
        if all(_port_free(port + offset) for port in ports):
            return offset
    raise AssertionError("no free block of service ports")


def _all_ready(urls: list[str], runner: subprocess.Popen[bytes], timeout: float) -> None:
    deadline, pending = time.monotonic() + timeout, set(urls)
    while pending:
        assert runner.poll() is None, f"shouwang run exited early ({runner.returncode})"
        assert time.monotonic() < deadline, f"not ready after {timeout}s: {sorted(pending)}"
        for url in list(pending):
            try:
                if httpx.get(url, timeout=1).status_code == 200:
                    pending.discard(url)
            except httpx.HTTPError:
                pass
        time.sleep(0.3)


def _leftovers(data_dir: Path, family: list[psutil.Process]) -> list[str]:
    """Processes of this run still alive: descendants, or anything running on its data dir."""
    alive = [p for p in family if _alive(p)]
    alive += [proc for proc in psutil.process_iter() if _on(proc, data_dir) and _alive(proc)]
    return sorted({f"{p.pid}: {_command(p)}" for p in alive})


def _alive(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:  # ended while we looked
        return False


def _command(proc: psutil.Process) -> str:
    try:
        return " ".join(proc.cmdline())[:120]
    except psutil.Error:
        return "(ended)"


def _services_spawned(runner: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not any("serve" in p.cmdline() for p in psutil.Process(runner.pid).children()):
        assert runner.poll() is None, f"shouwang run exited early ({runner.returncode})"
        assert time.monotonic() < deadline, "no service started"
        time.sleep(0.05)


@pytest.mark.slow
@pytest.mark.parametrize("when", ["ready", "starting"])
def test_shouwang_run_stops_cleanly_on_sigterm_to_its_own_process(tmp_path, when):
    data_dir = (tmp_path / "data").resolve()
    pg_port, kafka_port, offset = free_port(), free_port(), _free_offset()
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS")}  # fmt: skip
    command = [sys.executable, "-m", "shouwang.common.cli", "run", "--no-demo",
               "--data-dir", str(data_dir), "--pg-port", str(pg_port),
               "--kafka-port", str(kafka_port), "--port-offset", str(offset)]  # fmt: skip
    runner = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, start_new_session=True)
    service_ports = [p.port + offset for p in installed_services().values()]
    family: list[psutil.Process] = []
    try:
        if when == "ready":
            _all_ready([f"http://127.0.0.1:{port}/readyz" for port in service_ports], runner, 240)
        else:
            _services_spawned(runner, 240)
        family = psutil.Process(runner.pid).children(recursive=True)
        runner.send_signal(signal.SIGTERM)  # to the runner alone, not to its process group
        assert runner.wait(timeout=120) == 0
    finally:
        left = _leftovers(data_dir, family)
        _kill(runner, data_dir, family)
    assert left == [], "no process of the run is left"
    busy = [p for p in [*service_ports, pg_port, kafka_port] if not _port_free(p)]
    assert busy == [], "no port of the run is left open"


def _kill(runner: subprocess.Popen[bytes], data_dir: Path, family: list[psutil.Process]) -> None:
    """After a failure, end whatever this run left behind (never another run's processes)."""
    if runner.poll() is None:
        runner.kill()
    for proc in family + [p for p in psutil.process_iter() if _on(p, data_dir)]:
        try:
            proc.kill()
        except psutil.NoSuchProcess:
            pass


def _on(proc: psutil.Process, data_dir: Path) -> bool:
    try:
        return str(data_dir) in " ".join(proc.cmdline())
    except psutil.Error:
        return False
