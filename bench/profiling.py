"""Sampling a service process with py-spy while a case runs; the hottest frames as file:line."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from bench.infra import ROOT


def py_spy() -> str | None:
    """The py-spy executable next to this interpreter, or on PATH."""
    local = Path(sys.executable).parent / "py-spy"
    return str(local) if local.exists() else shutil.which("py-spy")


class Profiler:
    """`py-spy record --format raw` of one pid (idle frames excluded) until stopped.

    NOTE: without --nonblocking: on this kind of host a non-blocking py-spy failed to read a busy
    interpreter ("Failed to find python version") and wrote nothing; pausing it 50 times a
    second costs the service little.
    """

    def __init__(self, pid: int, output: Path, rate: int = 50) -> None:
        self.output = output
        exe = py_spy()
        self.process = (
            None
            if exe is None
            else subprocess.Popen(
                [
                    exe,
                    "record",
                    "--pid",
                    str(pid),
                    "--rate",
                    str(rate),
                    "--format",
                    "raw",
                    "--output",
                    str(output),
                    "--full-filenames",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )

    def stop(self) -> dict[str, Any] | None:
        """Stop sampling and summarise the collapsed stacks (None if py-spy was unavailable)."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
        return summarise(self.output) if self.output.exists() else None


def _frame(raw: str) -> str:
    """`func (/abs/file.py:1)` → `func file.py:1`: repo-relative, or site-packages/stdlib."""
    name, _, where = raw.partition(" (")
    where = where.rstrip(")")
    root = f"{ROOT}/"
    if where.startswith(root) and "/.venv/" not in where:
        where = where[len(root) :]
    else:
        for marker in ("site-packages/", "/lib/python3.11/"):
            if marker in where:
                where = where.split(marker, 1)[1]
                break
    return f"{name} {where}".strip()


def summarise(folded: Path, top: int = 12) -> dict[str, Any]:
    """Top frames by own time and our code (shouwang/) by inclusive time, as % of samples."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in folded.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_frame(f) for f in stack.split(";") if "(" in f]
        if not frames:
            continue
        total += count
        own[frames[-1]] += count
        for frame in set(frames):
            if "/src/shouwang/" in frame:
                inclusive[frame] += count

    def share(counter: Counter[str]) -> list[dict[str, Any]]:
        return [{"frame": f, "pct": round(100 * n / total, 1)} for f, n in counter.most_common(top)]

    return {
        "samples": total,
        "file": folded.name,
        "top_own": share(own),
        "top_inclusive_shouwang": share(inclusive),
    }
