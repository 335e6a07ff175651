"""Case export: a county's task list of N tasks (full 1,000,000; quick 5,000) as one XLSX.

warning.tasks is bulk-filled with COPY (synthetic, masked people spread over the seed county's
villages, every deadline in the future so no sweep touches them); then the warning service runs
as its own process and the county's `GET /api/v1/tasks?format=xlsx` is downloaded over HTTP to a
file, as a browser would. Measured: seconds to the first byte and to the last, rows/s, the file's
size, and the warning process's RSS before (idle) and at its peak while it streams. The rows in
the file are counted back from the sheet's XML.
"""

from __future__ import annotations

import asyncio
import os
import random
import tempfile
import time
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import psutil
from openpyxl import load_workbook
from shouwang.common.auth.tokens import issue_token
from shouwang.common.config import CommonSettings
from shouwang.common.geography import load_geography
from shouwang.common.spreadsheet.writer import SHEET_PATH

from bench import audit_fill
from bench.dataset import SEED_COUNTY
from bench.infra import CaseContext, RssSampler
from bench.profiling import Profiler
from bench.stats import rate

SERVICE = "warning"
MAX_SHEET_ROWS = 1_048_575  # one sheet: Excel's 1,048,576 rows, the header included
COLUMNS = (
    "id", "county_code", "township_code", "village_code", "period", "person_ref", "id_enc",
    "name_enc", "id_masked", "name_masked", "channel", "source_ref", "comparison", "status",
    "assigned_village", "cadre_name", "assign_by", "report_by", "outcome", "visited_on",
    "created_at", "updated_at",
)  # fmt: skip
STATUSES = ("routed", "assigned", "reported", "confirmed")
CHUNK = 50_000


@dataclass(frozen=True)
class ExportOptions:
    rows: int
    national: bool
    profile_to: Path | None = None

    def __post_init__(self) -> None:
        if not 0 < self.rows <= MAX_SHEET_ROWS:
            raise ValueError(f"--rows must be 1..{MAX_SHEET_ROWS:,} (one sheet)")


def service_env(options: ExportOptions) -> dict[str, str]:
    """Warning's export cap at least the rows asked for (its default is 1,000,000)."""
    return {"WARNING_MAX_EXPORT_ROWS": str(max(options.rows, 1_000_000))}


def before_spawn(database_url: str, options: ExportOptions) -> None:
    """Full run: the deployment holds only the seed county's geography (as e2e's does)."""
    if options.national:
        asyncio.run(_keep_seed_county(database_url))


async def _keep_seed_county(database_url: str) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute(
            "DELETE FROM geo.regions WHERE NOT (county_code = $1 OR code = ANY($2::text[]))",
            SEED_COUNTY,
            [SEED_COUNTY[:2], SEED_COUNTY[:4]],
        )
    finally:
        await conn.close()


def _tasks(places: list[audit_fill.Place], total: int, now: datetime) -> Iterator[tuple[Any, ...]]:
    """`total` task rows, oldest first, a millisecond apart (the list's order is deterministic)."""
    rng = random.Random(17)
    period = audit_fill.last_periods(1, now)[0]
    start = now - timedelta(milliseconds=total + 60_000)
    assign_by, report_by = now + timedelta(days=3), now + timedelta(days=15)
    blob = bytes(48)  # stands for ciphertext: the export never reads it
    for i in range(total):
        place = places[i % len(places)]
        status = STATUSES[i % len(STATUSES)]
        at = start + timedelta(milliseconds=i)
        past = status != "routed"
        yield (
            uuid.UUID(int=rng.getrandbits(128), version=4), place.county, place.township,
            place.village, period, f"{rng.getrandbits(256):064x}", blob, blob,
            f"{place.county}********{rng.randrange(10000):04d}", rng.choice("王李张刘陈") + "**",
            "department_warning", "bench", "new", status, place.village if past else None,
            "包村干部" if past else None, assign_by, report_by,
            "no_risk" if status in ("reported", "confirmed") else None,
            at.date() if status in ("reported", "confirmed") else None, at, at,
        )  # fmt: skip


async def _fill(database_url: str, total: int) -> float:
    conn = await asyncpg.connect(database_url)
    try:
        geography = await load_geography(conn, county_codes=[SEED_COUNTY])
        places = audit_fill.places(geography, [SEED_COUNTY])[SEED_COUNTY]
        started = time.perf_counter()
        chunk: list[tuple[Any, ...]] = []
        for row in _tasks(places, total, datetime.now(UTC)):
            chunk.append(row)
            if len(chunk) >= CHUNK:
                await conn.copy_records_to_table(
                    "tasks", schema_name="warning", records=chunk, columns=COLUMNS
                )
                chunk = []
        if chunk:
            await conn.copy_records_to_table(
                "tasks", schema_name="warning", records=chunk, columns=COLUMNS
            )
        await conn.execute("ANALYZE warning.tasks")
        return time.perf_counter() - started
    finally:
        await conn.close()


@dataclass
class ExportPrepared:
    fill_s: float


def prepare(database_url: str, options: ExportOptions) -> ExportPrepared:
    """COPY the tasks into warning.tasks (before the service is asked anything)."""
    return ExportPrepared(asyncio.run(_fill(database_url, options.rows)))


async def _download(url: str, path: str) -> dict[str, Any]:
    """GET the county's task sheet into `path`; seconds to the first and the last byte."""
    token = issue_token(CommonSettings(), role="county", scope=SEED_COUNTY)
    headers = {"Authorization": f"Bearer {token}"}
    timeout = httpx.Timeout(None, connect=10.0)
    async with httpx.AsyncClient(base_url=url, timeout=timeout) as client:
        started = time.perf_counter()
        first: float | None = None
        async with client.stream(
            "GET", "/api/v1/tasks", params={"format": "xlsx"}, headers=headers
        ) as resp:
            if resp.status_code != 200:
                await resp.aread()
                raise AssertionError(f"export answered {resp.status_code}: {resp.text[:300]}")
            with open(path, "wb") as out:
                async for chunk in resp.aiter_raw():
                    first = first if first is not None else time.perf_counter() - started
                    out.write(chunk)
        return {"first_byte_s": round(first or 0.0, 3), "seconds": time.perf_counter() - started}


def count_rows(path: str) -> tuple[int, tuple[Any, ...]]:
    """(rows of the sheet, header row included; the header row), read back from the file."""
    count, tail = 0, b""
    with zipfile.ZipFile(path) as archive, archive.open(SHEET_PATH) as sheet:
        while chunk := sheet.read(1 << 20):
            data = tail + chunk
            count += data.count(b"<row ")
            tail = data[-4:]  # shorter than "<row ": no row is counted twice
    book = load_workbook(path, read_only=True)
    try:
        header = next(book.worksheets[0].iter_rows(max_row=1, values_only=True))
    finally:
        book.close()
    return count, header


def measure(ctx: CaseContext, prep: ExportPrepared, options: ExportOptions) -> dict[str, Any]:
    """Download the sheet while sampling the warning process's RSS; check its rows."""
    warning = ctx.service
    idle_mb = psutil.Process(warning.process.pid).memory_info().rss / 2**20
    sampler = RssSampler(interval_s=0.05)
    sampler.watch("warning", warning.process.pid)
    fd, path = tempfile.mkstemp(suffix=".xlsx", prefix="bench-export-")
    os.close(fd)
    profiler = Profiler(warning.process.pid, options.profile_to) if options.profile_to else None
    try:
        with sampler:
            got = asyncio.run(_download(warning.url, path))
        profile = profiler.stop() if profiler else None
        size = os.path.getsize(path)
        rows, header = count_rows(path)
    finally:
        os.unlink(path)
    if rows != options.rows + 1 or header[0] != "任务编号":
        raise AssertionError(f"the sheet has {rows} rows (want {options.rows + 1}), {header[:3]}")
    warning.stop()
    return {
        "rows": options.rows,
        "fill_s": round(prep.fill_s, 2),
        "seconds": round(got["seconds"], 3),
        "first_byte_s": got["first_byte_s"],
        "rows_per_s": rate(options.rows, got["seconds"]),
        "file_mb": round(size / 2**20, 2),
        "rss_idle_mb": round(idle_mb, 1),
        "peak_rss_mb": sampler.peaks_mb(),
        "profile": profile,
    }
