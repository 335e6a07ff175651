"""The error model every API returns: a machine code, a Chinese message and the field at fault."""

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from shouwang.common import failures
from shouwang.common.db.transient import is_transient, sqlstate
from shouwang.common.spreadsheet.errors import SpreadsheetError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException


def error_body(
    code: str, message: str, field: str | None = None, details: Any = None
) -> dict[str, Any]:
    """Build the `{"error": {...}}` body."""
    return {"error": {"code": code, "message": message, "field": field, "details": details}}


_PYDANTIC_MESSAGES = {
    "missing": "缺少必填字段",
    "string_type": "应为文本",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "bool_type": "应为布尔值",
    "bool_parsing": "应为布尔值",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD",
    "date_parsing": "日期格式应为 YYYY-MM-DD",
    "date_type": "日期格式应为 YYYY-MM-DD",
    "datetime_parsing": "时间格式应为 ISO 8601",
    "string_pattern_mismatch": "格式不正确",
    "string_too_long": "内容过长",
    "string_too_short": "内容过短",
    "literal_error": "取值不在允许范围内",
    "enum": "取值不在允许范围内",
    "list_type": "应为列表",
    "dict_type": "应为对象",
    "model_type": "应为对象",
    "too_long": "条目过多",
    "json_invalid": "JSON 格式错误",
    "value_error": "取值不正确",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
    "greater_than": "数值过小",
    "extra_forbidden": "不允许的字段",
    "uuid_parsing": "应为 UUID",
}


def _field_path(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def validation_details(errors: list[Any]) -> list[dict[str, Any]]:
    """Translate pydantic errors into `{"field", "code", "message"}` entries in Chinese."""
    details = []
    for err in errors:
        code = err.get("type", "invalid")
        field = _field_path(tuple(err.get("loc", ())))
        message = f"{field}: {_PYDANTIC_MESSAGES.get(code, '取值不正确')}"
        details.append({"field": field, "code": code, "message": message})
    return details


def invalid_body(exc: ValidationError) -> failures.Invalid:
    """A body pydantic refused, as the 422 `validation_failed` (messages in Chinese)."""
    return failures.validation_failed(validation_details(list(exc.errors())))


_STATUS_CODES = {
    401: ("unauthenticated", "未登录或令牌无效"),
    403: ("forbidden", "无权访问"),
    404: ("not_found", "资源不存在"),
    405: ("method_not_allowed", "不支持的请求方法"),
    413: ("payload_too_large", "请求内容过大"),
}


# the one place a kind of failure becomes an HTTP status
_FAILURE_STATUS: dict[type[failures.Failure], int] = {
    failures.Invalid: 422,
    failures.NotFound: 404,
    failures.Conflict: 409,
    failures.Forbidden: 403,
    failures.Unauthenticated: 401,
    failures.TooLarge: 413,
    failures.RateLimited: 429,
    failures.Unavailable: 503,
}


def failure_status(exc: failures.Failure) -> int:
    """The HTTP status of a failure: its nearest kind's (a bare Failure is a 400)."""
    for kind in type(exc).__mro__:
        if kind in _FAILURE_STATUS:
            return _FAILURE_STATUS[kind]
    return 400


def _unavailable() -> JSONResponse:
    body = error_body("service_unavailable", "系统繁忙或数据库暂不可用，请稍后重试")
    return JSONResponse(body, status_code=503, headers={"Retry-After": "5"})


def install_error_handlers(app: FastAPI) -> None:
    """Render failures, validation errors and HTTP errors in the error model."""

    @app.exception_handler(failures.Failure)
    async def _failure(_: Request, exc: failures.Failure) -> JSONResponse:
        body = error_body(exc.code, exc.message, exc.field, exc.details)
        return JSONResponse(body, status_code=failure_status(exc), headers=exc.headers)

    @app.exception_handler(SpreadsheetError)
    async def _spreadsheet(_: Request, exc: SpreadsheetError) -> JSONResponse:
        body = error_body(exc.code, exc.message, "file", exc.details)
        return JSONResponse(body, status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = validation_details(list(exc.errors()))
        message = details[0]["message"] if details else "请求格式错误"
        field = details[0]["field"] if details else None
        body = error_body("validation_failed", str(message), field, details)
        return JSONResponse(body, status_code=422)

    @app.exception_handler(SQLAlchemyTimeout)
    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    async def _overloaded(_: Request, exc: Exception) -> JSONResponse:
        # pool exhausted or database unreachable: the client should retry, nothing was half-done
        return _unavailable()

    @app.exception_handler(DBAPIError)
    async def _data_exception(_: Request, exc: DBAPIError) -> JSONResponse:
        # a server shutting down or starting up (57P0x) arrives as a generic DBAPIError: retry
        if is_transient(exc):
            return _unavailable()
        # SQLSTATE class 22 (data exception): an input value the database cannot take, e.g. a
        # NUL byte in a text filter; anything else stays a server error
        if not sqlstate(exc).startswith("22"):
            raise exc
        body = error_body("invalid_value", "请求中含有无法处理的字符或数值（如空字符）")
        return JSONResponse(body, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code, message = _STATUS_CODES.get(exc.status_code, ("http_error", "请求失败"))
        return JSONResponse(error_body(code, message), status_code=exc.status_code)
