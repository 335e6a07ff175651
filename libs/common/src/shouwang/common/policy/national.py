"""The national layer: defaults in code, each with the seed it comes from (shared/seeds).

These are the values the services used as `county_rules` defaults before policy became data
(warning and assistance config.py); a province or county overrides them by version.
"""

from typing import Any

NATIONAL: dict[str, Any] = {
    # seed 001 (兴县): 监测线 6,500 元/人/年; seed 002 uses 7,300 — a county sets its own
    "monitoring_line_yuan": 6500.0,
    # seed 002 (涞源县): average income of the lifted population 12,550 元
    "lifted_average_yuan": 12550.0,
    # seed 004 (绥棱县): departments push monthly on the 5th–15th
    "push_window": {"open_day": 5, "close_day": 15},
    "deadlines": {
        # DESIGN "Rules": accepted within 2 days, checked at home within 2 working days
        "declaration_accept_days": 2,
        "declaration_visit_working_days": 2,
        # DESIGN "Rules" (seed 004 loop): township assigns in 3 days, village reports in 15
        "assign_days": 3,
        "report_days": 15,
        # seed 001: identification within 15 days (some provinces: 20 working days)
        "identification_days": 15,
        # seed 004: assistance plan within 10 days of approval
        "plan_days": 10,
        # seed 001: public notice (公示) of at least 5 days
        "notice_days": 5,
    },
    # DESIGN "Rules": amber once 80 % of a deadline is used
    "amber_ratio": 0.8,
    # DESIGN "Rules" / warning's indicator catalogue defaults (医保, 教育, 水务)
    "indicator_thresholds": {
        "large_medical_expense": {
            "self_paid_yuan.lifted": 5000.0,
            "self_paid_yuan.rural": 20000.0,
            "self_paid_yuan.outpatient_monthly": 500.0,
        },
        "education_burden": {"net_cost_yuan": 10000.0},
        "water_insecurity": {"cut_days": 30.0},
    },
    # seed 002: annualised income = sum of the months recorded / n × 12, by calendar year
    "annualisation": "calendar_year",
    # seed 004 names 支出骤增户 without a figure: expenses up 50 % on last year is our default
    "expense_surge_ratio": 0.5,
    # seed 001 (兴县) 健全退出机制: pre-judgement "每季度末月中旬" (days 11–20 of the quarter's last
    # month), the village democratic review "每季度末月下旬" (from the 21st to the month's end)
    "elimination_schedule": {
        "months": [3, 6, 9, 12],
        "prejudge_from_day": 11,
        "prejudge_to_day": 20,
        "review_from_day": 21,
    },
}
