"""Login: a dev form that mints a token (dev only), or a pasted JWT; logout; the home redirect."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from shouwang.common.auth.tokens import InvalidToken, issue_token, verify_token
from shouwang.web.labels import HOME
from shouwang.web.render import page
from shouwang.web.session import COOKIE, principal_of, set_site_cookie
from starlette.responses import Response

router = APIRouter(include_in_schema=False)
DEV_DEFAULTS = {
    "department": "medical_insurance",
    "township": "231226100",
    "village": "231226100201",
    "county": "231226",
    "province": "23",
}
SCOPE_HINT = {
    "department": "部门代码，如 medical_insurance",
    "township": "9位乡镇代码",
    "village": "12位村（社区）代码",
    "county": "6位县级代码",
    "province": "2位省级代码",
}


@router.get("/")
async def home(request: Request) -> Response:
    """Send the user to the page of their role."""
    principal = principal_of(request)
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    if principal.role not in HOME:
        return page(request, "error.html", {"message": "工作台暂未提供该角色的页面"}, status=403)
    return RedirectResponse(HOME[principal.role], status_code=303)


@router.get("/login")
async def login_page(request: Request, reason: str | None = None) -> Response:
    """The login page."""
    return _login(request, reason=reason)


def _login(
    request: Request,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    reason: str | None = None,
    status: int = 200,
) -> Response:
    merged = {"role": "department", "scope": "", "county": "231226", **(values or {})}
    return page(
        request,
        "login.html",
        {
            "values": merged,
            "defaults": DEV_DEFAULTS,
            "hints": SCOPE_HINT,
            "errors": errors or {},
            "reason": reason,
        },
        status=status,
    )


def _signed_in(request: Request, token: str, role: str) -> Response:
    response = RedirectResponse(HOME.get(role, "/") + "?ok=login", status_code=303)
    set_site_cookie(request, response, COOKIE, token, max_age=12 * 3600)
    return response


@router.post("/login/dev")
async def dev_login(
    request: Request,
    role: Annotated[str, Form()],
    scope: Annotated[str, Form()] = "",
    county: Annotated[str, Form()] = "",
) -> Response:
    """Mint a dev token for the chosen role and scope (only when WEB_DEV_LOGIN is on)."""
    settings = request.app.state.settings
    if not settings.dev_login:
        return page(request, "error.html", {"message": "开发登录未开启"}, status=404)
    scope = scope.strip() or DEV_DEFAULTS.get(role, "")
    county_code = county.strip() if role == "department" else None
    try:
        token = issue_token(settings, role=role, scope=scope, county=county_code)
    except ValueError:
        field = "county" if role == "department" and scope else "scope"
        errors = {field: "角色与辖区（或部门、县代码）不匹配，请检查"}
        return _login(
            request,
            values={"role": role, "scope": scope, "county": county},
            errors=errors,
            status=422,
        )
    return _signed_in(request, token, role)


@router.post("/login/token")
async def token_login(request: Request, token: Annotated[str, Form()] = "") -> Response:
    """Sign in with a JWT issued elsewhere (pasted)."""
    token = token.strip()
    try:
        principal = verify_token(request.app.state.settings, token)
    except InvalidToken:
        return _login(request, errors={"token": "令牌无效或已过期"}, status=422)
    return _signed_in(request, token, principal.role)


@router.post("/logout")
async def logout() -> Response:
    """Forget the token."""
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
