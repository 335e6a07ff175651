"""Calls to the other services' public HTTP APIs, forwarding the user's JWT."""

import asyncio
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import quote

import httpx
from shouwang.web.config import WebSettings

SERVICE_NAMES = {
    "warning": "预警核实服务",
    "intake": "申报受理服务",
    "assistance": "帮扶服务",
    "audit": "审计督导服务",
    "policy": "政策参数服务",
}


class UpstreamError(Exception):
    """A service answered with an error (its Chinese message and field), or could not be reached."""

    def __init__(
        self, status: int, code: str, message: str, field: str | None = None, details: Any = None
    ) -> None:
        super().__init__(code)
        self.status, self.code, self.message = status, code, message
        self.field, self.details = field, details


def _field(raw: str | None) -> str | None:
    """`items.0.name` or `body.reason` → the form field name the page shows the error next to."""
    return raw.split(".")[-1] if raw else None


def _error(resp: httpx.Response, service: str) -> UpstreamError:
    try:
        err = resp.json()["error"]
        return UpstreamError(
            resp.status_code,
            str(err.get("code")),
            str(err.get("message")),
            _field(err.get("field")),
            err.get("details"),
        )
    except (ValueError, KeyError, TypeError):
        return UpstreamError(
            resp.status_code,
            "upstream_error",
            f"{SERVICE_NAMES.get(service, service)}返回错误（{resp.status_code}）",
        )


async def gather_sections(*reads: Awaitable[Any]) -> list[Any]:
    """Run a page's reads together; a section shows its service's error (the UpstreamError in
    its place), while a 401 or any other exception is a real failure and is raised."""
    answers = await asyncio.gather(*reads, return_exceptions=True)
    for answer in answers:
        if isinstance(answer, BaseException) and (
            not isinstance(answer, UpstreamError) or answer.status == 401
        ):
            raise answer
    return list(answers)


class Services:
    """One HTTP client per service, for the app's lifetime."""

    def __init__(self, settings: WebSettings) -> None:
        timeout = httpx.Timeout(settings.upstream_timeout_seconds, connect=5.0)
        urls = {
            "warning": settings.warning_url,
            "intake": settings.intake_url,
            "assistance": settings.assistance_url,
            "audit": settings.audit_url,
            "policy": settings.policy_url,
        }
        self.clients = {
            name: httpx.AsyncClient(base_url=url, timeout=timeout) for name, url in urls.items()
        }

    async def aclose(self) -> None:
        """Close every client."""
        for client in self.clients.values():
            await client.aclose()


class Api:
    """The services as one user sees them: every call carries that user's token."""

    def __init__(self, services: Services, token: str) -> None:
        self._services = services
        self._headers = {"Authorization": f"Bearer {token}"}

    async def request(
        self,
        service: str,
        method: str,
        path: str,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """Send a request; raise UpstreamError unless it succeeded."""
        client = self._services.clients[service]
        try:
            resp = await client.request(
                method, path, headers={**self._headers, **(headers or {})}, **kwargs
            )
        except httpx.HTTPError:
            raise UpstreamError(
                502, "upstream_unavailable", f"{SERVICE_NAMES[service]}暂时无法访问，请稍后重试"
            ) from None
        if resp.status_code >= 400:
            raise _error(resp, service)
        return resp

    async def get(self, service: str, path: str, **params: Any) -> Any:
        """GET JSON (None-valued params are left out)."""
        clean = {k: v for k, v in params.items() if v not in (None, "")}
        return (await self.request(service, "GET", path, params=clean)).json()

    async def post(self, service: str, path: str, body: Any = None) -> Any:
        """POST JSON and return the JSON answer."""
        return (await self.request(service, "POST", path, json=body)).json()

    async def put(self, service: str, path: str, body: Any = None) -> Any:
        """PUT JSON and return the JSON answer."""
        return (await self.request(service, "PUT", path, json=body)).json()

    @asynccontextmanager
    async def stream(
        self,
        service: str,
        path: str,
        headers: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
    ) -> AsyncIterator[httpx.Response]:
        """Open a long-lived streaming GET (server-sent events, a file written as it is sent)."""
        client = self._services.clients[service]
        request = client.build_request(
            "GET",
            path,
            params={k: v for k, v in (params or {}).items() if v not in (None, "")},
            headers={**self._headers, **(headers or {})},
            timeout=httpx.Timeout(None, connect=5.0),
        )
        try:
            resp = await client.send(request, stream=True)
        except httpx.HTTPError:
            raise UpstreamError(
                502, "upstream_unavailable", f"{SERVICE_NAMES[service]}暂时无法访问，请稍后重试"
            ) from None
        try:
            if resp.status_code >= 400:
                await resp.aread()
                raise _error(resp, service)
            yield resp
        finally:
            await resp.aclose()


def seg(value: str) -> str:
    """A value made safe to put in one URL path segment."""
    return quote(value, safe="")
