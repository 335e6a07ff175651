"""Role and region checks every use case shares; framework-free, raised as failures."""

from shouwang.common.auth.principal import Principal
from shouwang.common.failures import Forbidden


def require_role(principal: Principal, *roles: str) -> None:
    """Refuse (403 forbidden_role) unless the principal has one of the roles."""
    if principal.role not in roles:
        raise Forbidden(f"当前角色（{principal.role}）无权执行此操作", code="forbidden_role")


def require_region(principal: Principal, region_code: str) -> None:
    """Refuse (403 forbidden_scope) unless the region lies inside the principal's scope."""
    if not principal.covers(region_code):
        raise Forbidden("无权访问其他辖区的数据", code="forbidden_scope")
