"""Domain failures of assistance, each with a status, a code and a Chinese message."""

from typing import Any


class DomainError(Exception):
    status = 409
    code = "conflict"
    message = "操作冲突"

    def __init__(
        self, message: str | None = None, *, field: str | None = None, details: Any = None
    ) -> None:
        super().__init__(message or self.message)
        self.message = message or self.message
        self.field = field
        self.details = details


class HouseholdNotFound(DomainError):
    status, code, message = 404, "household_not_found", "农户不存在"


class OutsideScope(DomainError):
    status, code, message = 403, "forbidden_scope", "无权访问其他辖区的数据"


class InvalidStep(DomainError):
    status, code, message = 409, "invalid_step", "当前状态下不能执行此步骤"


class UnknownStep(DomainError):
    status, code, message = 404, "unknown_step", "步骤不存在"


class NoticePeriodNotElapsed(DomainError):
    status, code, message = 409, "notice_period_not_elapsed", "公示期未满，不能进行乡镇审核"


class PlanRuleViolated(DomainError):
    status, code, message = 422, "plan_rule_violated", "帮扶计划不符合措施规则"


class CriteriaNotMet(DomainError):
    status, code, message = 422, "prejudge_criteria_not_met", "不符合风险消除预判条件"


class BadRequest(DomainError):
    status, code, message = 422, "invalid_request", "请求内容不正确"


class EliminationWindowClosed(DomainError):
    status, code, message = 409, "elimination_window_closed", "风险消除预判只在每季度末月开展"
