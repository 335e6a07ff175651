"""Request metrics: every answer counted by route template and status, errors and streams too."""

import httpx
from fastapi import FastAPI
from fastapi.responses import StreamingResponse
from prometheus_client import REGISTRY
from shouwang.common.errors import install_error_handlers
from shouwang.common.failures import Conflict
from shouwang.common.http_metrics import RequestMetrics

SERVICE = "metrics-test"


def _count(method: str, status: str, route: str) -> float:
    labels = {"service": SERVICE, "method": method, "route": route, "status": status}
    return REGISTRY.get_sample_value("http_requests_total", labels) or 0.0


def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    app.add_middleware(RequestMetrics, service=SERVICE)

    @app.get("/ok")
    async def ok() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/api/v1/tasks/{task_id}")
    async def task(task_id: str) -> dict[str, str]:
        return {"task_id": task_id}

    @app.post("/refused")
    async def refused() -> None:
        raise Conflict("冲突")

    @app.get("/stream")
    async def stream() -> StreamingResponse:
        async def chunks():
            for i in range(3):
                yield f"data: {i}\n\n"

        return StreamingResponse(chunks(), media_type="text/event-stream")

    return app


async def test_requests_are_counted_by_method_route_and_status_with_latency():
    keys = [("GET", "200", "/ok"), ("POST", "409", "/refused"), ("GET", "200", "/stream"),
            ("GET", "200", "/api/v1/tasks/{task_id}"), ("GET", "404", "unmatched")]  # fmt: skip
    before = {key: _count(*key) for key in keys}
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        assert (await client.get("/ok")).status_code == 200
        assert (await client.post("/refused")).status_code == 409
        streamed = await client.get("/stream")
        for task_id in ("t-1", "t-2"):
            assert (await client.get(f"/api/v1/tasks/{task_id}")).status_code == 200
        assert (await client.get("/no/such/path")).status_code == 404
    assert streamed.text.count("data:") == 3, "the body streams through unchanged"
    counted = {key: _count(*key) - before[key] for key in keys}
    assert counted == dict(zip(keys, [1, 1, 1, 2, 1], strict=True))
    raw = REGISTRY.get_sample_value(
        "http_requests_total",
        {"service": SERVICE, "method": "GET", "route": "/api/v1/tasks/t-1", "status": "200"},
    )
    assert raw is None, "never a raw path as a label"
    observed = REGISTRY.get_sample_value(
        "http_request_seconds_count", {"service": SERVICE, "method": "GET", "route": "/ok"}
    )
    assert observed is not None and observed >= 1
