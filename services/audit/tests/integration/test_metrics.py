"""Supervision metrics are maintained as events arrive, through the real consumer handler."""

import uuid
from datetime import datetime, timedelta

from shouwang.audit.messaging.consumers import handle
from shouwang.common.clock import SHANGHAI
from shouwang.common.events.catalog import warning as w
from shouwang.common.events.envelope import new_envelope
from shouwang.common.testing.fixtures import auth, wait_until

COUNTY = "239901"  # a county of its own: the numbers below are exact
T1, T2 = COUNTY + "100", COUNTY + "101"
START = datetime(2026, 11, 1, 9, 0, tzinfo=SHANGHAI)


def _facts(task_id: str, township: str = T1) -> dict:
    return {
        "task_id": task_id,
        "county_code": COUNTY,
        "township_code": township,
        "village_code": township + "201",
        "period": "2026-11",
        "channel": "department_warning",
        "person_ref": "ref-" + task_id,
    }


async def _deliver(sessions, data, at: datetime, subject: str) -> None:
    async with sessions() as session, session.begin():
        await handle(new_envelope(data, source="/test", subject=subject, time=at), session)


async def _task_lifecycle(sessions, hours_to_report: int, *, confirm: bool) -> str:
    task = str(uuid.uuid4())
    created = w.TaskCreated(
        **_facts(task),
        name_masked="张*",
        id_masked="2312**********1234",
        source_ref="b",
        comparison="new",
        assign_by=START + timedelta(days=3),
        report_by=START + timedelta(days=15),
    )
    envelope = new_envelope(created, source="/test", subject=task, time=START)
    async with sessions() as session, session.begin():
        await handle(envelope, session)
        await handle(envelope, session)  # a duplicate delivery must not count twice
    await _deliver(
        sessions,
        w.TaskAssigned(**_facts(task), assigned_by="township:1"),
        START + timedelta(hours=1),
        task,
    )
    reported_at = START + timedelta(hours=hours_to_report)
    await _deliver(
        sessions,
        w.TaskReported(
            **_facts(task), outcome="risk_confirmed", source_ref="b", reported_by="village:1"
        ),
        reported_at,
        task,
    )
    if confirm:
        await _deliver(
            sessions,
            w.TaskConfirmed(
                **_facts(task), outcome="risk_confirmed", source_ref="b", confirmed_by="township:1"
            ),
            reported_at + timedelta(hours=1),
            task,
        )
    return task


async def test_task_metrics_follow_the_lifecycle(sessions, audit_client):
    await _task_lifecycle(sessions, 2, confirm=True)
    await _task_lifecycle(sessions, 10, confirm=False)
    late = await _task_lifecycle(sessions, 30, confirm=False)
    overdue = w.TaskOverdue(
        **_facts(late), stage="report", due_at=START + timedelta(days=15), escalated_to=COUNTY
    )
    await _deliver(sessions, overdue, START + timedelta(days=16), late)
    await _deliver(sessions, overdue, START + timedelta(days=17), late)  # still one overdue task
    await _deliver(
        sessions, w.TaskReturned(**_facts(late), outcome="moved"), START + timedelta(days=17), late
    )
    await _deliver(
        sessions,
        w.TaskRerouted(**_facts(late, T2), from_township_code=T1, rerouted_by="county"),
        START + timedelta(days=17),
        late,
    )
    resp = await audit_client.get(
        "/api/v1/metrics/supervision",
        params={"county": COUNTY, "period": "2026-11"},
        headers=auth("auditor"),
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    kpis = body["kpis"]
    assert (kpis["created"], kpis["closed"], kpis["overdue"], kpis["open"]) == (3, 1, 1, 2)
    assert kpis["closure_rate"] == round(1 / 3, 4)
    assert (kpis["median_hours_to_verify"], kpis["p90_hours_to_verify"]) == (10, 30)
    towns = {t["township_code"]: t for t in body["townships"]}
    assert (towns[T1]["created"], towns[T1]["confirmed"], towns[T1]["reported"]) == (2, 1, 1)
    # rerouted: counted in the new township, routed again (as in warning), still overdue
    assert (towns[T2]["created"], towns[T2]["routed"], towns[T2]["overdue"]) == (1, 1, 1)
    assert (towns[T1]["returned"], towns[T2]["returned"], towns[T2]["reported"]) == (0, 0, 0)
    assert body["townships"][0]["township_code"] == T1  # the better closure rate ranks first
    assert body["trend"][-1] == {"period": "2026-11", "created": 3, "closed": 1, "overdue": 1}
    listed = await audit_client.get(
        "/api/v1/metrics/overdue", params={"county": COUNTY}, headers=auth("auditor")
    )
    assert [t["task_id"] for t in listed.json()["items"]] == [late]
    assert listed.json()["items"][0]["township_code"] == T2


async def test_push_compliance_per_department(push_batch, audit_client, sessions):
    await push_batch(department="health")
    missing = w.PushMissing(county_code="231226", department="transport", period="2026-11")
    await _deliver(sessions, missing, START, "missing")
    county = auth("county", "231226")

    async def statuses() -> dict | None:
        r = await audit_client.get("/api/v1/metrics/supervision", headers=county)
        assert r.status_code == 200, r.text
        table = {row["department"]: row for row in r.json()["compliance"]}
        return table if table["health"]["status"] == "on_time" else None

    table = await wait_until(statuses, what="health compliance")
    assert table["health"]["department_name"] == "卫健局"
    assert table["transport"]["status"] == "missing"
    assert len([d for d in table if d in ("education", "water", "emergency")]) == 3


async def test_pushed_task_is_counted_for_its_township(push_batch, audit_client):
    county = auth("county", "231226")

    async def routed() -> int:
        r = await audit_client.get("/api/v1/metrics/supervision", headers=county)
        towns = {t["township_code"]: t for t in r.json()["townships"]}
        return int(towns["231226100"]["created"])

    before = await routed()
    await push_batch()
    await wait_until(lambda: _greater(routed, before), what="township counter")


async def _greater(read, before: int) -> bool:
    return await read() > before


async def test_metrics_scope_and_validation(audit_client):
    other = await audit_client.get(
        "/api/v1/metrics/supervision", params={"county": "231226"}, headers=auth("county", "230125")
    )
    assert other.status_code == 403
    no_county = await audit_client.get("/api/v1/metrics/supervision", headers=auth("auditor"))
    assert no_county.status_code == 422 and no_county.json()["error"]["field"] == "county"
