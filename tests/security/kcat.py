"""Read topics from outside the services with Debian's `kcat` (librdkafka from the wheel)."""

import asyncio
import glob
import json
import os
import shutil
import sysconfig
import tempfile
from pathlib import Path
from typing import Any


def kcat_env() -> dict[str, str]:
    """Environment running kcat on the confluent-kafka wheel's librdkafka (Debian's cannot
    negotiate API versions with the embedded broker)."""
    site = sysconfig.get_paths()["purelib"]
    bundled = glob.glob(os.path.join(site, "confluent_kafka.libs", "librdkafka*.so*"))
    assert bundled, "librdkafka of the confluent-kafka wheel not found"
    libdir = Path(tempfile.mkdtemp(prefix="kcat-lib-"))
    (libdir / "librdkafka.so.1").symlink_to(bundled[0])
    return {**os.environ, "LD_LIBRARY_PATH": str(libdir)}


async def read_topic(bootstrap: str, topic: str, env: dict[str, str],
                     seconds: float) -> list[dict[str, Any]]:
    """Every record of a topic from the beginning: consume for `seconds`, then stop (no `-e`:
    the broker under-reports the end offset of multi-record batches, so -e can miss the tail)."""
    kcat = shutil.which("kcat")
    assert kcat, "kcat is not installed (apt-get install kcat; .ci/run does it)"
    proc = await asyncio.create_subprocess_exec(
        kcat, "-C", "-b", bootstrap, "-t", topic, "-o", "beginning", "-J", "-q",
        "-X", "broker.address.family=v4",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env)
    lines: list[bytes] = []

    async def pump() -> None:
        assert proc.stdout is not None
        while line := await proc.stdout.readline():
            lines.append(line)

    reader = asyncio.create_task(pump())
    await asyncio.sleep(seconds)
    proc.terminate()
    await proc.wait()
    await reader
    assert proc.stderr is not None
    err = await proc.stderr.read()
    assert b"ERROR" not in err, err.decode(errors="replace")[:500]
    return [json.loads(line) for line in lines if line.strip()]


async def read_all(bootstrap: str, topics: list[str], seconds: float = 12) -> dict[str, list[Any]]:
    """Every record of every topic, the topics read in parallel."""
    env = kcat_env()
    results = await asyncio.gather(*(read_topic(bootstrap, t, env, seconds) for t in topics))
    return dict(zip(topics, results, strict=True))
