"""FastAPI dependencies: the calling principal and role checks."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from shouwang.common.auth.checks import require_region, require_role
from shouwang.common.auth.principal import Principal
from shouwang.common.auth.tokens import InvalidToken, verify_token
from shouwang.common.failures import Unauthenticated
from starlette.concurrency import run_in_threadpool

__all__ = ["CurrentPrincipal", "current_principal", "require_region", "require_role"]

_bearer = HTTPBearer(auto_error=False)


async def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """Return the verified principal of the request, or answer 401."""
    if credentials is None:
        raise Unauthenticated(
            "缺少访问令牌", code="unauthenticated", headers={"WWW-Authenticate": "Bearer"}
        )
    settings = request.app.state.settings
    try:
        if settings.jwks_url:  # the first call fetches keys over HTTP: keep it off the loop
            return await run_in_threadpool(verify_token, settings, credentials.credentials)
        return verify_token(settings, credentials.credentials)
    except InvalidToken:
        raise Unauthenticated(
            "访问令牌无效或已过期", code="invalid_token", headers={"WWW-Authenticate": "Bearer"}
        ) from None


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
