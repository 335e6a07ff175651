"""Helpers for assistance integration tests: register households, read the outbox."""

import random
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import pytest
from shouwang.common.idnumber import generate_id_number
from shouwang.common.testing.fixtures import auth

VILLAGE = "231226100201"
_RNG = random.Random(20261110)


def new_id() -> str:
    """A synthetic, checksum-valid ID number of the seed county."""
    return generate_id_number(_RNG)


def member(labour: str = "full", relation: str = "户主", **extra: Any) -> dict[str, Any]:
    return {
        "id_number": new_id(),
        "name": "王小明",
        "relation": relation,
        "labour": labour,
        "phone": "13812345678",
        **extra,
    }


@pytest.fixture
def county() -> dict[str, str]:
    return auth("county", "231226")


@pytest.fixture
def township() -> dict[str, str]:
    return auth("township", VILLAGE[:9])


@pytest.fixture
def village() -> dict[str, str]:
    return auth("village", VILLAGE)


@pytest.fixture
def register(
    assistance_client: Any, county: dict[str, str]
) -> Callable[..., Awaitable[dict[str, Any]]]:
    """Register a household through the API and return its masked view."""

    async def create(**body: Any) -> dict[str, Any]:
        payload = {"village_code": VILLAGE, "category": "脱贫户", "members": [member()], **body}
        resp = await assistance_client.post("/api/v1/households", json=payload, headers=county)
        assert resp.status_code == 201, resp.text
        return dict(resp.json())

    return create


@pytest.fixture
def outbox(database_url: str) -> Callable[..., Awaitable[list[dict[str, Any]]]]:
    """Rows of assistance's outbox for one subject (optionally one event type)."""

    async def rows(subject: str, type_suffix: str = "") -> list[dict[str, Any]]:
        conn = await asyncpg.connect(database_url)
        try:
            found = await conn.fetch(
                "SELECT type, payload::text AS payload FROM assistance.outbox WHERE subject = $1 "
                "AND type LIKE $2 ORDER BY id",
                subject,
                f"%{type_suffix}%",
            )
        finally:
            await conn.close()
        import json

        return [{"type": r["type"], "payload": json.loads(r["payload"])} for r in found]

    return rows
