"""`python -m bench.run --quick` writes a well-formed result (shape only, no timing thresholds)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def quick_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[subprocess.CompletedProcess[str], Path]:
    """Run the quick benchmark once into a temp results directory."""
    out = tmp_path_factory.mktemp("bench-results")
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS")
    }
    proc = subprocess.run(
        [sys.executable, "-m", "bench.run", "--quick", "--out", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=280,
    )
    return proc, out


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value >= 0


def test_quick_run_succeeds_and_writes_dated_and_latest(
    quick_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    proc, out = quick_run
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    dated = [p for p in out.glob("*-quick.json") if not p.name.startswith("latest")]
    assert len(dated) == 1
    assert json.loads(dated[0].read_text()) == json.loads((out / "latest-quick.json").read_text())
    assert "e2e push" in proc.stdout and "export:" in proc.stdout  # the table


def test_result_has_every_case_with_its_figures(
    quick_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    _, out = quick_run
    result = json.loads((out / "latest-quick.json").read_text())
    assert result["mode"] == "quick" and result["errors"] == {}
    assert result["machine"]["cores"] >= 1
    assert set(result["cases"]) == {"e2e", "audit", "declarations", "export"}
    assert "geography" in result["skipped"]

    e2e = result["cases"]["e2e"]
    assert e2e["items"] == 2000 and e2e["batches"] == 10
    for key in ("items_per_s", "total_s", "ratio_to_limit"):
        assert _number(e2e[key]), key
    assert e2e["items_per_s"] > 0 and e2e["limit"]["limit_items_per_s"] > 0
    assert e2e["limit"]["rows"] == 2000 and e2e["limit"]["events"] == 2000
    assert e2e["push_http_latency"]["count"] == 10
    assert e2e["batch_to_topic_latency"]["count"] == 10
    assert {"warning", "outside_reader"} <= set(e2e["peak_rss_mb"])

    audit = result["cases"]["audit"]
    assert audit["tasks_recorded"] == 10_000 and audit["verify"]["events"] == 10_000
    assert _number(audit["dashboard"]["p99_ms"]) and audit["dashboard"]["count"] > 0
    assert audit["consume"]["events"] > 0 and _number(audit["consume"]["events_per_s"])

    export = result["cases"]["export"]
    assert export["rows"] == 5_000
    for key in ("seconds", "first_byte_s", "rows_per_s", "file_mb", "rss_idle_mb", "fill_s"):
        assert _number(export[key]), key
    assert export["rows_per_s"] > 0 and export["file_mb"] > 0
    assert export["first_byte_s"] <= export["seconds"]
    assert _number(export["peak_rss_mb"]["warning"])

    (rate,) = result["cases"]["declarations"]["rates"]
    assert rate["target_per_s"] == 50 and rate["statuses"] == {"201": rate["sent"]}
    assert _number(rate["p50_ms"]) and _number(rate["p99_ms"])


def test_plots_are_png_files(quick_run: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    _, out = quick_run
    result = json.loads((out / "latest-quick.json").read_text())
    # e2e progress, e2e vs its limit, latencies per case, declarations second by second
    assert len(result["plots"]) == 4
    assert any(name.endswith("-declarations.png") for name in result["plots"])
    for name in result["plots"]:
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
