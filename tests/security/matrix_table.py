"""THE access table: every endpoint, who may call it on the world's own-scope resources.

A row: (service, method, path, allowed principals, body, list check). Everybody not in `allowed`
must be refused (401 without a valid token, else 403/404). The body is JSON, or `Raw` bytes, or a
`Multipart` form. `list check` names the item field whose region code every listed item must lie
inside the caller's scope. Every write route of every app must have a row (test_access_matrix
enumerates the apps' routes); `UPCOMING` rows join the matrix as soon as their route exists.
"""

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Raw:
    """A raw request body."""

    content: bytes
    content_type: str = "text/csv"


@dataclass(frozen=True)
class Multipart:
    """A multipart form with files."""

    data: dict[str, str]
    files: dict[str, tuple[str, bytes, str]] = field(default_factory=dict)


LOCAL = ("county_own", "township_own", "village_own")
READ_LOCAL = ("province_own", *LOCAL)
AREA_ALL = (
    "province_own",
    "province_foreign",
    "county_own",
    "county_foreign",
    "township_own",
    "township_foreign",
    "village_own",
    "village_foreign",
)
PROVINCES = ("province_own", "province_foreign")
DEPARTMENTS = ("department_own", "department_other_dept", "department_other_county")
IN_COUNTY = (
    "province_own",
    "county_own",
    "township_own",
    "township_foreign",
    "village_own",
    "village_foreign",
    "auditor",
)
VALID = (*DEPARTMENTS, *AREA_ALL, "resident_own", "resident_other", "auditor")
UPLOAD_HEADER = "身份证号,姓名,村（社区）代码,预警指标,年度累计自付金额(元)\n".encode()
HOUSEHOLD = "/api/v1/households/{household}"
IMPORT_CSV = (
    "户编号,村代码,户类型,与户主关系,姓名,证件号码,劳动技能,家庭住址\n"
    "MATRIX-0001,231226100201,脱贫户,户主,上官子衿,231226199001011238,普通劳动力,一组\n"
).encode()
PROBLEM = {
    "household_id": "{household}",
    "problem_type": "三保障和饮水安全",
    "description": "住房为 C 级危房",
    "measure": "纳入危房改造计划",
    "responsible": {"unit": "绥棱镇人民政府", "person": "刘书记"},
    "deadline": "2026-11-20",
}
EVIDENCE = {
    "evidence": {
        "text": "已为该户办理危房改造，验收合格",
        "attachments": [
            {"file_name": "验收单.jpg", "content_type": "image/jpeg", "size_bytes": 2048}
        ],
    }
}
EVERYONE = (*VALID, "no_token", "expired_token", "wrong_signature")
NOTICE = "/api/v1/households/{household}/{which}/notice.html"
PLAN = {
    "cadre_name": "刘书记",
    "measures": [
        {
            "type": "产业",
            "name": "养殖",
            "starts_on": "2026-11-10",
            "ends_on": "2027-10-31",
            "amount_yuan": 3000,
        },
        {"type": "健康", "name": "大病保险", "starts_on": "2026-11-10", "ends_on": "2027-10-31"},
    ],
}

Row = tuple[str, str, str, tuple[str, ...], dict[str, Any] | Raw | Multipart | None, str | None]

TABLE: list[Row] = [
    # --- warning: tasks
    ("warning", "GET", "/api/v1/tasks", (*AREA_ALL, "auditor"), None, "village_code"),
    # the list as a streamed sheet: the same scope, checked before the first byte
    ("warning", "GET", "/api/v1/tasks?format=xlsx", (*AREA_ALL, "auditor"), None, None),
    ("warning", "GET", "/api/v1/tasks/{task}", (*READ_LOCAL, "auditor"), None, None),
    ("warning", "GET", "/api/v1/tasks/{task}/pii", ("township_own", "village_own"), None, None),
    (
        "warning",
        "POST",
        "/api/v1/tasks/{task}/assign",
        ("township_own",),
        {"village_code": "231226100201"},
        None,
    ),
    (
        "warning",
        "POST",
        "/api/v1/tasks/{task}/report",
        ("township_own", "village_own"),
        {"outcome": "no_risk", "reason": "已核实", "visited_on": "2026-11-10"},
        None,
    ),
    ("warning", "POST", "/api/v1/tasks/{task}/confirm", ("township_own",), None, None),
    # province included by the service (task_commands: county or province)
    (
        "warning",
        "POST",
        "/api/v1/tasks/{task}/route",
        ("province_own", "county_own"),
        {"village_code": "231226100201"},
        None,
    ),
    # --- warning: batches, county
    (
        "warning",
        "GET",
        "/api/v1/warning-batches",
        (*DEPARTMENTS, *PROVINCES, "county_own", "county_foreign", "auditor"),
        None,
        "county_code",
    ),
    (
        "warning",
        "GET",
        "/api/v1/warning-batches/{batch}",
        ("department_own", "province_own", "county_own", "auditor"),
        None,
        None,
    ),
    (
        "warning",
        "GET",
        "/api/v1/warning-batches/{batch}/raw",
        ("department_own", "province_own", "county_own", "auditor"),
        None,
        None,
    ),
    (
        "warning",
        "GET",
        "/api/v1/warning-batches/{batch}/rejections.xlsx",
        ("department_own", "province_own", "county_own", "auditor"),
        None,
        None,
    ),
    (
        "warning",
        "GET",
        "/api/v1/warning-batches/template?department=medical_insurance",
        VALID,
        None,
        None,
    ),
    (
        "warning",
        "POST",
        "/api/v1/warning-batches",
        ("department_own", "department_other_county"),
        {"department": "medical_insurance", "period": "2026-11", "items": []},
        None,
    ),
    (
        "warning",
        "POST",
        "/api/v1/warning-batches/upload",
        ("department_own", "department_other_county"),
        Multipart(
            {"department": "medical_insurance", "period": "2026-11"},
            {"file": ("预警.csv", UPLOAD_HEADER, "text/csv")},
        ),
        None,
    ),
    (
        "warning",
        "GET",
        "/api/v1/unroutable",
        ("province_own", "province_foreign", "county_own", "county_foreign", "auditor"),
        None,
        "county_code",
    ),
    (
        "warning",
        "POST",
        "/api/v1/unroutable/{unroutable}/route",
        ("county_own",),
        {"village_code": "231226100201"},
        None,
    ),
    (
        "warning",
        "POST",
        "/api/v1/registry/import",
        ("county_own", "county_foreign"),
        Raw("身份证号,状态,户编号\n".encode()),
        None,
    ),
    (
        "warning",
        "GET",
        "/api/v1/compliance?period=2026-11",
        (*DEPARTMENTS, "county_own", "county_foreign"),
        None,
        None,
    ),
    # `county=` is honoured for auditors/provinces only: counties and departments get their own
    (
        "warning",
        "GET",
        "/api/v1/compliance?period=2026-11&county=231226",
        (*DEPARTMENTS, "province_own", "county_own", "county_foreign", "auditor"),
        None,
        None,
    ),
    (
        "warning",
        "POST",
        "/api/v1/extensions",
        ("county_own", "county_foreign"),
        {
            "department": "medical_insurance",
            "period": "2026-10",
            "until": "2026-11-30T00:00:00+08:00",
        },
        None,
    ),
    # --- intake
    ("intake", "GET", "/api/v1/declarations", (*AREA_ALL, "auditor"), None, "village_code"),
    ("intake", "GET", "/api/v1/declarations?format=xlsx", (*AREA_ALL, "auditor"), None, None),
    # a resident files for themselves on the self-declaration channel (cadres: other channels)
    (
        "intake",
        "POST",
        "/api/v1/declarations",
        ("resident_own", "resident_other"),
        {
            "channel": "self_declaration",
            "id_number": "{declarant_id}",
            "name": "{declarant_name}",
            "phone": "13900001234",
            "village_code": "231226100201",
            "household_size": 3,
            "hardships": ["因病"],
            "description": "户主患病",
            "income_estimate_yuan": 6000,
            "attachments": [],
        },
        None,
    ),
    (
        "intake",
        "GET",
        "/api/v1/declarations/{receipt}",
        (*READ_LOCAL, "auditor", "resident_own"),
        None,
        None,
    ),
    # --- assistance: registry
    ("assistance", "GET", "/api/v1/households", (*AREA_ALL, "auditor"), None, "village_code"),
    # the plan ledger of the caller's area (a row per measure), streamed
    ("assistance", "GET", "/api/v1/plans.xlsx", (*AREA_ALL, "auditor"), None, None),
    ("assistance", "GET", "/api/v1/households/{household}", (*READ_LOCAL, "auditor"), None, None),
    ("assistance", "GET", "/api/v1/households/{household}/pii", LOCAL, None, None),
    (
        "assistance",
        "GET",
        NOTICE.replace("{which}", "identification"),
        (*READ_LOCAL, "auditor"),
        None,
        None,
    ),
    (
        "assistance",
        "GET",
        NOTICE.replace("{which}", "elimination"),
        (*READ_LOCAL, "auditor"),
        None,
        None,
    ),
    (
        "assistance",
        "POST",
        "/api/v1/households",
        ("county_own", "township_own", "village_own"),
        {
            "village_code": "231226100201",
            "category": "脱贫户",
            "members": [
                {
                    "id_number": "{member_id}",
                    "name": "{member_name}",
                    "labour": "full",
                    "relation": "户主",
                    "phone": "13900004321",
                }
            ],
        },
        None,
    ),
    # one row of the own village: a foreign county or township may not import into it
    (
        "assistance",
        "POST",
        "/api/v1/households/import",
        ("county_own", "township_own"),
        Raw(IMPORT_CSV),
        None,
    ),
    ("assistance", "PATCH", HOUSEHOLD, LOCAL, {"size": 3}, None),
    ("assistance", "PUT", HOUSEHOLD + "/members/{member}/labour", LOCAL, {"labour": "full"}, None),
    (
        "assistance",
        "POST",
        HOUSEHOLD + "/members",
        LOCAL,
        {
            "id_number": "{member_id_2}",
            "name": "{member_name}",
            "relation": "子女",
            "labour": "none",
        },
        None,
    ),
    (
        "assistance",
        "POST",
        HOUSEHOLD + "/identification/start",
        ("county_own", "township_own"),
        {"reason": "大额医疗自付", "risk_types": ["因病"]},
        None,
    ),
    (
        "assistance",
        "POST",
        HOUSEHOLD + "/identification/village_review",
        ("township_own", "village_own"),
        {"result": "pass", "date": "2026-11-10", "attendees": 7},
        None,
    ),
    (
        "assistance",
        "POST",
        HOUSEHOLD + "/identification/notice",
        ("township_own", "village_own"),
        {"posted_on": "2026-11-10"},
        None,
    ),
    (
        "assistance",
        "POST",
        HOUSEHOLD + "/identification/township_review",
        ("township_own",),
        {"result": "pass", "date": "2026-11-10"},
        None,
    ),
    (
        "assistance",
        "POST",
        HOUSEHOLD + "/identification/county_decision",
        ("county_own",),
        {"decision": "approve", "date": "2026-11-10"},
        None,
    ),
    (
        "assistance",
        "POST",
        HOUSEHOLD + "/plans",
        LOCAL,
        PLAN,
        None,
    ),
    # the plan editor's dry run: the rules a plan would break, nothing written
    ("assistance", "POST", HOUSEHOLD + "/plans/check", LOCAL, PLAN, None),
    (
        "assistance",
        "POST",
        HOUSEHOLD + "/elimination/prejudge",
        ("township_own", "village_own"),
        {"date": "2026-11-10"},
        None,
    ),
    (
        "assistance",
        "POST",
        HOUSEHOLD + "/elimination/onsite_check",
        ("township_own", "village_own"),
        {"date": "2026-11-10", "checked_by": "刘书记", "household_signed": True},
        None,
    ),
    (
        "assistance",
        "POST",
        HOUSEHOLD + "/elimination/village_review",
        ("township_own", "village_own"),
        {"result": "pass", "date": "2026-11-10", "attendees": 7},
        None,
    ),
    (
        "assistance",
        "POST",
        HOUSEHOLD + "/elimination/mark",
        ("county_own", "township_own"),
        {"date": "2026-11-10"},
        None,
    ),
    (
        "assistance",
        "POST",
        "/api/v1/households/{household}/followups",
        ("township_own", "village_own"),
        {"month": "2026-10", "income": {"wage": 1000}},
        None,
    ),
    # --- assistance: campaigns are county-wide: every township and village of the county takes
    # part (problems and four lists are then narrowed to the caller's own township/village;
    # a township's `township_code=` is ignored in favour of its own)
    ("assistance", "GET", "/api/v1/campaigns", (*AREA_ALL, "auditor"), None, "county_code"),
    (
        "assistance",
        "POST",
        "/api/v1/campaigns",
        ("county_own", "county_foreign"),
        {
            "name": "矩阵测试排查",
            "phases": [{"name": "排查", "starts_on": "2026-11-01", "ends_on": "2026-12-31"}],
        },
        None,
    ),
    (
        "assistance",
        "POST",
        "/api/v1/campaigns/{campaign}/problems",
        ("township_own", "village_own"),
        PROBLEM,
        None,
    ),
    (
        "assistance",
        "POST",
        "/api/v1/campaigns/{campaign}/problems/{problem}/close",
        ("county_own", "township_own", "village_own"),
        EVIDENCE,
        None,
    ),
    ("assistance", "GET", "/api/v1/campaigns/{campaign}", IN_COUNTY, None, None),
    ("assistance", "GET", "/api/v1/campaigns/{campaign}/problems", IN_COUNTY, None, None),
    ("assistance", "GET", "/api/v1/campaigns/{campaign}/progress", IN_COUNTY, None, None),
    (
        "assistance",
        "GET",
        "/api/v1/campaigns/{campaign}/four-lists.xlsx?township_code=231226100",
        IN_COUNTY,
        None,
        None,
    ),
    # --- audit
    ("audit", "GET", "/api/v1/audit/verify", ("auditor",), None, None),
    (
        "audit",
        "GET",
        "/api/v1/audit/events",
        ("auditor", *PROVINCES, "county_own", "county_foreign"),
        None,
        None,
    ),
    ("audit", "GET", "/api/v1/audit/pii-access", ("auditor",), None, None),
    (
        "audit",
        "GET",
        "/api/v1/audit/export",
        ("auditor", *PROVINCES, "county_own", "county_foreign"),
        None,
        None,
    ),
    (
        "audit",
        "GET",
        "/api/v1/metrics/supervision?county=231226",
        ("auditor", "province_own", "county_own"),
        None,
        None,
    ),
    (
        "audit",
        "GET",
        "/api/v1/metrics/overdue?county=231226",
        ("auditor", "province_own", "county_own"),
        None,
        None,
    ),
    (
        "audit",
        "GET",
        "/api/v1/reports/consultation?county=231226",
        ("auditor", "province_own", "county_own"),
        None,
        None,
    ),
    ("audit", "GET", "/asyncapi.json", EVERYONE, None, None),
    # --- warning: items under the county's indicator threshold (county and province lists)
    (
        "warning",
        "GET",
        "/api/v1/below-threshold",
        (*PROVINCES, "county_own", "county_foreign"),
        None,
        "county_code",
    ),
    # --- assistance: the household's responsible cadre; a township's screening done
    (
        "assistance",
        "PUT",
        "/api/v1/households/{household}/cadre",
        ("county_own", "township_own"),
        {"name": "李四", "phone": "13800000000", "post": "包村干部"},
        None,
    ),
    (
        "assistance",
        "POST",
        "/api/v1/campaigns/{campaign}/townships/231226100/complete",
        ("county_own", "township_own"),
        {"note": "本乡镇排查完毕"},
        None,
    ),
    # --- assistance: the county's data-quality list (flags from the scheduled sweep)
    (
        "assistance",
        "GET",
        "/api/v1/data-quality?county=231226",
        IN_COUNTY,
        None,
        "village_code",
    ),
    # --- policy: settings by region and year (reads for every signed-in caller; each layer
    # changes only its own region; far-future dates so no other test is judged by them)
    ("policy", "GET", "/api/v1/policy/{county}", VALID, None, None),
    ("policy", "GET", "/api/v1/policy/{county}/history", VALID, None, None),
    (
        "policy",
        "PUT",
        "/api/v1/policy/{county}",
        ("county_own",),
        {"effective_from": "2099-01-01", "reason": "权限矩阵", "settings": {"amber_ratio": 0.7}},
        None,
    ),
    # the what-if of a change: the same callers as the change itself; nothing live changes
    (
        "policy",
        "POST",
        "/api/v1/policy/{county}/what-if",
        ("county_own",),
        {"settings": {"monitoring_line_yuan": 6000}},
        None,
    ),
    (
        "policy",
        "POST",
        "/api/v1/policy/{province}/what-if",
        ("province_own",),
        {"settings": {"monitoring_line_yuan": 6000}},
        None,
    ),
    ("policy", "GET", "/api/v1/calendar/{province}/2099", VALID, None, None),
    (
        "policy",
        "PUT",
        "/api/v1/calendar/{province}/2099",
        ("province_own",),
        {"holidays": ["2099-10-01"], "workdays": [], "reason": "权限矩阵"},
        None,
    ),
]

# rows whose route another change is adding: they join the matrix once the route exists
UPCOMING: list[Row] = [
    # a one-use ticket for a live stream: any valid token may ask (the stream checks the scope)
    ("warning", "POST", "/api/v1/stream-tickets", VALID, None, None),
    ("audit", "POST", "/api/v1/stream-tickets", VALID, None, None),
]
