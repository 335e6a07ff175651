"""Writing a run's results: the JSON files, a short table on stdout, PNG plots."""

from __future__ import annotations

import json
import os
import platform
import re
from pathlib import Path
from typing import Any

import psutil


def machine() -> dict[str, Any]:
    """What the numbers ran on (load average included: the machine may be shared)."""
    model = ""
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        if found := re.search(r"model name\s*:\s*(.+)", cpuinfo):
            model = found.group(1).strip()
    except OSError:
        pass
    return {
        "cpu": model or platform.processor(),
        "cores": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def write_json(result: dict[str, Any], out_dir: Path, stem: str, latest: str) -> Path:
    """Write `<stem>.json` and `<latest>.json` into `out_dir`; return the dated file."""
    out_dir.mkdir(parents=True, exist_ok=True)
    text = json.dumps(result, ensure_ascii=False, indent=2) + "\n"
    path = out_dir / f"{stem}.json"
    path.write_text(text, encoding="utf-8")
    (out_dir / f"{latest}.json").write_text(text, encoding="utf-8")
    return path


def _fmt(value: Any, unit: str = "") -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        value = f"{value:,.1f}" if abs(value) >= 10 else f"{value:,.3f}"
    elif isinstance(value, int):
        value = f"{value:,}"
    return f"{value}{unit}"


def table_rows(cases: dict[str, Any]) -> list[tuple[str, str]]:
    """(metric, value) lines for the stdout table."""
    rows: list[tuple[str, str]] = []
    if e2e := cases.get("e2e"):
        rows += [
            (
                f"e2e push: {e2e['items']:,} items, {e2e['counties']} counties",
                _fmt(e2e["items_per_s"], " items/s"),
            ),
            (
                "e2e push HTTP p50 / p99 per batch",
                f"{_fmt(e2e['push_http_latency']['p50_ms'], ' ms')} / "
                f"{_fmt(e2e['push_http_latency']['p99_ms'], ' ms')}",
            ),
            (
                "e2e batch push → all tasks on topic p50 / p99",
                f"{_fmt(e2e['batch_to_topic_latency']['p50_ms'], ' ms')} / "
                f"{_fmt(e2e['batch_to_topic_latency']['p99_ms'], ' ms')}",
            ),
            (
                "physical limit (COPY + produce)",
                _fmt(e2e["limit"]["limit_items_per_s"], " items/s"),
            ),
            ("e2e ÷ limit", _fmt(e2e["ratio_to_limit"])),
            ("peak RSS (MiB)", ", ".join(f"{k} {v}" for k, v in e2e["peak_rss_mb"].items())),
        ]
    if decl := cases.get("declarations"):
        for r in decl["rates"]:
            label = f"declarations @ {r['target_per_s']}/s p50 / p99 (statuses {r['statuses']})"
            rows.append((label, f"{_fmt(r['p50_ms'], ' ms')} / {_fmt(r['p99_ms'], ' ms')}"))
    if audit := cases.get("audit"):
        dash = audit["dashboard"]
        rows += [
            (
                f"dashboard with {audit['tasks_recorded']:,} tasks p50 / p99",
                f"{_fmt(dash['p50_ms'], ' ms')} / {_fmt(dash['p99_ms'], ' ms')}",
            ),
            (
                f"audit chain verify, {audit['verify']['events']:,} events",
                _fmt(audit["verify"]["verify_s"], " s"),
            ),
            (
                f"audit consume rate ({audit['consume']['events']:,} events)",
                _fmt(audit["consume"]["events_per_s"], " events/s"),
            ),
        ]
    if geo := cases.get("geography"):
        rows.append(
            (
                f"geography import ({geo['rows']:,} regions, cold)",
                f"{_fmt(geo['cold_load_s'], ' s')} ({_fmt(geo['cold_rows_per_s'])} rows/s)",
            )
        )
    return rows


def print_table(result: dict[str, Any]) -> None:
    """A short two-column table of the headline figures, plus any case errors."""
    rows = table_rows(result["cases"])
    width = max((len(k) for k, _ in rows), default=10)
    cores = result["machine"]["cores"]
    print(f"\nShouwang bench ({result['mode']}, {result['at']}, {cores} cores)")
    for key, value in rows:
        print(f"  {key:<{width}}  {value}")
    for case, error in result.get("errors", {}).items():
        print(f"  {case}: ERROR {error}")
