"""Request count and latency per service, as a pure ASGI middleware.

Pure ASGI rather than `@app.middleware("http")`: Starlette's BaseHTTPMiddleware runs every
request through an extra task and memory stream (measurable on a service answering hundreds of
small requests a second) and buffers nothing it should not for streamed (SSE) responses.
"""

import time

from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUESTS = Counter("http_requests_total", "HTTP requests", ["service", "method", "status"])
LATENCY = Histogram("http_request_seconds", "HTTP request latency", ["service", "method"])


class RequestMetrics:
    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), 500

        async def send_and_note_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note_status)
        finally:
            method = scope["method"]
            LATENCY.labels(self.service, method).observe(time.perf_counter() - started)
            REQUESTS.labels(self.service, method, str(status)).inc()
