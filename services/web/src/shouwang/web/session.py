"""Who is using the workbench: the JWT from the HttpOnly cookie, verified here as well."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from shouwang.common.auth.principal import Principal
from shouwang.common.auth.stream_tickets import SESSION_COOKIE
from shouwang.common.auth.tokens import InvalidToken, verify_token
from shouwang.web.client import Api
from shouwang.web.labels import ROLES, label
from starlette.responses import Response

COOKIE = SESSION_COOKIE  # the services accept it for streams and the dashboard too


def set_site_cookie(
    request: Request, response: Response, name: str, value: str, *, max_age: int | None = None
) -> None:
    """Set an HttpOnly, SameSite=Lax cookie for the whole site (Secure as the settings say)."""
    response.set_cookie(
        name,
        value,
        httponly=True,
        samesite="lax",
        path="/",
        secure=request.app.state.settings.cookie_secure,
        max_age=max_age,
    )


class LoginRequired(Exception):
    """No usable token: send the user to the login page."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class WrongRole(Exception):
    """The page belongs to another role."""

    def __init__(self, role: str) -> None:
        super().__init__(role)
        self.message = f"当前角色（{label(ROLES, role)}）不能使用此页面"


@dataclass(frozen=True)
class UserSession:
    principal: Principal
    token: str
    api: Api


def principal_of(request: Request) -> Principal | None:
    """The verified principal of the cookie's token, or None."""
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    try:
        return verify_token(request.app.state.settings, token)
    except InvalidToken:
        return None


def read_session(request: Request) -> UserSession:
    """The user's session; LoginRequired without a valid token."""
    token = request.cookies.get(COOKIE)
    if not token:
        raise LoginRequired("请先登录")
    principal = principal_of(request)
    if principal is None:
        raise LoginRequired("登录已过期或令牌无效，请重新登录")
    return UserSession(principal, token, Api(request.app.state.services, token))


def _role_dependency(*roles: str) -> object:
    def check(request: Request) -> UserSession:
        session = read_session(request)
        if session.principal.role not in roles:
            raise WrongRole(session.principal.role)
        return session

    return Depends(check)


ClerkSession = Annotated[UserSession, _role_dependency("department")]
TownshipSession = Annotated[UserSession, _role_dependency("township")]
VillageSession = Annotated[UserSession, _role_dependency("village")]
CountySession = Annotated[UserSession, _role_dependency("county")]
AreaSession = Annotated[UserSession, _role_dependency("township", "county", "village")]
PolicySession = Annotated[UserSession, _role_dependency("county", "province")]
