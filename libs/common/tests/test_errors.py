"""The error model: machine code + Chinese message + field, for every failure a client can see."""

import httpx
from asyncpg.exceptions import CannotConnectNowError
from fastapi import FastAPI
from pydantic import BaseModel
from shouwang.common import failures
from shouwang.common.errors import install_error_handlers
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout


class Body(BaseModel):
    period: str
    count: int


class TaskGone(failures.NotFound):
    code, message = "task_gone", "任务已不存在"


KINDS = {
    "invalid": failures.Invalid,
    "not_found": failures.NotFound,
    "conflict": failures.Conflict,
    "forbidden": failures.Forbidden,
    "unauthenticated": failures.Unauthenticated,
    "too_large": failures.TooLarge,
    "rate_limited": failures.RateLimited,
    "unavailable": failures.Unavailable,
}


def app() -> FastAPI:
    application = FastAPI()
    install_error_handlers(application)

    @application.post("/things")
    async def create(body: Body) -> dict[str, str]:
        raise failures.Conflict("已存在", code="thing_exists", field="period")

    @application.get("/failures/{kind}")
    async def fail(kind: str) -> None:
        raise KINDS[kind]("出错了", field="x")

    @application.get("/custom")
    async def custom() -> None:
        raise TaskGone()

    @application.get("/db-down")
    async def db_down() -> None:
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError())

    @application.get("/db-starting-up")
    async def db_starting() -> None:
        raise DBAPIError("SELECT 1", {}, CannotConnectNowError("starting up"))

    @application.get("/pool-exhausted")
    async def pool() -> None:
        raise PoolTimeout("QueuePool limit reached")

    return application


async def call(method: str, path: str, **kw) -> httpx.Response:
    transport = httpx.ASGITransport(app=app())
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        return await client.request(method, path, **kw)


async def test_a_failure_carries_code_message_and_field():
    resp = await call("POST", "/things", json={"period": "2026-11", "count": 1})
    assert resp.status_code == 409
    assert resp.json() == {
        "error": {"code": "thing_exists", "message": "已存在", "field": "period", "details": None}
    }


async def test_validation_names_each_field_in_chinese():
    resp = await call("POST", "/things", json={"count": "many"})
    error = resp.json()["error"]
    assert resp.status_code == 422 and error["code"] == "validation_failed"
    fields = {d["field"]: d["message"] for d in error["details"]}
    assert fields == {"period": "period: 缺少必填字段", "count": "count: 应为整数"}


async def test_database_outage_and_pool_exhaustion_are_503_with_retry_after():
    for path in ("/db-down", "/db-starting-up", "/pool-exhausted"):
        resp = await call("GET", path)
        assert resp.status_code == 503 and resp.headers["Retry-After"] == "5"
        assert resp.json()["error"]["code"] == "service_unavailable"


async def test_unknown_route_uses_the_error_model():
    resp = await call("GET", "/nowhere")
    assert resp.status_code == 404 and resp.json()["error"]["code"] == "not_found"


async def test_each_kind_of_failure_maps_to_its_status_in_one_place():
    expected = {
        "invalid": 422,
        "not_found": 404,
        "conflict": 409,
        "forbidden": 403,
        "unauthenticated": 401,
        "too_large": 413,
        "rate_limited": 429,
        "unavailable": 503,
    }
    for kind, status in expected.items():
        resp = await call("GET", f"/failures/{kind}")
        error = resp.json()["error"]
        assert (resp.status_code, error["message"], error["field"]) == (status, "出错了", "x")
        assert error["code"] == KINDS[kind].code


async def test_a_domain_failure_keeps_its_own_code_and_message():
    resp = await call("GET", "/custom")
    assert resp.status_code == 404
    assert resp.json()["error"] == {
        "code": "task_gone",
        "message": "任务已不存在",
        "field": None,
        "details": None,
    }


async def test_a_nul_in_a_query_parameter_is_refused_at_the_edge():
    from shouwang.common.http.query_guard import QueryGuard

    application = app()
    application.add_middleware(QueryGuard)
    transport = httpx.ASGITransport(app=application)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        resp = await client.get("/db-down", params={"actor": "a\x00b"})
        ok = await client.get("/failures/conflict", params={"actor": "ab"})
    assert resp.status_code == 422
    assert resp.json()["error"]["code"] == "invalid_value"
    assert resp.json()["error"]["field"] == "actor"
    assert ok.status_code == 409, "a clean query goes through"
