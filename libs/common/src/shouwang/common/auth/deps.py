"""FastAPI dependencies: the calling principal and role checks."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from shouwang.common.auth.principal import Principal
from shouwang.common.auth.tokens import InvalidToken, verify_token
from shouwang.common.errors import ApiError
from starlette.concurrency import run_in_threadpool

_bearer = HTTPBearer(auto_error=False)


async def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """Return the verified principal of the request, or answer 401."""
    if credentials is None:
        raise ApiError(
            401, "unauthenticated", "缺少访问令牌", headers={"WWW-Authenticate": "Bearer"}
        )
    settings = request.app.state.settings
    try:
        if settings.jwks_url:  # the first call fetches keys over HTTP: keep it off the loop
            return await run_in_threadpool(verify_token, settings, credentials.credentials)
        return verify_token(settings, credentials.credentials)
    except InvalidToken:
        raise ApiError(
            401, "invalid_token", "访问令牌无效或已过期", headers={"WWW-Authenticate": "Bearer"}
        ) from None


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_role(principal: Principal, *roles: str) -> None:
    """Answer 403 unless the principal has one of the roles."""
    if principal.role not in roles:
        raise ApiError(403, "forbidden_role", f"当前角色（{principal.role}）无权执行此操作")


def require_region(principal: Principal, region_code: str) -> None:
    """Answer 403 unless the region lies inside the principal's scope."""
    if not principal.covers(region_code):
        raise ApiError(403, "forbidden_scope", "无权访问其他辖区的数据")
