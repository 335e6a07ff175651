"""THE access table: every endpoint, who may call it on the world's own-scope resources.

A row: (service, method, path, allowed principals, JSON body, list check). Everybody not in
`allowed` must be refused (401 without a valid token, else 403/404). `list check` names the item
field whose region code every listed item must lie inside the caller's scope.
"""

from typing import Any

LOCAL = ("county_own", "township_own", "village_own")
AREA_ALL = ("county_own", "county_foreign", "township_own", "township_foreign", "village_own",
            "village_foreign")
DEPARTMENTS = ("department_own", "department_other_dept", "department_other_county")
IN_COUNTY = ("county_own", "township_own", "township_foreign", "village_own", "village_foreign",
             "auditor")
VALID = (*DEPARTMENTS, *AREA_ALL, "resident_own", "resident_other", "auditor")
EVERYONE = (*VALID, "no_token", "expired_token", "wrong_signature")
NOTICE = "/api/v1/households/{household}/{which}/notice.html"

Row = tuple[str, str, str, tuple[str, ...], dict[str, Any] | None, str | None]

TABLE: list[Row] = [
    # --- warning: tasks
    ("warning", "GET", "/api/v1/tasks", (*AREA_ALL, "auditor"), None, "village_code"),
    ("warning", "GET", "/api/v1/tasks/{task}", (*LOCAL, "auditor"), None, None),
    ("warning", "GET", "/api/v1/tasks/{task}/pii", ("township_own", "village_own"), None, None),
    ("warning", "POST", "/api/v1/tasks/{task}/assign", ("township_own",),
     {"village_code": "231226100201"}, None),
    ("warning", "POST", "/api/v1/tasks/{task}/report", ("township_own", "village_own"),
     {"outcome": "no_risk", "reason": "已核实", "visited_on": "2026-11-10"}, None),
    ("warning", "POST", "/api/v1/tasks/{task}/confirm", ("township_own",), None, None),
    ("warning", "POST", "/api/v1/tasks/{task}/route", ("county_own",),
     {"village_code": "231226100201"}, None),
    # --- warning: batches, county
    ("warning", "GET", "/api/v1/warning-batches", (*DEPARTMENTS, "county_own", "county_foreign",
                                                  "auditor"), None, "county_code"),
    ("warning", "GET", "/api/v1/warning-batches/{batch}", ("department_own", "county_own",
                                                          "auditor"), None, None),
    ("warning", "GET", "/api/v1/warning-batches/{batch}/raw", ("department_own", "county_own",
                                                              "auditor"), None, None),
    ("warning", "GET", "/api/v1/warning-batches/{batch}/rejections.xlsx",
     ("department_own", "county_own", "auditor"), None, None),
    ("warning", "GET", "/api/v1/warning-batches/template?department=medical_insurance", VALID,
     None, None),
    ("warning", "POST", "/api/v1/warning-batches", ("department_own", "department_other_county"),
     {"department": "medical_insurance", "period": "2026-11", "items": []}, None),
    ("warning", "GET", "/api/v1/unroutable", ("county_own", "county_foreign", "auditor"), None,
     "county_code"),
    ("warning", "GET", "/api/v1/compliance?period=2026-11", (*DEPARTMENTS, "county_own",
                                                            "county_foreign"), None, None),
    # `county=` is honoured for auditors/provinces only: counties and departments get their own
    ("warning", "GET", "/api/v1/compliance?period=2026-11&county=231226", (
        *DEPARTMENTS, "county_own", "county_foreign", "auditor"), None, None),
    ("warning", "POST", "/api/v1/extensions", ("county_own", "county_foreign"),
     {"department": "medical_insurance", "period": "2026-10", "until": "2026-11-30T00:00:00+08:00"},
     None),
    # --- intake
    ("intake", "GET", "/api/v1/declarations", (*AREA_ALL, "auditor"), None, "village_code"),
    ("intake", "GET", "/api/v1/declarations/{receipt}", (*LOCAL, "auditor", "resident_own"),
     None, None),
    # --- assistance: registry
    ("assistance", "GET", "/api/v1/households", (*AREA_ALL, "auditor"), None, "village_code"),
    ("assistance", "GET", "/api/v1/households/{household}", (*LOCAL, "auditor"), None, None),
    ("assistance", "GET", "/api/v1/households/{household}/pii", LOCAL, None, None),
    ("assistance", "GET", NOTICE.replace("{which}", "identification"), (*LOCAL, "auditor"), None,
     None),
    ("assistance", "GET", NOTICE.replace("{which}", "elimination"), (*LOCAL, "auditor"), None,
     None),
    ("assistance", "PATCH", "/api/v1/households/{household}", LOCAL, {"size": 3}, None),
    ("assistance", "PUT", "/api/v1/households/{household}/members/{member}/labour", LOCAL,
     {"labour": "full"}, None),
    ("assistance", "POST", "/api/v1/households/{household}/followups", ("township_own",
                                                                        "village_own"),
     {"month": "2026-10", "income": {"wage": 1000}}, None),
    # --- assistance: campaigns are county-wide: every township and village of the county takes
    # part (problems and four lists are then narrowed to the caller's own township/village;
    # a township's `township_code=` is ignored in favour of its own)
    ("assistance", "GET", "/api/v1/campaigns", (*AREA_ALL, "auditor"), None, "county_code"),
    ("assistance", "GET", "/api/v1/campaigns/{campaign}", IN_COUNTY, None, None),
    ("assistance", "GET", "/api/v1/campaigns/{campaign}/problems", IN_COUNTY, None, None),
    ("assistance", "GET", "/api/v1/campaigns/{campaign}/progress", IN_COUNTY, None, None),
    ("assistance", "GET", "/api/v1/campaigns/{campaign}/four-lists.xlsx?township_code=231226100",
     IN_COUNTY, None, None),
    # --- audit
    ("audit", "GET", "/api/v1/audit/verify", ("auditor",), None, None),
    ("audit", "GET", "/api/v1/audit/events", ("auditor", "county_own", "county_foreign"), None,
     None),
    ("audit", "GET", "/api/v1/audit/pii-access", ("auditor",), None, None),
    ("audit", "GET", "/api/v1/audit/export", ("auditor", "county_own", "county_foreign"), None,
     None),
    ("audit", "GET", "/api/v1/metrics/supervision?county=231226", ("auditor", "county_own"), None,
     None),
    ("audit", "GET", "/api/v1/metrics/overdue?county=231226", ("auditor", "county_own"), None,
     None),
    ("audit", "GET", "/api/v1/reports/consultation?county=231226", ("auditor", "county_own"),
     None, None),
    ("audit", "GET", "/asyncapi.json", EVERYONE, None, None),
]
