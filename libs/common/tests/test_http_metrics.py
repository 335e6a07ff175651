"""Request metrics: every answer counted by status, including errors and streamed bodies."""

import httpx
from fastapi import FastAPI
from fastapi.responses import StreamingResponse
from prometheus_client import REGISTRY
from shouwang.common.errors import install_error_handlers
from shouwang.common.failures import Conflict
from shouwang.common.http_metrics import RequestMetrics

SERVICE = "metrics-test"


def _count(method: str, status: str) -> float:
    labels = {"service": SERVICE, "method": method, "status": status}
    return REGISTRY.get_sample_value("http_requests_total", labels) or 0.0


def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    app.add_middleware(RequestMetrics, service=SERVICE)

    @app.get("/ok")
    async def ok() -> dict[str, str]:
        return {"status": "ok"}

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


async def test_requests_are_counted_by_method_and_status_with_latency():
    before = {key: _count(*key) for key in (("GET", "200"), ("POST", "409"))}
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        assert (await client.get("/ok")).status_code == 200
        assert (await client.post("/refused")).status_code == 409
        streamed = await client.get("/stream")
    assert streamed.text.count("data:") == 3, "the body streams through unchanged"
    assert _count("GET", "200") - before[("GET", "200")] == 2
    assert _count("POST", "409") - before[("POST", "409")] == 1
    observed = REGISTRY.get_sample_value(
        "http_request_seconds_count", {"service": SERVICE, "method": "GET"}
    )
    assert observed is not None and observed >= 2
