"""Deadline colours per township: projected deadlines, colour computed at query time."""

import uuid
from datetime import timedelta

from shouwang.audit.messaging.consumers import handle, handle_many
from shouwang.common.events.catalog import warning as w
from shouwang.common.events.envelope import new_envelope
from shouwang.common.testing.fixtures import auth

COUNTY = "239906"
T1, T2 = COUNTY + "100", COUNTY + "101"
DAY = timedelta(days=1)


def _facts(task: str, township: str) -> dict:
    return {
        "task_id": task,
        "county_code": COUNTY,
        "township_code": township,
        "village_code": township + "201",
        "period": "2026-11",
        "channel": "department_warning",
        "person_ref": "ref-" + task,
    }


def _created(task: str, township: str, at, assign_days: float, report_days: float = 15):
    data = w.TaskCreated(
        **_facts(task, township),
        name_masked="张*",
        id_masked="2312**1234",
        source_ref="b",
        comparison="new",
        assign_by=at + assign_days * DAY,
        report_by=at + report_days * DAY,
    )
    return new_envelope(data, source="/test", subject=task, time=at)


async def _deliver(sessions, data, at, task: str) -> None:
    async with sessions() as session, session.begin():
        await handle(new_envelope(data, source="/test", subject=task, time=at), session)


async def _colours(audit_client) -> dict:
    resp = await audit_client.get(
        "/api/v1/metrics/supervision",
        params={"county": COUNTY, "period": "2026-11"},
        headers=auth("auditor"),
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    towns = {t["township_code"]: t for t in body["deadline_colours"]["townships"]}
    return {"total": body["deadline_colours"]["total"], **towns, "kpis": body["kpis"]}


async def test_colours_follow_the_clock_and_the_status(sessions, audit_client, clock):
    now = clock.now()
    fresh, nearly, late, assigned, reported, rerouted = (str(uuid.uuid4()) for _ in range(6))
    async with sessions() as session, session.begin():  # the batch path (100k pushes)
        await handle_many(
            [
                _created(fresh, T1, now - timedelta(hours=1), 3),
                _created(nearly, T1, now - 2.5 * DAY, 3),  # 83 % used: amber
                _created(late, T2, now - 4 * DAY, 3),
            ],
            session,
        )
    async with sessions() as session, session.begin():  # the one-by-one path
        for task, township in ((assigned, T2), (reported, T2), (rerouted, T2)):
            await handle(_created(task, township, now - 5 * DAY, 1, 20), session)
    await _deliver(
        sessions, w.TaskAssigned(**_facts(assigned, T2), assigned_by="t"), now - 4 * DAY, assigned
    )  # report deadline: 15 days left of 20 → green
    await _deliver(
        sessions,
        w.TaskReported(**_facts(reported, T2), outcome="no_risk", source_ref="b", reported_by="v"),
        now,
        reported,
    )
    await _deliver(
        sessions,
        w.TaskReported(**_facts(rerouted, T2), outcome="moved", source_ref="b", reported_by="v"),
        now - 2 * DAY,
        rerouted,
    )
    await _deliver(
        sessions, w.TaskReturned(**_facts(rerouted, T2), outcome="moved"), now - 2 * DAY, rerouted
    )
    await _deliver(
        sessions,
        w.TaskRerouted(**_facts(rerouted, T1), from_township_code=T2, rerouted_by="county"),
        now,
        rerouted,
    )
    got = await _colours(audit_client)
    assert got["total"] == {"green": 3, "amber": 1, "red": 1}
    assert {k: got[T1][k] for k in ("green", "amber", "red")} == {"green": 2, "amber": 1, "red": 0}
    assert {k: got[T2][k] for k in ("green", "amber", "red")} == {"green": 1, "amber": 0, "red": 1}
    assert (got["kpis"]["red"], got["kpis"]["amber"]) == (1, 1)

    clock.advance(timedelta(days=1))  # no event at all: the colours move with the clock
    later = await _colours(audit_client)
    assert later["total"] == {"green": 2, "amber": 1, "red": 2}
    assert later[T1]["red"] == 1 and later[T1]["amber"] == 1  # nearly → red; rerouted → amber
