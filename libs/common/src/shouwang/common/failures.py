"""What can go wrong in a use case, without HTTP: a kind, a machine code and a Chinese message.

Domain and service code raise these; `shouwang.common.errors` maps each kind to its HTTP status
in one place. Subclass a kind with a fixed code and message (`class TaskNotFound(NotFound)`), or
raise a kind with `code=` for a one-off.
"""

from typing import Any


class Failure(Exception):
    """Base of every expected failure; the kind (subclass) decides the HTTP status."""

    code = "failed"
    message = "操作失败"

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        field: str | None = None,
        details: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(code or self.code)
        self.message = message or type(self).message
        self.code = code or type(self).code
        self.field = field
        self.details = details
        self.headers = headers


class Invalid(Failure):
    """The request is well-formed but its content breaks a rule (422)."""

    code, message = "invalid_request", "请求内容不正确"


def validation_failed(details: list[dict[str, Any]]) -> Invalid:
    """The 422 `validation_failed` of `{"field", "code", "message"}` details, led by the first."""
    first = details[0]
    return Invalid(
        first["message"], code="validation_failed", field=first["field"], details=details
    )


class NotFound(Failure):
    """The thing named does not exist, or is not the caller's to know of (404)."""

    code, message = "not_found", "资源不存在"


class Conflict(Failure):
    """The thing exists but its state does not allow the step (409)."""

    code, message = "conflict", "操作冲突"


class Forbidden(Failure):
    """The caller may not do this here (403)."""

    code, message = "forbidden", "无权访问"


class Unauthenticated(Failure):
    """No valid credentials (401)."""

    code, message = "unauthenticated", "未登录或令牌无效"


class TooLarge(Failure):
    """A body, file or sheet beyond its limit (413)."""

    code, message = "payload_too_large", "请求内容过大"


class RateLimited(Failure):
    """Too many requests from this caller or address (429)."""

    code, message = "rate_limited", "请求过于频繁，请稍后再试"


class Unavailable(Failure):
    """A dependency is down; the client should retry (503)."""

    code, message = "service_unavailable", "系统繁忙，请稍后重试"
