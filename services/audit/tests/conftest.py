"""Fixtures of the audit tests: push real warning batches, read the audit database directly."""

import random
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import asyncpg
import httpx
import pytest
from shouwang.common.idnumber import generate_id_number
from shouwang.common.testing.fixtures import auth, wait_until

COUNTY = "231226"
VILLAGE = "231226100201"
AUDITOR = auth("auditor")
COUNTY_READER = auth("county", COUNTY)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A direct connection to the test database (the tests' outside view of the tables)."""
    conn = await asyncpg.connect(database_url)
    yield conn
    await conn.close()


PushBatch = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture
def push_batch(warning_client: httpx.AsyncClient) -> PushBatch:
    """Push a one-item medical-insurance batch; return the accepted body."""

    async def push(
        department: str = "medical_insurance", village: str = VILLAGE, period: str = "2026-11"
    ) -> dict[str, Any]:
        rng = random.Random(uuid.uuid4().int)
        body = {
            "department": department,
            "period": period,
            "items": [
                {
                    "id_number": generate_id_number(rng),
                    "name": "张三",
                    "village_code": village,
                    "indicator": "large_medical_expense",
                    "values": {"self_paid_yuan": 23000},
                }
            ],
        }
        headers = {
            **auth("department", department, county=COUNTY),
            "Idempotency-Key": uuid.uuid4().hex,
        }
        resp = await warning_client.post("/api/v1/warning-batches", json=body, headers=headers)
        assert resp.status_code == 202, resp.text
        return dict(resp.json())

    return push


@pytest.fixture
def audited(audit_client: httpx.AsyncClient) -> Callable[..., Awaitable[list[dict[str, Any]]]]:
    """Wait until the audit log lists at least `count` events matching a query; return them."""

    async def wait(what: str, count: int = 1, **params: str) -> list[dict[str, Any]]:
        async def listed() -> list[dict[str, Any]] | None:
            resp = await audit_client.get("/api/v1/audit/events", params=params, headers=AUDITOR)
            assert resp.status_code == 200, resp.text
            items = list(resp.json()["items"])
            return items if len(items) >= count else None

        return list(await wait_until(listed, what=what))

    return wait


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[Any]:
    """A session factory on the test database, for appending events directly."""
    from shouwang.common.db.engine import build_engine, build_sessionmaker

    engine = build_engine(database_url, pool_size=2)
    yield build_sessionmaker(engine)
    await engine.dispose()
