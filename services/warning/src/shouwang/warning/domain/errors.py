"""Domain failures of the warning loop, each with a code and a Chinese message."""

from shouwang.common.failures import Conflict, Forbidden, Invalid, NotFound


class TaskNotFound(NotFound):
    code, message = "task_not_found", "核实任务不存在"


class InvalidTransition(Conflict):
    code, message = "invalid_task_transition", "当前状态下不能执行此操作"


class OutsideScope(Forbidden):
    code, message = "forbidden_scope", "无权访问其他辖区的数据"


class BadRequest(Invalid):
    code, message = "invalid_request", "请求内容不正确"


class BatchNotFound(NotFound):
    code, message = "batch_not_found", "批次不存在"


class BatchOutsideScope(Forbidden):
    code, message = "forbidden_scope", "无权查看该批次"


class BatchesNotForRole(Forbidden):
    code, message = "forbidden_role", "当前角色无权查看推送批次"
