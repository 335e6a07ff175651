"""The closed vocabularies every service and the workbench share, with their Chinese labels.

One list each (DESIGN "Rules", API.md): the departments that push, the household categories, the
risk types of identification (a declaration's hardships are the ones a resident can name), and
the measure types of a plan. Services validate against these; the workbench offers them.
"""

from typing import Final

DEPARTMENTS: Final[dict[str, str]] = {
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

LIFTED: Final = "脱贫户"
MONITORING_CATEGORIES: Final = ("脱贫不稳定户", "边缘易致贫户", "突发严重困难户")
CATEGORIES: Final = (LIFTED, *MONITORING_CATEGORIES)

# found by the village and the township at identification, not declared by a resident
ASSESSED_ONLY_RISKS: Final = ("内生动力不足",)
RISK_TYPES: Final = (
    "因病",
    "因残",
    "因学",
    "因灾",
    "因意外事故",
    "因产业失败",
    "因务工就业不稳",
    "缺劳力/无劳力",
    "住房安全",
    "饮水安全",
    "内生动力不足",
    "其他",
)
HARDSHIPS: Final = tuple(r for r in RISK_TYPES if r not in ASSESSED_ONLY_RISKS)

MEASURE_TYPES: Final = (
    "产业",
    "就业",
    "健康",
    "教育",
    "住房",
    "饮水",
    "金融",
    "公益岗位",
    "综合保障/兜底",
    "扶志扶智",
    "保险/救助",
)

# a verification task: how its signals came, where it stands, what the visit found, its deadline
CHANNELS: Final[dict[str, str]] = {
    "department_warning": "部门预警",
    "self_declaration": "农户自主申报",
    "cadre_screening": "干部排查",
    "department_screening": "部门筛查",
    "petition": "信访",
    "hotline": "热线",
}
TASK_STATUS: Final[dict[str, str]] = {
    "routed": "待分派",
    "assigned": "已分派待核实",
    "reported": "已上报待确认",
    "confirmed": "已确认（已办结）",
    "returned": "已退回县级",
}
TASK_OUTCOMES: Final[dict[str, str]] = {
    "risk_confirmed": "确有风险",
    "no_risk": "无风险",
    "already_monitored": "已纳入监测",
    "not_found": "查无此人",
    "moved": "已迁出",
}
DEADLINE_COLOURS: Final[dict[str, str]] = {
    "green": "正常",
    "amber": "临期",
    "red": "逾期",
    "closed": "已办结",
}

# where a household stands in monitoring
HOUSEHOLD_STATUS: Final[dict[str, str]] = {
    "lifted": "脱贫户（未监测）",
    "none": "一般农户",
    "identifying": "识别中",
    "monitored": "监测对象",
    "risk_eliminated": "风险已消除",
    "deferred_exit": "缓退（继续帮扶）",
}

# seed 001 monthly checks (逐月监测帮扶成效): the follow-up's field -> label
MONTHLY_CHECKS: Final[dict[str, str]] = {
    "measures_in_place": "帮扶措施落实到位",
    "entitlements_received": "帮扶政策应享尽享",
    # 三保障 + drinking water (seed 001 "两不愁三保障及饮水安全"), one field each
    "education": "义务教育有保障",
    "medical": "基本医疗有保障",
    "housing": "住房安全有保障",
    "water": "饮水安全有保障",
    "household_satisfied": "群众对帮扶工作认可满意",
}
