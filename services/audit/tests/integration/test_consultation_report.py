"""The quarterly consultation (会商) report: figures of the quarter only, printable, masked."""

import re
import uuid
from datetime import datetime, timedelta

from shouwang.audit.messaging.consumers import handle
from shouwang.common.clock import SHANGHAI
from shouwang.common.events.catalog import assistance as a
from shouwang.common.events.catalog import warning as w
from shouwang.common.events.envelope import new_envelope
from shouwang.common.testing.fixtures import auth

COUNTY = "239907"
T1, T2 = COUNTY + "100", COUNTY + "101"
OCT = datetime(2026, 10, 12, 9, 0, tzinfo=SHANGHAI)


async def _deliver(sessions, data, at: datetime, subject: str = "s") -> None:
    async with sessions() as session, session.begin():
        await handle(new_envelope(data, source="/test", subject=subject, time=at), session)


def _facts(task: str, township: str, period: str) -> dict:
    return {
        "task_id": task,
        "county_code": COUNTY,
        "township_code": township,
        "village_code": township + "201",
        "period": period,
        "channel": "department_warning",
        "person_ref": "ref-" + task,
    }


async def _task(
    sessions, township: str, period: str, at: datetime, *, report_hours: int | None, overdue: bool
) -> None:
    task = str(uuid.uuid4())
    facts = _facts(task, township, period)
    await _deliver(
        sessions,
        w.TaskCreated(
            **facts,
            name_masked="王*",
            id_masked="2312**1234",
            source_ref="b",
            comparison="new",
            assign_by=at + timedelta(days=3),
            report_by=at + timedelta(days=15),
        ),
        at,
        task,
    )
    if report_hours is not None:
        reported = at + timedelta(hours=report_hours)
        await _deliver(
            sessions,
            w.TaskReported(
                **facts, outcome="no_risk", reason="收入稳定", source_ref="b", reported_by="v"
            ),
            reported,
            task,
        )
        await _deliver(
            sessions,
            w.TaskConfirmed(**facts, outcome="no_risk", source_ref="b", confirmed_by="t"),
            reported,
            task,
        )
    if overdue:
        await _deliver(
            sessions,
            w.TaskOverdue(
                **facts, stage="assign", due_at=at + timedelta(days=3), escalated_to=COUNTY
            ),
            at + timedelta(days=4),
            task,
        )


async def _seed_quarter(sessions) -> None:
    filed = {
        "county_code": COUNTY,
        "department": "medical_insurance",
        "received": 3,
        "accepted": 3,
        "rejected": 0,
        "sha256": "0" * 64,
    }
    await _deliver(
        sessions, w.BatchFiled(batch_id="b1", period="2026-10", timeliness="on_time", **filed), OCT
    )
    await _deliver(
        sessions,
        w.BatchFiled(batch_id="b2", period="2026-11", timeliness="extended", **filed),
        OCT + timedelta(days=30),
    )
    await _deliver(
        sessions,
        w.PushMissing(county_code=COUNTY, department="health", period="2026-12"),
        OCT + timedelta(days=60),
    )
    await _task(sessions, T1, "2026-10", OCT, report_hours=5, overdue=False)
    await _task(sessions, T1, "2026-10", OCT, report_hours=None, overdue=True)
    await _task(sessions, T2, "2026-11", OCT + timedelta(days=30), report_hours=20, overdue=True)
    await _task(sessions, T2, "2026-12", OCT + timedelta(days=60), report_hours=None, overdue=True)
    await _task(
        sessions, T1, "2026-09", OCT - timedelta(days=30), report_hours=None, overdue=True
    )  # the previous quarter: not in this report
    where = {"county_code": COUNTY, "village_code": T2 + "201"}
    await _deliver(
        sessions,
        a.IdentificationStepRecorded(
            household_id="h1", **where, step="county_decision", result="approve", overdue=False
        ),
        OCT,
    )
    await _deliver(
        sessions,
        a.PlanRecorded(household_id="h1", **where, plan_id="p1", measure_types=["就业"], late=True),
        OCT,
    )
    await _deliver(
        sessions,
        a.HouseholdStatusChanged(
            household_id="h1",
            **where,
            status="monitored",
            member_refs=["r"],
            category="边缘易致贫户",
            risk_types=["因病"],
        ),
        OCT,
    )


async def test_report_covers_the_quarter(sessions, audit_client):
    await _seed_quarter(sessions)
    params = {"county": COUNTY, "quarter": "2026Q4"}
    data = await audit_client.get(
        "/api/v1/reports/consultation", params=params, headers=auth("auditor")
    )
    assert data.status_code == 200, data.text
    report = data.json()
    assert report["periods"] == ["2026-10", "2026-11", "2026-12"]
    tasks = report["tasks"]
    assert (tasks["created"], tasks["verified"], tasks["closed"], tasks["overdue"]) == (4, 2, 2, 3)
    assert (tasks["median_hours_to_verify"], tasks["p90_hours_to_verify"]) == (5, 20)
    departments = {r["department"]: r for r in report["compliance"]}
    assert departments["medical_insurance"]["months"] == {
        "2026-10": "on_time",
        "2026-11": "late",
        "2026-12": "not_pushed",
    }
    assert departments["medical_insurance"]["accepted"] == 6
    assert departments["health"]["months"]["2026-12"] == "missing"
    assert report["timeliness"]["identification"]["on_time"] == 1
    assert report["timeliness"]["plan"]["late"] == 1
    assert [t["township_code"] for t in report["top_overdue"]] == [T2, T1]
    assert report["top_overdue"][0]["overdue"] == 2

    page = await audit_client.get("/report/consultation", params=params, headers=auth("auditor"))
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert "季度会商报告" in html and "2026年第四季度" in html and "2026-10 至 2026-12" in html
    assert "@media print" in html and "@page" in html
    row = re.search(r"<tr><td class=\"name\">医保局</td>(.*?)</tr>", html)
    assert row and "按时推送" in row[1] and "延期推送" in row[1] and "1/3" in row[1]
    assert "未推送（已提醒）" in html and "边缘易致贫户" in html and "因病" in html
    assert '<td class="name">核实用时中位数（小时）</td><td>5</td>' in html
    assert "王*" not in html and "ref-" not in html  # statistics only, no person at all


async def test_report_validation_and_scope(audit_client):
    bad = await audit_client.get(
        "/api/v1/reports/consultation",
        params={"county": COUNTY, "quarter": "2026-4"},
        headers=auth("auditor"),
    )
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "quarter"
    page = await audit_client.get(
        "/report/consultation", params={"quarter": "2026Q5"}, headers=auth("county", "231226")
    )
    assert page.status_code == 422 and "季度格式" in page.text
    other = await audit_client.get(
        "/report/consultation", params={"county": "231226"}, headers=auth("county", "230125")
    )
    assert other.status_code == 403
    mine = await audit_client.get("/report/consultation", headers=auth("county", "231226"))
    assert mine.status_code == 200 and "绥棱县" in mine.text and "2026年第四季度" in mine.text
