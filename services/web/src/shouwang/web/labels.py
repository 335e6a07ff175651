"""Chinese labels for the codes the APIs return (display only; the APIs stay the truth)."""

from shouwang.common import vocab

ROLES = {
    "department": "行业部门数据专员",
    "township": "乡镇干部",
    "village": "村（社区）干部",
    "county": "县级农业农村部门",
    "province": "省级",
    "auditor": "审计",
    "resident": "群众",
}
HOME = {
    "department": "/clerk",
    "township": "/township",
    "village": "/village",
    "county": "/county",
    "province": "/policy",
}
DEPARTMENTS = vocab.DEPARTMENTS
TASK_STATUS = vocab.TASK_STATUS
COLOURS = vocab.DEADLINE_COLOURS
OUTCOMES = vocab.TASK_OUTCOMES
CHANNELS = vocab.CHANNELS
TIMELINESS = {"on_time": "按时", "urgent": "紧急推送", "extended": "延期补报"}
COMPLIANCE = {
    "on_time": "按时推送",
    "late": "延期补报",
    "urgent_only": "仅紧急推送",
    "missing": "未推送",
}
HISTORY = {
    "created": "生成任务",
    "assigned": "分派到村",
    "reported": "上报核实结果",
    "confirmed": "乡镇确认",
    "returned": "退回县级",
    "rerouted": "县级改派",
    "overdue": "逾期",
    "signal_attached": "追加预警信号",
}
UNROUTABLE_REASONS = {"unknown_village": "村（社区）代码不在本县区划库中"}
DECLARATION_STATUS = {
    "received": "已受理",
    "verifying": "核实中",
    "verified": "已核实",
    "included": "已纳入",
    "not_included": "未纳入",
    "merged": "已并案核实",
}
FLASH = {
    "assigned": "已分派",
    "confirmed": "已确认",
    "reported": "核实结果已上报，等待乡镇确认",
    "routed": "已分派到村",
    "extended": "已开通延期补报",
    "login": "已登录",
    "policy": "政策参数已保存为新版本",
}


def label(table: dict[str, str], code: object) -> str:
    """The Chinese label of a code, or the code itself when unknown."""
    return table.get(str(code), str(code)) if code is not None else "—"


ITEM_FIELDS = {
    "id_number": "身份证号",
    "name": "姓名",
    "village_code": "村（社区）代码",
    "indicator": "预警指标",
    "observed_on": "发现日期",
    "note": "备注",
    "values": "指标值",
}


def item_field(field: object) -> str:
    """The Chinese name of an upload column (indicator values by their common name)."""
    text = str(field or "")
    if text.startswith("values."):
        return f"指标值（{text.removeprefix('values.')}）"
    return ITEM_FIELDS.get(text, text or "—")


HOUSEHOLD_STATUS = vocab.HOUSEHOLD_STATUS
LABOUR = {"full": "有劳动能力", "partial": "弱劳动能力", "none": "无劳动能力", "unknown": "待核实"}
IDENTIFICATION_STEPS = {
    "village_review": "村级民主评议",
    "notice": "公示",
    "township_review": "乡镇审核",
    "county_decision": "县级审批",
}
IDENTIFICATION_STATUS = {"open": "识别中", "approved": "已批准纳入", "rejected": "未纳入"}
STEP_RESULTS = {
    "pass": "通过",
    "fail": "不通过",
    "posted": "已张贴公示",
    "approve": "批准",
    "reject": "不予批准",
    "objections_recorded": "已登记异议",
}
FOLLOWUP_FLAGS = {
    "below_monitoring_line": "低于监测标准",
    "below_lifted_average": "低于脱贫人口平均收入",
    "income_drop": "收入较上年下降",
    "transfer_share_high": "转移性收入占比过高",
    "no_labour_low_income": "整户无劳力且收入较低",
    "expense_surge": "支出骤增",
    "missed_visit": "本月未走访",
}
INCOME_KINDS = {
    "wage": "工资性收入",
    "production": "生产经营性收入",
    "property": "财产性收入",
    "transfer": "转移性收入",
}
EXPENSE_KINDS = {
    "medical": "医疗支出",
    "education": "教育支出",
    "housing": "住房支出",
    "living": "生活及其他支出",
}
MONTHLY_CHECKS = vocab.MONTHLY_CHECKS
ELIMINATION_STATUS = {"open": "办理中", "eliminated": "风险已消除", "deferred": "缓退"}
OVERDUE_STAGES = {
    "identification": "识别超期",
    "plan": "帮扶计划超期",
    "campaign_problem": "排查问题整改超期",
    "missed_visit": "当月未走访",
}
FLASH.update(
    {
        "labour": "劳动能力已记录",
        "identification": "识别程序已记录",
        "plan": "帮扶计划已保存",
    }
)


def flags_of(raw: object) -> list[dict[str, str]]:
    """Follow-up flags as {code, message}: v1.1 objects or older bare codes, unknowns kept."""
    items = raw if isinstance(raw, list) else []
    flags = []
    for item in items:
        if isinstance(item, dict):
            code = str(item.get("code") or "")
            message = str(item.get("message") or "") or label(FOLLOWUP_FLAGS, code)
        else:
            code = str(item)
            message = label(FOLLOWUP_FLAGS, code)
        flags.append({"code": code, "message": message})
    return flags


# The assistance API's closed vocabularies (DESIGN "Rules"), for pickers; the API validates.
CATEGORIES = vocab.CATEGORIES
MONITORING_CATEGORIES = vocab.MONITORING_CATEGORIES
RISK_TYPES = vocab.RISK_TYPES
MEASURE_TYPES = vocab.MEASURE_TYPES
ELIMINATION_STEPS = {
    "prejudge": "预判",
    "onsite_check": "入户核实（农户签字）",
    "village_review": "村级民主评议",
    "mark": "标注风险消除",
}
ELIMINATION_STATUS.update({"done": "已办结", "failed": "评议未通过"})
ELIMINATION_OUTCOMES = {
    "risk_eliminated": "风险已消除",
    "deferred_exit": "缓退（暂不退出，继续帮扶）",
    "guarantee_household": "整户无劳动能力兜底保障户（不消除风险）",
    "review_failed": "村级评议未通过",
}
PROBLEM_STATES = {"open": "整改中", "overdue": "已超期", "closed": "已销号"}
FLASH.update({"elimination": "风险消除环节已记录", "problem": "问题已登记", "closed": "已销号"})
