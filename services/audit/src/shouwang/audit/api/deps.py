"""Dependencies of the audit API: runtime, principal (header, or `?token=` in dev), read scope."""

from typing import Annotated

from fastapi import Depends, Request
from shouwang.audit.config import AuditSettings
from shouwang.common.auth.principal import Principal
from shouwang.common.auth.tokens import InvalidToken, verify_token
from shouwang.common.errors import ApiError
from shouwang.common.service import RuntimeDep as RuntimeDep

READER_ROLES = ("auditor", "county", "province")


def bearer_or_query_token(request: Request) -> str | None:
    """The bearer token, or in dev the `token` query parameter (EventSource cannot set headers)."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    settings: AuditSettings = request.app.state.settings
    return request.query_params.get("token") if settings.allow_query_token else None


async def reader(request: Request) -> Principal:
    """The calling principal, who must be an auditor, a county or a province."""
    token = bearer_or_query_token(request)
    if not token:
        raise ApiError(401, "unauthenticated", "缺少访问令牌",
                       headers={"WWW-Authenticate": "Bearer"})
    try:
        principal = verify_token(request.app.state.settings, token)
    except InvalidToken:
        raise ApiError(401, "invalid_token", "访问令牌无效或已过期",
                       headers={"WWW-Authenticate": "Bearer"}) from None
    if principal.role not in READER_ROLES:
        raise ApiError(403, "forbidden_role", f"当前角色（{principal.role}）无权查看审计与督导数据")
    return principal


Reader = Annotated[Principal, Depends(reader)]


def region_filter(principal: Principal) -> str | None:
    """The region prefix a reader is limited to (None: an auditor sees everything)."""
    return None if principal.role == "auditor" else principal.region


def county_for(principal: Principal, county: str | None) -> str:
    """Resolve and check the county a metrics request is about."""
    if county is None:
        if principal.role != "county":
            raise ApiError(422, "county_required", "请指定县级行政区划代码", field="county")
        county = principal.scope
    if not (county.isdigit() and len(county) == 6):
        raise ApiError(422, "invalid_county", "县级行政区划代码应为 6 位数字", field="county")
    if not principal.covers(county):
        raise ApiError(403, "forbidden_scope", "无权访问其他辖区的数据")
    return county
