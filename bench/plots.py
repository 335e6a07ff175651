"""PNG plots of a run: e2e progress over time, e2e vs its limit, latencies per case."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (backend first)


def _save(fig: Any, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def e2e_progress(e2e: dict[str, Any], path: Path) -> Path:
    """Items accepted, tasks routed and tasks on the topic over time."""
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for key, label in (
        ("accepted", "accepted (HTTP 202)"),
        ("routed", "tasks routed (DB)"),
        ("on_topic", "task.created on topic (outside reader)"),
    ):
        points = e2e["timeline"].get(key) or []
        if points:
            ax.plot([p[0] for p in points], [p[1] for p in points], label=label)
    ax.set_xlabel("seconds since the first push")
    ax.set_ylabel("items / tasks")
    ax.set_title(f"e2e push: {e2e['items']:,} items, {e2e['items_per_s']:,.0f} items/s")
    ax.legend()
    ax.grid(alpha=0.3)
    return _save(fig, path)


def throughput(e2e: dict[str, Any], path: Path) -> Path:
    """e2e items/s next to the physical limit and its two parts."""
    limit = e2e["limit"]
    labels = ["e2e", "limit\n(COPY + produce)", "COPY only", "produce only"]
    values = [
        e2e["items_per_s"],
        limit["limit_items_per_s"],
        limit["copy_rows_per_s"],
        limit["produce_events_per_s"],
    ]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    bars = ax.bar(labels, values, color=["tab:red", "tab:blue", "tab:gray", "tab:gray"])
    ax.bar_label(bars, labels=[f"{v:,.0f}" for v in values])
    ax.set_yscale("log")
    ax.set_ylabel("items per second (log)")
    ax.set_title(f"throughput; e2e ÷ limit = {e2e['ratio_to_limit']}")
    return _save(fig, path)


def latencies(cases: dict[str, Any], path: Path) -> Path | None:
    """p50/p99 bars: push per batch, declarations per rate, dashboard."""
    groups: list[tuple[str, float, float]] = []
    if e2e := cases.get("e2e"):
        lat = e2e["push_http_latency"]
        groups.append(("push batch\n(HTTP)", lat["p50_ms"], lat["p99_ms"]))
    for r in (cases.get("declarations") or {}).get("rates", []):
        groups.append((f"declaration\n@{r['target_per_s']}/s", r["p50_ms"], r["p99_ms"]))
    if audit := cases.get("audit"):
        groups.append(("dashboard", audit["dashboard"]["p50_ms"], audit["dashboard"]["p99_ms"]))
    groups = [g for g in groups if g[1] is not None and g[2] is not None]
    if not groups:
        return None
    fig, ax = plt.subplots(figsize=(max(6, 1.6 * len(groups)), 4.5))
    xs = range(len(groups))
    ax.bar([x - 0.2 for x in xs], [g[1] for g in groups], width=0.4, label="p50")
    ax.bar([x + 0.2 for x in xs], [g[2] for g in groups], width=0.4, label="p99")
    ax.set_xticks(list(xs), [g[0] for g in groups])
    ax.set_yscale("log")
    ax.set_ylabel("milliseconds (log)")
    ax.legend()
    ax.set_title("latency")
    return _save(fig, path)


def declarations_over_time(declarations: dict[str, Any], path: Path) -> Path | None:
    """p50 and p99 of each second's declarations, per offered rate: when the tail happens."""
    rates = [r for r in declarations.get("rates", []) if r.get("latency_by_second")]
    if not rates:
        return None
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for r in rates:
        points = r["latency_by_second"]
        seconds = [p[0] for p in points]
        (line,) = ax.plot(seconds, [p[2] for p in points], label=f"p99 @{r['target_per_s']}/s")
        ax.plot(seconds, [p[1] for p in points], linestyle="--", color=line.get_color(),
                label=f"p50 @{r['target_per_s']}/s")  # fmt: skip
    ax.set_yscale("log")
    ax.set_xlabel("second of the run (requests due in it)")
    ax.set_ylabel("milliseconds (log)")
    ax.set_title("declarations: latency second by second")
    ax.legend()
    ax.grid(alpha=0.3)
    return _save(fig, path)


def write_all(result: dict[str, Any], out_dir: Path, stem: str) -> list[str]:
    """Every plot the run's cases allow; returns the file names."""
    cases, written = result["cases"], []
    if e2e := cases.get("e2e"):
        written.append(e2e_progress(e2e, out_dir / f"{stem}-e2e.png"))
        written.append(throughput(e2e, out_dir / f"{stem}-throughput.png"))
    if path := latencies(cases, out_dir / f"{stem}-latency.png"):
        written.append(path)
    declarations = cases.get("declarations") or {}
    if path := declarations_over_time(declarations, out_dir / f"{stem}-declarations.png"):
        written.append(path)
    return [p.name for p in written]
