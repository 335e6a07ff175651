"""Domain failures of the warning loop, each with a code and a Chinese message."""


class DomainError(Exception):
    status = 409
    code = "conflict"
    message = "操作冲突"

    def __init__(self, message: str | None = None, *, field: str | None = None) -> None:
        super().__init__(message or self.message)
        self.message = message or self.message
        self.field = field


class TaskNotFound(DomainError):
    status, code, message = 404, "task_not_found", "核实任务不存在"


class InvalidTransition(DomainError):
    status, code, message = 409, "invalid_task_transition", "当前状态下不能执行此操作"


class OutsideScope(DomainError):
    status, code, message = 403, "forbidden_scope", "无权访问其他辖区的数据"


class BadRequest(DomainError):
    status, code, message = 422, "invalid_request", "请求内容不正确"
