"""A driver for warning integration tests: generated people, pushes, waiting for processing."""

import random
import uuid
from typing import Any

import httpx
import pytest
from shouwang.common.identity import person_ref_of
from shouwang.common.idnumber import generate_id_number
from shouwang.common.service import ServiceRuntime
from shouwang.common.testing.fixtures import auth, list_all, wait_until


class WarningDriver:
    COUNTY = "231226"
    TOWNSHIP_A, VILLAGE_A = "231226100", "231226100201"  # 绥棱镇 东方红村
    TOWNSHIP_B, VILLAGE_B = "231226101", "231226101200"  # 上集镇

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.rng = random.Random(uuid.uuid4().int)

    @property
    def runtime(self) -> ServiceRuntime:
        return self.client.app.state.runtime  # type: ignore[attr-defined,no-any-return]

    def person(self) -> dict[str, str]:
        """A fresh generated identity (never a real one)."""
        return {
            "id_number": generate_id_number(self.rng, region=self.COUNTY),
            "name": self.rng.choice("王李张刘陈") + self.rng.choice("建华秀英志强"),
        }

    def ref(self, who: dict[str, str]) -> str:
        secret = self.runtime.settings.hmac_key.get_secret_value()
        return person_ref_of(who["id_number"], master_secret=secret, county_code=self.COUNTY)

    def item(self, who: dict[str, str], village: str | None = None, **extra: Any) -> dict[str, Any]:
        return {
            **who,
            "village_code": village or self.VILLAGE_A,
            "indicator": "large_medical_expense",
            "values": {"self_paid_yuan": 23000},
            **extra,
        }

    def dept(self, department: str = "medical_insurance") -> dict[str, str]:
        return auth("department", department, county=self.COUNTY)

    async def push(
        self,
        items: list[dict[str, Any]],
        *,
        department: str = "medical_insurance",
        period: str = "2026-11",
        key: str | None = None,
        **fields: Any,
    ) -> httpx.Response:
        headers = self.dept(department) | ({"Idempotency-Key": key} if key else {})
        body = {"department": department, "period": period, "items": items, **fields}
        return await self.client.post("/api/v1/warning-batches", json=body, headers=headers)

    async def processed(self, batch_id: str) -> dict[str, Any]:
        """Wait until the batch's items became tasks; return its summary."""
        county = auth("county", self.COUNTY)

        async def done() -> dict[str, Any] | None:
            r = await self.client.get(f"/api/v1/warning-batches/{batch_id}", headers=county)
            return r.json() if r.json().get("processing") == "done" else None

        return await wait_until(done, what=f"batch {batch_id} processed")  # type: ignore[no-any-return]

    async def pushed_and_processed(self, items: list[dict[str, Any]], **kw: Any) -> dict[str, Any]:
        resp = await self.push(items, **kw)
        assert resp.status_code == 202, resp.text
        return await self.processed(resp.json()["batch_id"])

    async def task_for(self, who: dict[str, str], township: str | None = None) -> dict[str, Any]:
        """The one open task of a person, as their township sees it."""
        headers = auth("township", township or self.TOWNSHIP_A)
        items = await list_all(self.client, "/api/v1/tasks", headers=headers)
        ref = self.ref(who)
        found = [t for t in items if t["person_ref"] == ref and t["status"] != "confirmed"]
        assert len(found) == 1, found
        return found[0]


@pytest.fixture
def loop(warning_client: httpx.AsyncClient) -> WarningDriver:
    return WarningDriver(warning_client)
