"""PII key rotation end to end: data filed under key A, re-encrypted to B, read with B alone.

The services run in-process on a database of their own and in consumer groups of their own, so
re-keying it leaves the run's shared database and groups alone. Key A is the run's key (events
the shared services publish stay readable here, and ours there).
"""

import asyncio
import csv
import importlib
import io
import random
import re
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from json import loads
from typing import Any

import asyncpg
import httpx
import pytest
from shouwang.assistance.config import AssistanceSettings
from shouwang.assistance.main import create_app as assistance_app
from shouwang.common.cli import main as shouwang
from shouwang.common.crypto import PiiCipher
from shouwang.common.db.engine import build_engine
from shouwang.common.db.rekey import registry
from shouwang.common.geography_store import load_seed_geography
from shouwang.common.identity import ID_NUMBER_AAD, NAME_AAD, person_ref_of
from shouwang.common.idnumber import generate_id_number
from shouwang.common.migrate import upgrade
from shouwang.common.testing.fixtures import auth, list_all, running_app, wait_until
from shouwang.intake.adapters.tables import declarations
from shouwang.intake.config import IntakeSettings
from shouwang.intake.main import create_app as intake_app
from shouwang.warning.config import WarningSettings
from shouwang.warning.main import create_app as warning_app
from sqlalchemy import LargeBinary, select

KEYS_REENCRYPTED = "shouwang.access.keys.reencrypted.v1"

COUNTY, VILLAGE = "231226", "231226100201"
TOWNSHIP = VILLAGE[:9]
SERVICES = ("warning", "intake", "assistance")
APPS = {"warning": (WarningSettings, warning_app), "intake": (IntakeSettings, intake_app),
        "assistance": (AssistanceSettings, assistance_app)}  # fmt: skip
DEPT = auth("department", "medical_insurance", county=COUNTY)
CSV_HEADER = ["身份证号", "姓名", "村（社区）代码", "预警指标", "年度累计自付金额(元)"]


@pytest.fixture(scope="module")
async def rotation_db(stack: Any) -> AsyncIterator[str]:
    """A database of its own, migrated for the services under test."""
    name = f"shouwang_rotation_{uuid.uuid4().hex[:8]}"
    server = stack.database_url
    admin = await asyncpg.connect(server)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        url = server.rsplit("/", 1)[0] + f"/{name}"
        for service in SERVICES:
            await asyncio.to_thread(upgrade, service, url)
        await load_seed_geography(url)
        yield url
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


class Services:
    """Services in-process on the rotation database, in consumer groups of their own."""

    def __init__(self, make_settings: Callable[..., Any], url: str, clock: Any, group: str):
        self.make_settings, self.url, self.clock, self.group = make_settings, url, clock, group
        self.clients: dict[str, httpx.AsyncClient] = {}

    async def start(self, exit_stack: AsyncExitStack, *names: str, key: str) -> None:
        """Run `names` with `key` as their only encryption key until `exit_stack` closes."""
        for name in names:
            settings_class, create_app = APPS[name]
            settings = self.make_settings(
                settings_class,
                database_url=self.url,
                service_name=f"{name}-{self.group}",
                encryption_key=key,
                encryption_keys_previous="",
            )
            app = create_app(settings, clock=self.clock)
            self.clients[name] = await exit_stack.enter_async_context(
                running_app(app, f"http://{name}")
            )

    def __getitem__(self, name: str) -> httpx.AsyncClient:
        return self.clients[name]


def _person(rng: random.Random, name: str) -> dict[str, str]:
    return {"id_number": generate_id_number(rng, region=COUNTY), "name": name}


def _item(who: dict[str, str], village: str = VILLAGE) -> dict[str, Any]:
    return {**who, "village_code": village, "indicator": "large_medical_expense",
            "values": {"self_paid_yuan": 23000}}  # fmt: skip


def _csv(who: dict[str, str]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([CSV_HEADER, [who["id_number"], who["name"], VILLAGE,
                                            "large_medical_expense", 21000]])  # fmt: skip
    return out.getvalue().encode()


async def _processed(warning: httpx.AsyncClient, resp: httpx.Response) -> str:
    assert resp.status_code == 202, resp.text
    batch_id = resp.json()["batch_id"]

    async def done() -> bool:
        body = (await warning.get(f"/api/v1/warning-batches/{batch_id}", headers=DEPT)).json()
        return bool(body["processing"] == "done")

    await wait_until(done, what=f"batch {batch_id} processed")
    return str(batch_id)


async def _task_of(warning: httpx.AsyncClient, who: dict[str, str], hmac_key: str) -> str:
    ref = person_ref_of(who["id_number"], master_secret=hmac_key, county_code=COUNTY)

    async def found() -> str | None:
        items = await list_all(warning, "/api/v1/tasks", headers=auth("township", TOWNSHIP))
        return next((t["task_id"] for t in items if t["person_ref"] == ref), None)

    return str(await wait_until(found, what="the person's task"))


async def _household_of(assistance: httpx.AsyncClient, who: dict[str, str]) -> str:
    masked = who["id_number"][:6] + "********" + who["id_number"][-4:]
    township = auth("township", TOWNSHIP)

    async def found() -> str | None:
        listed = await list_all(assistance, "/api/v1/households", headers=township,
                                params={"village_code": VILLAGE})  # fmt: skip
        for item in listed:
            detail = (await assistance.get(f"/api/v1/households/{item['id']}",
                                           headers=township)).json()  # fmt: skip
            if any(m["id_masked"] == masked for m in detail["members"]):
                return str(item["id"])
        return None

    return str(await wait_until(found, what="assistance registers the confirmed household"))


async def _file_everything(services: Services, rng: random.Random) -> dict[str, Any]:
    """Create data in every encrypted column through the APIs; return how to find it again."""
    warning, intake, assistance = (services[n] for n in ("warning", "intake", "assistance"))
    settings = warning.app.state.runtime.settings  # type: ignore[attr-defined]
    hmac_key = settings.hmac_key.get_secret_value()
    pushed, unroutable, uploaded, declared, registered = (
        _person(rng, n) for n in ("赵一", "钱二", "孙三", "李四", "周五")
    )
    body = {"department": "medical_insurance", "period": "2026-11",
            "items": [_item(pushed), _item(unroutable, village="231226100999")]}  # fmt: skip
    push_id = await _processed(warning, await warning.post("/api/v1/warning-batches", json=body,
                                                           headers=DEPT))  # fmt: skip
    files = {"file": ("batch.csv", _csv(uploaded), "text/csv")}
    upload_id = await _processed(
        warning,
        await warning.post(
            "/api/v1/warning-batches/upload",
            data={"department": "medical_insurance", "period": "2026-11"},
            files=files,
            headers=DEPT,
        ),
    )

    resident = auth("resident", sub=f"resident-{uuid.uuid4().hex[:8]}")
    declaration = {"channel": "self_declaration", **declared, "phone": "13800005678",
                   "village_code": VILLAGE, "household_size": 3, "hardships": ["因病"],
                   "description": "户主患病，无法外出务工", "attachments": []}  # fmt: skip
    filed = await intake.post("/api/v1/declarations", json=declaration, headers=resident)
    assert filed.status_code == 201, filed.text
    repeat = {**declaration, "hardships": ["因学"], "description": "孩子上学开支大"}
    again = await intake.post("/api/v1/declarations", json=repeat, headers=resident)
    assert again.status_code == 200 and again.json()["attached_to"] == filed.json()["receipt"]

    township, village = auth("township", TOWNSHIP), auth("village", VILLAGE)
    task = await _task_of(warning, declared, hmac_key)
    for path, json, headers in (
        ("assign", {"village_code": VILLAGE}, township),
        (
            "report",
            {"outcome": "risk_confirmed", "reason": "因病", "visited_on": "2026-11-10"},
            village,
        ),
        ("confirm", None, township),
    ):
        resp = await warning.post(f"/api/v1/tasks/{task}/{path}", json=json, headers=headers)
        assert resp.status_code == 200, resp.text
    confirmed_household = await _household_of(assistance, declared)
    member = {
        "id_number": registered["id_number"],
        "name": registered["name"],
        "relation": "户主",
        "labour": "full",
        "phone": "13812345678",
    }
    resp = await assistance.post("/api/v1/households", headers=auth("county", COUNTY), json={
        "village_code": VILLAGE, "category": "脱贫户", "members": [member],
        "address": "绥棱镇东方红村 8 号"})  # fmt: skip
    assert resp.status_code == 201, resp.text
    cadre = await assistance.put(f"/api/v1/households/{resp.json()['id']}/cadre",
                                 headers=auth("township", TOWNSHIP),
                                 json={"name": "帮扶干部", "phone": "13912345678"})  # fmt: skip
    assert cadre.status_code == 200, cadre.text
    return {
        "tasks": [await _task_of(warning, who, hmac_key) for who in (pushed, uploaded)] + [task],
        "batches": [push_id, upload_id],
        "households": [confirmed_household, resp.json()["id"]],
        "declaration": (filed.json()["receipt"], declaration),
    }


async def _revealed(services: Services, ids: dict[str, Any]) -> dict[str, Any]:
    """Everything the APIs decrypt for the data filed (each read is audited)."""
    warning, assistance = services["warning"], services["assistance"]
    township, village = auth("township", TOWNSHIP), auth("village", VILLAGE)
    seen: dict[str, Any] = {}
    for task in ids["tasks"]:
        resp = await warning.get(f"/api/v1/tasks/{task}/pii", headers=township)
        assert resp.status_code == 200, resp.text
        seen[task] = resp.json()
    for batch in ids["batches"]:
        resp = await warning.get(f"/api/v1/warning-batches/{batch}/raw", headers=DEPT)
        assert resp.status_code == 200, resp.text
        seen[batch] = (resp.content, resp.headers["X-Content-SHA256"])
    for household in ids["households"]:
        resp = await assistance.get(f"/api/v1/households/{household}/pii", headers=village)
        assert resp.status_code == 200, resp.text
        seen[household] = resp.json()
    return seen


async def _declared(url: str, receipt: str, cipher: PiiCipher) -> dict[str, str]:
    """Intake's stored PII of a declaration (intake has no API that decrypts it)."""
    engine = build_engine(url, pool_size=1)
    try:
        async with engine.connect() as conn:
            row = (await conn.execute(select(declarations).where(
                declarations.c.receipt == receipt))).mappings().one()  # fmt: skip
    finally:
        await engine.dispose()
    return {
        field: cipher.decrypt(row[f"{column}_enc"], aad=aad)
        for field, column, aad in (
            ("id_number", "id", ID_NUMBER_AAD),
            ("name", "name", NAME_AAD),
            ("phone", "phone", b"phone"),
            ("description", "description", b"description"),
        )
    }


async def _recorded_runs(url: str) -> list[dict[str, Any]]:
    """KeysReencrypted events staged in the services' outboxes, in order."""
    conn = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        rows = []
        for service in SERVICES:
            rows += await conn.fetch(
                f"SELECT payload FROM {service}.outbox WHERE type = $1 ORDER BY id",
                KEYS_REENCRYPTED,
            )
    finally:
        await conn.close()
    return [loads(r["payload"]) for r in rows]


def _count(out: str) -> int:
    """The re-encrypted (or, dry run, to re-encrypt) rows of the command's summary line."""
    found = re.search(r"(?:re-encrypted|to re-encrypt) (\d+)", out.splitlines()[-1])
    assert found, out
    return int(found[1])


async def _cells(url: str, service: str) -> dict[str, list[tuple[Any, dict[str, Any]]]]:
    """Every non-null value of every registered column, with its row."""
    engine = build_engine(url, pool_size=1)
    found: dict[str, list[tuple[Any, dict[str, Any]]]] = {}
    try:
        async with engine.connect() as conn:
            for column in registry(service):
                stmt = select(column.table)
                if column.where is not None:
                    stmt = stmt.where(column.where)
                rows = [dict(r) for r in (await conn.execute(stmt)).mappings()]
                found[f"{column.table.name}.{column.column}"] = [
                    (r[column.column], r) for r in rows if r[column.column] is not None
                ]
    finally:
        await engine.dispose()
    return found


async def _all_under(url: str, cipher: PiiCipher) -> dict[str, int]:
    """Count each column's cells; fail on one not sealed under the cipher's current key."""
    counts = {}
    for service in SERVICES:
        columns = {f"{c.table.name}.{c.column}": c for c in registry(service)}
        for name, cells in (await _cells(url, service)).items():
            stale = [row for value, row in cells
                     if columns[name].resealed(value, row, cipher) is not None]  # fmt: skip
            assert not stale, f"{service} {name}: {len(stale)} cell(s) not under the current key"
            counts[f"{service} {name}"] = len(cells)
    return counts


@pytest.mark.parametrize("service", [*SERVICES, "audit"])
def test_every_binary_column_is_in_the_registry(service: str) -> None:
    """A new `*_enc` column that nobody registered would keep the old key alive."""
    tables = importlib.import_module(f"shouwang.{service}.adapters.tables")
    binary = {(t.name, c.name) for t in tables.metadata.tables.values() for c in t.columns
              if isinstance(c.type, LargeBinary)}  # fmt: skip
    assert binary <= {(c.table.name, c.column) for c in registry(service)}


async def _cli(capsys: Any, *argv: str) -> str:
    capsys.readouterr()
    assert await asyncio.to_thread(shouwang, list(argv)) == 0
    return str(capsys.readouterr().out)


async def test_rotation_reencrypts_every_column_and_the_apis_read_them_with_the_new_key_only(
    make_settings, rotation_db, clock, capsys, monkeypatch
):
    key_a = make_settings(WarningSettings).encryption_key.get_secret_value()
    key_b = PiiCipher.generate_secret()
    services = Services(make_settings, rotation_db, clock, f"rotation-{uuid.uuid4().hex[:6]}")
    async with AsyncExitStack() as running:
        await services.start(running, *SERVICES, key=key_a)
        ids = await _file_everything(services, random.Random(4242))
        before = await _revealed(services, ids)

    with monkeypatch.context() as env:
        env.setenv("SHOUWANG_ENCRYPTION_KEY", key_b)
        env.setenv("SHOUWANG_ENCRYPTION_KEYS_PREVIOUS", key_a)
        dry = await _cli(capsys, "keys", "reencrypt", "warning", "--dry-run",
                         "--database-url", rotation_db)  # fmt: skip
        assert dry.rstrip().endswith("(dry run: nothing written)") and _count(dry) > 0
        with pytest.raises(AssertionError, match="not under the current key"):
            await _all_under(rotation_db, PiiCipher.from_secret(key_b, previous=[key_a]))
        for service in SERVICES:
            out = await _cli(capsys, "keys", "reencrypt", service, "--batch-size", "2",
                             "--database-url", rotation_db)  # fmt: skip
            assert out.splitlines()[0].startswith(f"{service}: current key ")
            assert _count(out) > 0 and (service != "warning" or _count(out) == _count(dry))
        assert "stores nothing to re-encrypt" in await _cli(capsys, "keys", "reencrypt", "audit")
    runs = await _recorded_runs(rotation_db)
    assert [r["service"] for r in runs] == list(SERVICES), "one audit event per run that wrote"
    assert all(r["reencrypted"] > 0 and r["actor"] for r in runs)
    assert {r["current_key"] for r in runs} == {PiiCipher.from_secret(key_b).key_ids[0]}

    only_b = PiiCipher.from_secret(key_b)
    counts = await _all_under(rotation_db, only_b)
    assert all(counts.values()), f"a registered column holds no data in this test: {counts}"
    receipt, filed = ids["declaration"]
    assert await _declared(rotation_db, receipt, only_b) == {
        k: filed[k] for k in ("id_number", "name", "phone", "description")
    }

    async with AsyncExitStack() as running:
        await services.start(running, "warning", "assistance", key=key_b)
        assert await _revealed(services, ids) == before

    with monkeypatch.context() as env:
        env.setenv("SHOUWANG_ENCRYPTION_KEY", key_b)
        for service in SERVICES:
            out = await _cli(capsys, "keys", "reencrypt", service, "--database-url", rotation_db)
            assert _count(out) == 0, out
