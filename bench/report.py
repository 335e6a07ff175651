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


def write_json(result: dict[str, Any], out_dir: Path, stem: str, latest: str | None) -> Path:
    """Write `<stem>.json` into `out_dir` and point `<latest>.json` at it; return the file."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{stem}.json"
    path.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    if latest:
        # NOTE: a link, not a copy: `latest` can only ever be a file some run wrote
        link = out_dir / f".{latest}.json.tmp"
        link.unlink(missing_ok=True)
        link.symlink_to(path.name)
        link.replace(out_dir / f"{latest}.json")
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
            ("CPU s", ", ".join(f"{k} {v}" for k, v in e2e.get("cpu_s", {}).items())),
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
                f"audit chain verify, {audit['verify']['events']:,} events (parallel ranges)",
                _fmt(audit["verify"]["verify_s"], " s"),
            ),
            (
                "… the same verify in one range (one query, as before)",
                _fmt(audit.get("verify_one_range", {}).get("verify_s"), " s"),
            ),
            (
                f"audit consume rate ({audit['consume']['events']:,} events)",
                _fmt(audit["consume"]["events_per_s"], " events/s"),
            ),
        ]
    if export := cases.get("export"):
        rows += [
            (
                f"export: {export['rows']:,} tasks as XLSX over HTTP (first byte)",
                f"{_fmt(export['seconds'], ' s')} ({_fmt(export['rows_per_s'], ' rows/s')}; "
                f"{_fmt(export['first_byte_s'], ' s')})",
            ),
            (
                "… file size; warning RSS idle → peak",
                f"{_fmt(export['file_mb'], ' MiB')}; {_fmt(export['rss_idle_mb'], ' MiB')} → "
                f"{_fmt(export['peak_rss_mb'].get('warning'), ' MiB')}",
            ),
        ]
    if live := cases.get("streams"):
        added, fan = live["added_by_streams"], live["one_notification"]
        rows += [
            (
                f"{live['streams']:,} idle SSE streams: added DB transactions/s, task_feed scans",
                f"{_fmt(added['transactions_per_s'])} / {added['task_feed_scans']}",
            ),
            (
                "… added CPU of the service / of Postgres",
                f"{_fmt(added['service_cpu_percent'], ' %')} / "
                f"{_fmt(added['postgres_cpu_percent'], ' %')}",
            ),
            (
                f"one NOTIFY → {fan['township_streams']} streams: last delivered, reads",
                f"{_fmt(fan['last_ms'], ' ms')}, {fan['task_feed_scans']}",
            ),
        ]
    if year := cases.get("year"):
        first, last = year["summary"]["per_month"][0], year["summary"]["per_month"][-1]
        rows.append(
            (
                f"year ({len(year['months'])} months, {len(year['counties'])} counties): "
                "business / outbox+inbox MiB, month 1 → last",
                f"{first['business_mb']} → {last['business_mb']} / "
                f"{first['bookkeeping_mb']} → {last['bookkeeping_mb']}",
            )
        )
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
