"""Domain failures of assistance: a kind (shouwang.common.failures), a code, a Chinese message."""

from shouwang.common.failures import Conflict, Forbidden, Invalid, NotFound


class HouseholdNotFound(NotFound):
    code, message = "household_not_found", "农户不存在"


class OutsideScope(Forbidden):
    code, message = "forbidden_scope", "无权访问其他辖区的数据"


class InvalidStep(Conflict):
    code, message = "invalid_step", "当前状态下不能执行此步骤"


class UnknownStep(NotFound):
    code, message = "unknown_step", "步骤不存在"


class NoticePeriodNotElapsed(Conflict):
    code, message = "notice_period_not_elapsed", "公示期未满，不能进行乡镇审核"


class PlanRuleViolated(Invalid):
    code, message = "plan_rule_violated", "帮扶计划不符合措施规则"


class CriteriaNotMet(Invalid):
    code, message = "prejudge_criteria_not_met", "不符合风险消除预判条件"


class BadRequest(Invalid):
    code, message = "invalid_request", "请求内容不正确"


class OutsideEliminationWindow(Invalid):
    code, message = "outside_elimination_window", "不在本县风险消除工作安排的时间内"


class LabourUnknown(Invalid):
    code, message = "labour_unknown", "有家庭成员的劳动能力尚未核实，请先登记劳动能力"


class StepDateInvalid(Invalid):
    code, message = "step_date_invalid", "步骤日期不正确"
