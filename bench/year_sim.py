"""Year case (issue 18.7): 12 monthly cycles in fast-forward; the size of every table each month.

warning, intake, assistance and audit run as processes on one database and broker. Each month,
for each county: a department push, residents' declarations, village reports on a few tasks
(assign, report risk_confirmed, township confirms: assistance opens identification); the system
settles; then the month ends (bench/year_jobs.py: deadline sweeps with a shifted "now", the
bookkeeping rows aged a month, the retention purges, VACUUM) and every table's
pg_total_relation_size is recorded. Business tables should grow with time, outbox and inbox not.
Full: 10 counties of the national set; quick (`--quick --cases year`): the 4 seed counties.
"""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from shouwang.common.clock import SHANGHAI
from shouwang.common.testing.fixtures import auth
from shouwang.warning.domain.indicators import DEPARTMENTS

from bench import year_jobs
from bench.dataset import People, indicators_of, person_name, pick_counties, sample_values
from bench.infra import ROOT, CaseContext, Service, free_port

SERVICE = "warning"
OTHERS = ("intake", "assistance", "audit")
BOOKKEEPING = ("outbox", "inbox")
# NOTE: every simulated resident declares from 127.0.0.1; the per-address bucket would refuse them
SPAWN_ENV = {"INTAKE_RESIDENT_ADDRESS_RATE": '{"burst": 1000000, "per_minute": 1000000}'}
SETTLED = """
SELECT
  (SELECT count(*) FROM warning.outbox WHERE published_at IS NULL)
  + (SELECT count(*) FROM intake.outbox WHERE published_at IS NULL)
  + (SELECT count(*) FROM assistance.outbox WHERE published_at IS NULL)
  + (SELECT count(*) FROM audit.outbox WHERE published_at IS NULL) AS pending,
  (SELECT count(*) FROM warning.batches WHERE processing <> 'done') AS unprocessed,
  (SELECT count(*) FROM intake.declarations WHERE task_id IS NULL) AS untasked,
  (SELECT count(*) FROM warning.tasks WHERE status = 'confirmed') AS confirmed,
  (SELECT count(*) FROM assistance.identifications) AS identifications,
  (SELECT max(position) FROM audit.audit_log) AS audited
"""


@dataclass(frozen=True)
class YearOptions:
    months: int = 12
    counties: int = 10
    items_per_county: int = 500  # one department push per county and month
    declarations_per_county: int = 10
    reports_per_county: int = 5  # tasks walked to a confirmed risk per county and month
    month_days: int = 30
    national: bool = True


@dataclass
class YearPrepared:
    counties: list[str]
    villages: dict[str, list[str]]


def _pick(candidates: list[str], options: YearOptions) -> list[str]:
    return pick_counties(sorted(candidates), options.counties)


async def _counties(database_url: str, options: YearOptions, *, trim: bool) -> YearPrepared:
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch("SELECT county_code, code FROM geo.regions WHERE level = 'village'")
        by_county: dict[str, list[str]] = {}
        for r in rows:
            by_county.setdefault(r["county_code"], []).append(r["code"])
        counties = _pick(list(by_county), options)
        if trim:  # NOTE: as in e2e: warning would announce every other county's missing pushes
            ancestors = sorted({c[:2] for c in counties} | {c[:4] for c in counties})
            await conn.execute("DELETE FROM geo.regions WHERE NOT (county_code = ANY($1::text[]) "
                               "OR code = ANY($2::text[]))", counties, ancestors)  # fmt: skip
        return YearPrepared(counties, {c: sorted(by_county[c]) for c in counties})
    finally:
        await conn.close()


def before_spawn(database_url: str, options: YearOptions) -> None:
    """Full run: the deployment holds only the simulated counties' geography."""
    if options.national:
        asyncio.run(_counties(database_url, options, trim=True))


def prepare(database_url: str, options: YearOptions) -> YearPrepared:
    return asyncio.run(_counties(database_url, options, trim=False))


def _spawn(service: str, ctx: CaseContext) -> Service:
    port, log_path = free_port(), ctx.service.log_path.parent / f"year-{service}.log"
    env = {**os.environ, "DATABASE_URL": ctx.database_url,
           "KAFKA_BOOTSTRAP_SERVERS": ctx.bootstrap, **SPAWN_ENV}  # fmt: skip
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "shouwang.common.cli", "serve", service, "--port", str(port)],
            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
        )  # fmt: skip
    return Service(service, port, process, log_path)


def measure(ctx: CaseContext, prep: YearPrepared, options: YearOptions) -> dict[str, Any]:
    others = {s: _spawn(s, ctx) for s in OTHERS}
    try:
        for service in others.values():
            service.wait_ready(300)
        return asyncio.run(_year(ctx, others, prep, options))
    finally:
        for service in others.values():
            service.stop()


async def _year(
    ctx: CaseContext, others: dict[str, Service], prep: YearPrepared, options: YearOptions
) -> dict[str, Any]:
    urls = {"warning": ctx.service.url, **{s: p.url for s, p in others.items()}}
    runtimes = await year_jobs.open_runtimes(ctx.database_url, ctx.bootstrap)
    people, rng, months = People(1812), random.Random(1812), []
    started = time.perf_counter()
    try:
        async with httpx.AsyncClient(timeout=300) as client:
            for month in range(options.months):
                t0 = time.perf_counter()
                traffic = await _traffic(client, urls, ctx.database_url, prep, options, month,
                                         people, rng)  # fmt: skip
                await _settle(ctx.database_url)
                end = datetime.now(UTC) + timedelta(days=options.month_days)
                swept = await year_jobs.sweep(runtimes, end)
                await _settle(ctx.database_url)
                purged = await year_jobs.age_and_purge(
                    runtimes, ctx.database_url, options.month_days
                )
                sizes = await year_jobs.vacuum_and_measure(ctx.database_url)
                months.append({"month": month + 1, **traffic, "swept": swept, "purged": purged,
                               **sizes, "month_s": round(time.perf_counter() - t0, 1)})  # fmt: skip
                print(f"year: month {month + 1}: {_totals(sizes['bytes'])} "
                      f"({months[-1]['month_s']} s)", flush=True)  # fmt: skip
    finally:
        await year_jobs.close_runtimes(runtimes)
    return {
        "counties": prep.counties,
        "options": options.__dict__,
        "months": months,
        "summary": summarize(months),
        "year_s": round(time.perf_counter() - started, 1),
    }


async def _traffic(
    client: httpx.AsyncClient,
    urls: dict[str, str],
    database_url: str,
    prep: YearPrepared,
    options: YearOptions,
    month: int,
    people: People,
    rng: random.Random,
) -> dict[str, int]:
    """One month of a county's work: a push, declarations, reports on some of the month's tasks."""
    period = datetime.now(SHANGHAI).strftime("%Y-%m")
    department = sorted(DEPARTMENTS)[month % len(DEPARTMENTS)]
    gate = asyncio.Semaphore(4)

    async def push(county: str) -> None:
        indicator = indicators_of(department)[0]
        items = [{"id_number": people.new_id(county), "name": person_name(rng),
                  "village_code": rng.choice(prep.villages[county]), "indicator": indicator.code,
                  "values": sample_values(indicator, rng)}
                 for _ in range(options.items_per_county)]  # fmt: skip
        body = {"department": department, "period": period, "urgent": True,
                "urgent_reason": "一年快进（合成数据）", "items": items}  # fmt: skip
        headers = {**auth("department", department, county=county),
                   "Idempotency-Key": str(uuid.uuid4())}  # fmt: skip
        async with gate:
            resp = await client.post(f"{urls['warning']}/api/v1/warning-batches", json=body,
                                     headers=headers)  # fmt: skip
        assert resp.status_code == 202, resp.text[:300]

    async def declare(county: str, index: int) -> None:
        body = {"channel": "self_declaration", "id_number": people.new_id(county),
                "name": person_name(rng), "phone": "13800005678",
                "village_code": rng.choice(prep.villages[county]),
                "household_size": 3, "hardships": ["因病"], "description": "户主患病",
                "income_estimate_yuan": 6000, "attachments": []}  # fmt: skip
        headers = auth("resident", sub=f"year-{month}-{county}-{index}")
        async with gate:
            resp = await client.post(f"{urls['intake']}/api/v1/declarations", json=body,
                                     headers=headers)  # fmt: skip
        assert resp.status_code == 201, resp.text[:300]

    await asyncio.gather(
        *(push(c) for c in prep.counties),
        *(declare(c, i) for c in prep.counties for i in range(options.declarations_per_county)),
    )
    await _settle(database_url)
    reports = await _reports(client, urls["warning"], database_url, prep, options, gate)
    return {"pushed": options.items_per_county * len(prep.counties),
            "declared": options.declarations_per_county * len(prep.counties),
            "reported": reports}  # fmt: skip


async def _reports(
    client: httpx.AsyncClient,
    warning_url: str,
    database_url: str,
    prep: YearPrepared,
    options: YearOptions,
    gate: asyncio.Semaphore,
) -> int:
    """Village reports on the first routed tasks of each county: a confirmed risk each."""
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch(
            "SELECT id, village_code FROM (SELECT id, village_code, row_number() OVER "
            "(PARTITION BY county_code ORDER BY id) AS n FROM warning.tasks "
            "WHERE status = 'routed' AND county_code = ANY($1::text[])) t WHERE n <= $2",
            prep.counties, options.reports_per_county,
        )  # fmt: skip
    finally:
        await conn.close()
    today = datetime.now(SHANGHAI).date().isoformat()

    async def walk(task_id: str, village: str) -> None:
        township, path = auth("township", village[:9]), f"{warning_url}/api/v1/tasks/{task_id}"
        steps = [("assign", township, {"village_code": village}),
                 ("report", auth("village", village), {"outcome": "risk_confirmed",
                  "reason": "大额医疗自付", "visited_on": today}),
                 ("confirm", township, None)]  # fmt: skip
        async with gate:
            for action, headers, body in steps:
                resp = await client.post(f"{path}/{action}", headers=headers, json=body)
                assert resp.status_code == 200, f"{action}: {resp.text[:300]}"

    await asyncio.gather(*(walk(str(r["id"]), r["village_code"]) for r in rows))
    return len(rows)


async def _settle(database_url: str, timeout_s: float = 600) -> None:
    """Wait until nothing is pending, every effect is in and audit has stopped moving."""
    conn = await asyncpg.connect(database_url)
    try:
        deadline, last = time.monotonic() + timeout_s, None
        while time.monotonic() < deadline:
            n = dict(await conn.fetchrow(SETTLED))
            quiet = (n["pending"] == 0 and n["unprocessed"] == 0 and n["untasked"] == 0
                     and n["identifications"] >= n["confirmed"])  # fmt: skip
            if quiet and n == last:
                return
            last = n
            await asyncio.sleep(0.5)  # NOTE: polling period; audit is settled when it stops moving
        raise TimeoutError(f"the system did not settle: {last}")
    finally:
        await conn.close()


def _is_bookkeeping(table: str) -> bool:
    return table.rsplit(".", 1)[1] in BOOKKEEPING


def _totals(sizes: dict[str, int]) -> dict[str, float]:
    book = sum(v for k, v in sizes.items() if _is_bookkeeping(k))
    return {"business_mb": round((sum(sizes.values()) - book) / 2**20, 2),
            "bookkeeping_mb": round(book / 2**20, 2)}  # fmt: skip


def summarize(months: list[dict[str, Any]]) -> dict[str, Any]:
    """Per month totals; growth of each kind over the second half of the year vs the first."""
    totals = [_totals(m["bytes"]) for m in months]
    half = len(months) // 2
    summary: dict[str, Any] = {"per_month": totals}
    for kind in ("business_mb", "bookkeeping_mb"):
        series = [t[kind] for t in totals]
        if half >= 1:
            summary[f"{kind}_growth_first_half"] = round(series[half - 1] - series[0], 2)
            summary[f"{kind}_growth_second_half"] = round(series[-1] - series[half - 1], 2)
    last = months[-1]["bytes"] if months else {}
    summary["bookkeeping_tables_last_month_mb"] = {
        k: round(v / 2**20, 2) for k, v in last.items() if _is_bookkeeping(k)
    }
    return summary


def write_plots(result: dict[str, Any], out_dir: Path, stem: str) -> list[str]:
    """Business vs bookkeeping size per month, and each outbox/inbox table (PNG)."""
    year = result["cases"].get("year")
    if not year or not year["months"]:
        return []
    from bench.plots import _save, plt

    months = [m["month"] for m in year["months"]]
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    totals = year["summary"]["per_month"]
    left.plot(months, [t["business_mb"] for t in totals], marker="o", label="business tables")
    left.plot(months, [t["bookkeeping_mb"] for t in totals], marker="o",
              label="outbox + inbox")  # fmt: skip
    left.set_title(f"database size, {len(year['counties'])} counties")
    for table in sorted(k for k in year["months"][-1]["bytes"] if _is_bookkeeping(k)):
        right.plot(months, [m["bytes"].get(table, 0) / 2**20 for m in year["months"]],
                   marker=".", label=table)  # fmt: skip
    right.set_title("each outbox / inbox (after the month's purge)")
    for ax in (left, right):
        ax.set_xlabel("month")
        ax.set_ylabel("MiB (pg_total_relation_size)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    path = _save(fig, out_dir / f"{stem}-year.png")
    return [path.name]
