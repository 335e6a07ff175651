"""`python -m bench.run [--quick] [--items N] [--cases ...]`: benchmarks into bench/results/.

Cases (run in this order): geography (full only), audit (dashboard metrics latency, chain verify,
consume rate; `dashboard` is an alias), e2e (push → routed → on the topic, and its physical
limit), declarations (open-loop latency at fixed rates), export (a county's task list of
1,000,000 tasks downloaded as XLSX: time, rows/s, peak RSS, file size), streams (what 1,000 idle
SSE streams cost the database; full runs, or quick when named), year (12 months in fast-forward:
table sizes per month; full runs, or quick when named). Every case has its own database and broker;
the services run as separate processes and are started together up front.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shlex
import subprocess
import sys
import threading
import time
import traceback
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import (
    audit_cases,
    declarations,
    e2e_push,
    export_tasks,
    plots,
    report,
    streams,
    year_sim,
)
from bench.infra import ROOT, BenchStack, CaseContext
from bench.setup import prepare_template

ORDER = ("geography", "audit", "e2e", "declarations", "export", "streams", "year")
FULL_ONLY = {
    "streams": "full run only, or quick when named (`--quick --cases streams`)",
    "year": "full run only, or quick when named (`--quick --cases year`)",
}
ALIASES = {"dashboard": "audit", "geo": "geography", "limit": "e2e"}
MODULES: dict[str, Any] = {
    "audit": audit_cases,
    "e2e": e2e_push,
    "declarations": declarations,
    "export": export_tasks,
    "streams": streams,
    "year": year_sim,
}
DEFAULT_OUT = ROOT / "bench" / "results"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options; quick mode changes the defaults of the sizes."""
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="seconds-long smoke run (CI)")
    p.add_argument("--items", type=int, help="e2e items (default 100,000; quick 2,000)")
    p.add_argument("--batch-size", type=int, help="items per push (default 2,000; quick 200)")
    p.add_argument("--concurrency", type=int, default=4, help="pushes in flight")
    p.add_argument(
        "--cases",
        nargs="+",
        default=None,
        help=f"any of {', '.join(ORDER)} (also: dashboard)",
    )
    p.add_argument(
        "--tasks",
        type=int,
        help="tasks/events recorded for dashboard and audit (default 1,000,000; quick 10,000)",
    )
    p.add_argument(
        "--rates",
        type=int,
        nargs="+",
        help="declaration rates per second (default 100 200 500; quick 50)",
    )
    p.add_argument("--duration", type=float, help="seconds per declaration rate (10; quick 2)")
    p.add_argument(
        "--rows", type=int, help="tasks in the exported list (default 1,000,000; quick 5,000)"
    )
    p.add_argument(
        "--profile",
        action="store_true",
        help="py-spy the service under test (warning in e2e and export, intake in declarations)",
    )
    p.add_argument(
        "--intake-replicas",
        type=int,
        default=declarations.default_replicas(),
        help="intake processes, as the deployment's replicas (default: 2, or 1 on one core)",
    )
    p.add_argument(
        "--warning-replicas",
        type=int,
        default=declarations.default_replicas(),
        help="warning processes in e2e (deployment replicas; default 2, or 1 on one core)",
    )
    p.add_argument("--note", default="", help="what this run is for (kept in its result file)")
    p.add_argument("--streams", type=int, help="open SSE streams (default 1,000)")
    p.add_argument("--idle", type=float, help="seconds of each idle window (60; quick 10)")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="results directory")
    p.add_argument("--keep", action="store_true", help="keep the stack's temp dir (logs)")
    args = p.parse_args(argv)
    named = args.cases is not None
    names = [ALIASES.get(c, c) for raw in args.cases or ORDER for c in raw.split(",") if c]
    unknown = sorted(set(names) - set(ORDER))
    if unknown:
        p.error(f"unknown cases: {unknown}")
    args.named = named
    args.skip = {} if named or not args.quick else dict(FULL_ONLY)
    args.cases = [c for c in ORDER if c in names and c not in args.skip]
    return args


def case_options(args: argparse.Namespace, stem: str) -> dict[str, Any]:
    """Each case's options from the arguments and the mode's defaults."""
    quick = args.quick
    return {
        "e2e": e2e_push.E2EOptions(
            items=args.items or (2_000 if quick else 100_000),
            batch_size=args.batch_size or (200 if quick else 2_000),
            concurrency=args.concurrency,
            national=not quick,
            profile_to=args.out / f"{stem}-warning.folded" if args.profile else None,
            replicas=args.warning_replicas,
        ),
        "audit": audit_cases.AuditOptions(
            tasks=args.tasks or (10_000 if quick else 1_000_000),
            consume_events=300 if quick else 10_000,
            dashboard_requests=30 if quick else 200,
            counties=100,
            national=not quick,
        ),
        "declarations": declarations.DeclarationOptions(
            rates=tuple(args.rates or ((50,) if quick else (100, 200, 500))),
            duration_s=args.duration or (2.0 if quick else 10.0),
            profile_to=args.out / f"{stem}-intake.folded" if args.profile else None,
            replicas=args.intake_replicas,
        ),
        "export": export_tasks.ExportOptions(
            rows=args.rows or (5_000 if quick else 1_000_000),
            national=not quick,
            profile_to=args.out / f"{stem}-warning-export.folded" if args.profile else None,
        ),
        "streams": streams.StreamOptions(
            streams=args.streams or 1_000, idle_s=args.idle or (10.0 if quick else 60.0)
        ),
        "year": year_sim.YearOptions(
            counties=4 if quick else 10,
            items_per_county=50 if quick else 500,
            declarations_per_county=2 if quick else 10,
            reports_per_county=2 if quick else 5,
            national=not quick,
        ),
    }


def run_cases(
    stack: BenchStack, args: argparse.Namespace, options: dict[str, Any], result: dict[str, Any]
) -> None:
    """Start every service at once, prepare the data meanwhile, then measure case by case."""
    wanted = [c for c in args.cases if c in MODULES]
    contexts: dict[str, CaseContext] = {}
    prepared: dict[str, Any] = {}
    watchers: dict[str, threading.Thread] = {}
    with ExitStack() as brokers:
        for case in wanted:
            module = MODULES[case]
            if not _guard(result, case, getattr(module, "available", lambda: None)):
                continue
            database_url = stack.case_database(case)
            if not _guard(
                result,
                case,
                lambda m=module, u=database_url, o=options[case]: getattr(
                    m, "before_spawn", lambda *_: None
                )(u, o),
            ):
                continue
            bootstrap, broker_pid = brokers.enter_context(stack.broker())
            contexts[case] = _spawn(stack, module, options[case], database_url, bootstrap)
            contexts[case].broker_pid = broker_pid
            watchers[case] = _watch_all(contexts[case])
        for case, ctx in list(contexts.items()):
            if not _guard(
                result,
                case,
                lambda c=case, x=ctx: prepared.__setitem__(
                    c, MODULES[c].prepare(x.database_url, options[c])
                ),
            ):
                ctx.stop()
        ready = {
            c: _ready(result, c, ctx, watchers[c]) for c, ctx in contexts.items() if c in prepared
        }
        for case, ctx in contexts.items():
            if ready.get(case) is None:
                ctx.stop()
                continue
            started = time.perf_counter()
            outcome: dict[str, Any] = {}
            if _guard(
                result,
                case,
                lambda c=case, x=ctx, o=outcome: o.update(
                    MODULES[c].measure(x, prepared[c], options[c])
                ),
            ):
                outcome["service_ready_s"] = ready[case]
                outcome["case_s"] = round(time.perf_counter() - started, 2)
                result["cases"][case] = outcome
            ctx.stop()


def _spawn(
    stack: BenchStack, module: Any, options: Any, database_url: str, bootstrap: str
) -> CaseContext:
    """Start the case's service as its deployment runs it (replicas, env the case needs)."""
    count: int = getattr(module, "replicas", lambda _: 1)(options)
    env: dict[str, str] = getattr(module, "service_env", lambda _: {})(options)
    processes = [
        stack.spawn(module.SERVICE, database_url=database_url, bootstrap=bootstrap, env=env)
        for _ in range(count)
    ]
    return CaseContext(database_url, bootstrap, 0, processes[0], processes if count > 1 else [])


def _watch_all(ctx: CaseContext) -> threading.Thread:
    """One thread that waits until every process of the service answers ready."""
    watchers = [process.watch_ready() for process in ctx.processes]

    def join_all() -> None:
        for watcher in watchers:
            watcher.join()

    thread = threading.Thread(target=join_all, daemon=True)
    thread.start()
    return thread


def _ready(
    result: dict[str, Any], case: str, ctx: CaseContext, watcher: threading.Thread
) -> float | None:
    """Seconds from spawn until the last process was ready, or None with the case's error."""
    watcher.join()
    for process in ctx.processes:
        if process.ready_s is None:
            result["errors"][case] = process.ready_error or "service not ready"
            return None
    return round(max(p.ready_s or 0.0 for p in ctx.processes), 2)


def _guard(result: dict[str, Any], case: str, step: Any) -> bool:
    """Run a step; on failure record the error for the case (the run goes on) and say so."""
    try:
        step()
        return True
    except Exception as exc:  # noqa: BLE001 - one broken case must not hide the others
        traceback.print_exc()
        result["errors"][case] = f"{type(exc).__name__}: {exc}"
        return False


def main(argv: list[str] | None = None) -> int:
    """Run the selected cases, write the JSON, plots and the table; 1 if any case failed."""
    args = parse_args(argv)
    now = datetime.now(UTC)
    mode = "quick" if args.quick else "full"
    stem = run_stem(args, now)
    options = case_options(args, stem)
    result: dict[str, Any] = {
        "benchmark": "shouwang",
        "mode": mode,
        "at": now.isoformat(timespec="seconds"),
        "machine": report.machine(),
        **git_state(),
        "command": shlex.join(
            ["python", "-m", "bench.run", *(sys.argv[1:] if argv is None else argv)]
        ),
        "note": args.note,
        "cases_requested": args.cases,
        "setup": {},
        "cases": {},
        "skipped": dict(args.skip),
        "errors": {},
    }
    started = time.perf_counter()
    stack = BenchStack()
    try:
        stack.start()
        measure_geo = "geography" in args.cases and not args.quick
        result["setup"] = prepare_template(stack, national=not args.quick, measure_geo=measure_geo)
        if measure_geo:
            result["cases"]["geography"] = result["setup"].pop("geography_detail")
        elif "geography" in args.cases:
            result["skipped"]["geography"] = "full run only (national file, 620,573 villages)"
        run_cases(stack, args, options, result)
    finally:
        stack.close(keep=args.keep)
        if args.keep:
            print(f"stack directory kept: {stack.work_dir}")
    result["elapsed_s"] = round(time.perf_counter() - started, 1)
    result["machine"]["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    args.out.mkdir(parents=True, exist_ok=True)
    result["plots"] = plots.write_all(result, args.out, stem)
    result["plots"] += year_sim.write_plots(result, args.out, stem)
    # NOTE: only a run of every default case moves `latest`: a one-case run is not "the bench"
    latest = None if args.named else ("latest-quick" if args.quick else "latest")
    path = report.write_json(result, args.out, stem, latest)
    report.print_table(result)
    print(
        f"\nwrote {path} (+ {', '.join(result['plots']) or 'no plots'}) in {result['elapsed_s']}s"
    )
    return 1 if result["errors"] else 0


def run_stem(args: argparse.Namespace, now: datetime) -> str:
    """The run's own name: UTC date and time, then the mode and the cases when named."""
    # NOTE: one file per run (the time in its name): runs of a day never overwrite each other
    stem = f"{now:%Y-%m-%d-%H%M%S}" + ("-quick" if args.quick else "")
    if args.named:
        stem += "-" + "-".join(args.cases)
    if args.items and not args.quick:
        stem += f"-{args.items}items"
    if args.rows and not args.quick:
        stem += f"-{args.rows}rows"
    return stem


def git_state() -> dict[str, Any]:
    """The commit the run measured, `+dirty` if the tree had changes, and which changes."""

    def git(*cmd: str) -> str:
        done = subprocess.run(
            ["git", "--no-optional-locks", *cmd], cwd=ROOT, capture_output=True, text=True
        )
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short=12", "HEAD") or "unknown"
    changed = git("status", "--porcelain", "--untracked-files=no").splitlines()
    state: dict[str, Any] = {"git_commit": commit + ("+dirty" if changed else "")}
    if changed:
        # NOTE: a hash of the uncommitted diff tells two dirty runs of one commit apart
        diff = subprocess.run(["git", "diff", "HEAD"], cwd=ROOT, capture_output=True).stdout
        state["git_dirty"] = {
            "files": len(changed),
            "diff_sha256": hashlib.sha256(diff).hexdigest()[:16],
        }
    return state


if __name__ == "__main__":
    sys.exit(main())
