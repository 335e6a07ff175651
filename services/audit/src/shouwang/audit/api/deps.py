"""Dependencies of the audit API: runtime, principal (header or workbench cookie), read scope."""

from typing import Annotated

from fastapi import Depends, Request
from shouwang.audit.adapters.tables import stream_tickets
from shouwang.audit.runtime import AuditRuntime
from shouwang.common.auth.principal import Principal
from shouwang.common.auth.stream_tickets import StreamGrant, stream_grant, token_grant
from shouwang.common.failures import Forbidden, Invalid, Unauthenticated
from shouwang.common.service import current_runtime

READER_ROLES = ("auditor", "county", "province")


def _check_role(principal: Principal) -> Principal:
    if principal.role not in READER_ROLES:
        raise Forbidden(
            f"当前角色（{principal.role}）无权查看审计与督导数据", code="forbidden_role"
        )
    return principal


async def reader(request: Request) -> Principal:
    """The calling auditor, county or province: the bearer header or the workbench's cookie.

    Every audit endpoint only reads, so the cookie (sent by the browser to the dashboard's own
    fetches) opens no CSRF hole.
    """
    grant = await token_grant(request)
    if grant is None:
        raise Unauthenticated(
            "缺少访问令牌", code="unauthenticated", headers={"WWW-Authenticate": "Bearer"}
        )
    return _check_role(grant.principal)


async def stream_reader(request: Request) -> StreamGrant:
    """A reader of a stream or page: header, workbench cookie, or a one-use `?ticket=`."""
    grant = await stream_grant(request, table=stream_tickets)
    _check_role(grant.principal)
    return grant


Reader = Annotated[Principal, Depends(reader)]


def region_filter(principal: Principal) -> str | None:
    """The region prefix a reader is limited to (None: an auditor sees everything)."""
    return None if principal.role == "auditor" else principal.region


def county_for(principal: Principal, county: str | None) -> str:
    """Resolve and check the county a metrics request is about."""
    if county is None:
        if principal.role != "county":
            raise Invalid("请指定县级行政区划代码", code="county_required", field="county")
        county = principal.scope
    if not (county.isdigit() and len(county) == 6):
        raise Invalid("县级行政区划代码应为 6 位数字", code="invalid_county", field="county")
    if not principal.covers(county):
        raise Forbidden("无权访问其他辖区的数据", code="forbidden_scope")
    return county


RuntimeDep = Annotated[AuditRuntime, Depends(current_runtime)]
