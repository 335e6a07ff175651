"""Chinese labels for the codes the APIs return (display only; the APIs stay the truth)."""

ROLES = {
    "department": "行业部门数据专员",
    "township": "乡镇干部",
    "village": "村（社区）干部",
    "county": "县级农业农村部门",
    "province": "省级",
    "auditor": "审计",
    "resident": "群众",
}
HOME = {"department": "/clerk", "township": "/township", "village": "/village", "county": "/county"}
DEPARTMENTS = {
    "education": "教育局",
    "health": "卫健局",
    "medical_insurance": "医保局",
    "housing": "住建局",
    "water": "水务局",
    "human_resources": "人社局",
    "civil_affairs": "民政局",
    "disabled_persons": "残联",
    "emergency": "应急管理局",
    "transport": "交通运输局",
}
TASK_STATUS = {
    "routed": "待分派",
    "assigned": "已分派待核实",
    "reported": "已上报待确认",
    "confirmed": "已确认（已办结）",
    "returned": "已退回县级",
}
COLOURS = {"green": "正常", "amber": "临期", "red": "逾期", "closed": "已办结"}
OUTCOMES = {
    "risk_confirmed": "确有风险",
    "no_risk": "无风险",
    "already_monitored": "已纳入监测",
    "not_found": "查无此人",
    "moved": "已迁出",
}
CHANNELS = {
    "department_warning": "部门预警",
    "self_declaration": "农户自主申报",
    "cadre_screening": "干部排查",
    "department_screening": "部门筛查",
    "petition": "信访",
    "hotline": "热线",
}
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
}
FLASH = {
    "assigned": "已分派",
    "confirmed": "已确认",
    "reported": "核实结果已上报，等待乡镇确认",
    "routed": "已分派到村",
    "extended": "已开通延期补报",
    "login": "已登录",
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
