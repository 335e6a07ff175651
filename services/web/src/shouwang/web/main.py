"""The web workbench: Chinese pages over the services' public APIs (no database of its own)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.responses import PlainTextResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from shouwang.common.clock import Clock, SystemClock
from shouwang.common.logging import configure_logging
from shouwang.web.client import Services, UpstreamError
from shouwang.web.config import WebSettings
from shouwang.web.csrf import CsrfRejected, require_csrf
from shouwang.web.pages import (
    campaigns,
    clerk,
    county,
    elimination,
    exports,
    households,
    identification,
    login,
    offline,
    plans,
    policy,
    policy_whatif,
    township,
    village,
    visits,
)
from shouwang.web.render import page
from shouwang.web.session import LoginRequired, WrongRole
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware
from starlette.responses import Response

STATIC = Path(__file__).resolve().parent / "static"
# compressed answers: pages, scripts, styles, JSON (a full township page: 46 kB to 6 kB on a
# phone's link); not the event stream (excluded by default) nor the sheets (already zipped)
NOT_COMPRESSED = (
    *DEFAULT_EXCLUDED_CONTENT_TYPES,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/octet-stream",
)


def create_app(settings: WebSettings | None = None, clock: Clock | None = None) -> FastAPI:
    """Build the web app (uvicorn --factory shouwang.web.main:create_app)."""
    settings = settings or WebSettings()
    configure_logging(service_name=settings.service_name, level=settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.services = Services(settings)
        try:
            yield
        finally:
            await app.state.services.aclose()

    app = FastAPI(title="守望 · 工作台 (web)", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.state.clock = clock or SystemClock()
    app.state.static_dir = STATIC
    app.add_middleware(
        GZipMiddleware, minimum_size=1024, compresslevel=6, exclude_content_types=NOT_COMPRESSED
    )
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    pages = (login, clerk, township, village, visits, county, exports, identification, plans)
    for module in (*pages, households, offline, elimination, campaigns, policy, policy_whatif):
        app.include_router(module.router, dependencies=[Depends(require_csrf)])
    _install_handlers(app)

    @app.get("/docs", include_in_schema=False)
    async def docs() -> RedirectResponse:
        """`make run` prints /docs for every service: the workbench has pages, not an API."""
        return RedirectResponse("/", status_code=307)

    @app.get("/healthz", include_in_schema=False)
    @app.get("/readyz", include_in_schema=False)
    async def health() -> PlainTextResponse:
        return PlainTextResponse("ok")

    return app


def _to_login(request: Request, message: str) -> Response:
    target = f"/login?reason={quote(message)}"
    if request.headers.get("HX-Request"):
        return Response(status_code=200, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def _install_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        return _to_login(request, exc.message)

    @app.exception_handler(CsrfRejected)
    async def _csrf(request: Request, exc: CsrfRejected) -> Response:
        return page(request, "error.html", {"message": exc.message}, status=403)

    @app.exception_handler(WrongRole)
    async def _role(request: Request, exc: WrongRole) -> Response:
        return page(request, "error.html", {"message": exc.message}, status=403)

    @app.exception_handler(UpstreamError)
    async def _upstream(request: Request, exc: UpstreamError) -> Response:
        if exc.status == 401:
            return _to_login(request, exc.message)
        return page(
            request,
            "error.html",
            {"message": exc.message, "code": exc.code},
            status=exc.status if 400 <= exc.status < 600 else 502,
        )
