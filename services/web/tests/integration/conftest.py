"""The workbench against the real warning and intake apps, served on real ports in-process."""

import random
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from shouwang.common.identity import person_ref_of
from shouwang.common.idnumber import generate_id_number
from shouwang.common.testing.fixtures import auth, list_all, wait_until
from shouwang.web.config import WebSettings
from shouwang.web.main import create_app
from shouwang.web.testing import fill_template, served

COUNTY, TOWNSHIP, VILLAGE = "231226", "231226100", "231226100201"
VALUE_HEADER = "年度累计自付金额(元)"
CSRF_INPUT = re.compile(r'name="csrf_token" value="([0-9a-f]{64})"')


def csrf_of(html: str) -> str:
    """The CSRF token of a page's forms."""
    match = CSRF_INPUT.search(html)
    assert match, html
    return match.group(1)


async def arm_csrf(client: httpx.AsyncClient) -> str:
    """Read the form token of the client's session and send it with its later POSTs (header)."""
    token = csrf_of((await client.get("/login")).text)
    client.headers["X-CSRF-Token"] = token
    return token


@pytest.fixture(scope="session")
async def service_urls(warning_client: Any, intake_client: Any) -> AsyncIterator[dict[str, str]]:
    """Base URLs of the (already running) warning and intake apps."""
    async with served(warning_client.app) as warning, served(intake_client.app) as intake:
        yield {"warning_url": warning, "intake_url": intake}


class Workbench:
    """The web app and one cookie jar per signed-in user."""

    def __init__(self, app: Any) -> None:
        self.transport = httpx.ASGITransport(app=app)
        self.rng = random.Random(uuid.uuid4().int)
        self.clients: list[httpx.AsyncClient] = []

    def anonymous(self) -> httpx.AsyncClient:
        client = httpx.AsyncClient(transport=self.transport, base_url="http://web", timeout=60)
        self.clients.append(client)
        return client

    async def login(self, role: str, scope: str = "", county: str = "") -> httpx.AsyncClient:
        """A client signed in through the dev login form."""
        client = self.anonymous()
        await arm_csrf(client)
        resp = await client.post(
            "/login/dev", data={"role": role, "scope": scope, "county": county}
        )
        assert resp.status_code == 303, resp.text
        await arm_csrf(client)  # the token is bound to the new session
        return client

    def person(self) -> dict[str, str]:
        return {
            "身份证号": generate_id_number(self.rng, region=COUNTY),
            "姓名": self.rng.choice("王李张刘陈") + self.rng.choice("建华秀英志强"),
        }

    async def upload(
        self,
        clerk: httpx.AsyncClient,
        rows: list[dict[str, object]],
        period: str = "2026-11",
        **fields: str,
    ) -> httpx.Response:
        template = await clerk.get("/clerk/template")
        assert template.status_code == 200, template.text
        content = fill_template(template.content, rows)
        files = {"file": ("预警.xlsx", content, "application/octet-stream")}
        return await clerk.post("/clerk/upload", data={"period": period, **fields}, files=files)

    @staticmethod
    def batch_id_of(html: str) -> str:
        match = re.search(r'id="batch-id">([0-9a-f-]{36})<', html)
        assert match, html
        return match.group(1)

    def good_row(self, who: dict[str, str], village: str = VILLAGE) -> dict[str, object]:
        return {
            **who,
            "村（社区）代码": village,
            "预警指标": "large_medical_expense",
            VALUE_HEADER: 26000,
        }

    async def task_of(
        self, warning_client: Any, who: dict[str, str], *, township_code: str = TOWNSHIP
    ) -> dict[str, Any]:
        """Wait until the person's row became a task in the township; return it."""
        settings = warning_client.app.state.runtime.settings
        secret = settings.hmac_key.get_secret_value()
        ref = person_ref_of(who["身份证号"], master_secret=secret, county_code=COUNTY)
        township = auth("township", township_code)

        async def found() -> dict[str, Any] | None:
            tasks = await list_all(
                warning_client, "/api/v1/tasks", headers=township, params={"status": "routed"}
            )
            return next((t for t in tasks if t["person_ref"] == ref), None)

        return await wait_until(found, what="the uploaded row's task")  # type: ignore[no-any-return]


@pytest.fixture
async def web(
    make_settings: Any, service_urls: dict[str, str], clock: Any
) -> AsyncIterator[Workbench]:
    """A fresh workbench app pointed at the running services."""
    app = create_app(make_settings(WebSettings, **service_urls), clock=clock)
    async with LifespanManager(app):
        bench = Workbench(app)
        yield bench
        for client in bench.clients:
            await client.aclose()


@pytest.fixture
async def policy_web(
    make_settings: Any, policy_client: Any, clock: Any
) -> AsyncIterator[Workbench]:
    """A workbench pointed at the running policy service only (served on a real port)."""
    async with served(policy_client.app) as policy:
        app = create_app(make_settings(WebSettings, policy_url=policy), clock=clock)
        async with LifespanManager(app):
            bench = Workbench(app)
            yield bench
            for client in bench.clients:
                await client.aclose()
