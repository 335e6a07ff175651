"""Deadlines and escalation, compliance and push.missing, the township SSE feed (points 9–11)."""

import io
import json
from datetime import datetime, timedelta

from confluent_kafka import Consumer
from openpyxl import load_workbook
from shouwang.common.clock import SHANGHAI
from shouwang.common.testing.fixtures import auth, list_all, wait_until
from shouwang.warning.adapters.tables import outbox
from shouwang.warning.service.compliance import sweep_missing_pushes
from shouwang.warning.service.deadlines import sweep_overdue
from sqlalchemy import select


async def outbox_events(loop, type_name: str, subject: str | None = None) -> list[dict]:
    stmt = select(outbox.c.payload, outbox.c.subject).where(outbox.c.type == type_name)
    if subject:
        stmt = stmt.where(outbox.c.subject == subject)
    async with loop.runtime.sessionmaker() as session:
        return [dict(r.payload) for r in await session.execute(stmt)]


async def test_unassigned_task_turns_amber_then_red_and_escalates_once(loop, clock):
    who = loop.person()
    await loop.pushed_and_processed([loop.item(who)])
    task_id = (await loop.task_for(who))["task_id"]
    clock.advance(timedelta(days=2, hours=10))  # 81 % of the 3 days to assign
    assert (await loop.task_for(who))["colour"] == "amber"
    clock.advance(timedelta(days=1))
    assert (await loop.task_for(who))["colour"] == "red"
    assert await sweep_overdue(loop.runtime) >= 1
    await sweep_overdue(loop.runtime)
    overdue = await outbox_events(loop, "shouwang.warning.task.overdue.v1", task_id)
    assert [(e["stage"], e["escalated_to"]) for e in overdue] == [("assign", "county:231226")]
    county_red = await list_all(
        loop.client, "/api/v1/tasks", headers=auth("county", loop.COUNTY), params={"colour": "red"}
    )
    assert task_id in [t["task_id"] for t in county_red]


async def test_report_deadline_is_the_second_stage(loop, clock):
    who = loop.person()
    await loop.pushed_and_processed([loop.item(who)])
    task_id = (await loop.task_for(who))["task_id"]
    await loop.client.post(
        f"/api/v1/tasks/{task_id}/assign",
        headers=auth("township", loop.TOWNSHIP_A),
        json={"village_code": loop.VILLAGE_A},
    )
    clock.advance(timedelta(days=16))
    await sweep_overdue(loop.runtime)
    stages = [
        e["stage"] for e in await outbox_events(loop, "shouwang.warning.task.overdue.v1", task_id)
    ]
    assert stages == ["report"]


async def test_compliance_per_department_and_missing_push_notice(loop, clock):
    clock.set(datetime(2026, 10, 8, 9, tzinfo=SHANGHAI))
    await loop.push([], department="education", period="2026-10")  # zero report, on time
    clock.set(datetime(2026, 10, 20, 9, tzinfo=SHANGHAI))
    await loop.push(
        [loop.item(loop.person(), indicator="disaster_loss", values={"loss_yuan": 9000})],
        department="emergency",
        period="2026-10",
        urgent=True,
        urgent_reason="洪灾",
    )
    resp = await loop.client.get(
        "/api/v1/compliance", params={"period": "2026-10"}, headers=auth("county", loop.COUNTY)
    )
    status = {r["department"]: r["status"] for r in resp.json()["items"]}
    assert (status["education"], status["emergency"], status["water"]) == (
        "on_time",
        "urgent_only",
        "missing",
    )
    xlsx = await loop.client.get(
        "/api/v1/compliance",
        params={"period": "2026-10", "format": "xlsx"},
        headers=auth("county", loop.COUNTY),
    )
    assert xlsx.status_code == 200, xlsx.text
    rows = list(
        load_workbook(io.BytesIO(xlsx.content), read_only=True)
        .worksheets[0]
        .iter_rows(values_only=True)
    )
    assert rows[0] == ("县（市、区）代码 231226", "期次 2026-10")
    assert rows[1] == ("部门代码", "部门", "推送状态", "批次数", "条目数", "首次推送时间")
    sheet = {r[0]: r for r in rows[2:]}
    assert sheet.keys() == status.keys(), sheet
    assert sheet["education"][3:5] == (1, 0) and sheet["water"][3:5] == (0, 0)
    assert sheet["emergency"][4] == 1
    assert await sweep_missing_pushes(loop.runtime) >= 8
    assert await sweep_missing_pushes(loop.runtime) == 0  # once per department and period
    missing = await outbox_events(loop, "shouwang.warning.push.missing.v1", "231226/water/2026-10")
    assert missing == [{"county_code": "231226", "department": "water", "period": "2026-10"}]
    assert not await outbox_events(
        loop, "shouwang.warning.push.missing.v1", "231226/education/2026-10"
    )


async def next_event(loop, township: str, last_id: str | None) -> tuple[str, dict]:
    """One event after `last_id` (the in-process client buffers, so ask for one at a time)."""
    headers = auth("township", township) | ({"Last-Event-ID": last_id} if last_id else {})
    resp = await loop.client.get(
        f"/api/v1/townships/{township}/tasks/stream", params={"limit": 1}, headers=headers
    )
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/event-stream")
    fields = dict(line.split(": ", 1) for line in resp.text.splitlines() if ": " in line)
    return fields["id"], json.loads(fields["data"])


async def read_until(loop, township: str, last_id: str | None, ref: str) -> list[tuple[str, dict]]:
    events: list[tuple[str, dict]] = []
    while not events or events[-1][1]["person_ref"] != ref:
        events.append(await next_event(loop, township, events[-1][0] if events else last_id))
    return events


async def test_township_stream_delivers_tasks_and_resumes_after_last_event_id(loop):
    first, second = loop.person(), loop.person()
    await loop.pushed_and_processed([loop.item(first, village=loop.VILLAGE_B)])
    everything = await read_until(loop, loop.TOWNSHIP_B, None, loop.ref(first))
    await loop.pushed_and_processed([loop.item(second, village=loop.VILLAGE_B)])
    first_id = everything[-1][0]
    resumed = await read_until(loop, loop.TOWNSHIP_B, first_id, loop.ref(second))
    ids = [int(i) for i, _ in resumed]
    assert min(ids) > int(first_id) and ids == sorted(ids)
    assert resumed[-1][1]["channel"] == "department_warning"
    assert all(e["township_code"] == loop.TOWNSHIP_B for _, e in everything + resumed)
    forbidden = await loop.client.get(
        f"/api/v1/townships/{loop.TOWNSHIP_B}/tasks/stream",
        headers=auth("township", loop.TOWNSHIP_A),
    )
    assert forbidden.status_code == 403


async def test_a_stream_opened_at_a_lists_feed_position_brings_only_what_came_since(loop):
    older, newer = loop.person(), loop.person()
    await loop.pushed_and_processed([loop.item(older, village=loop.VILLAGE_B)])
    headers = auth("township", loop.TOWNSHIP_B)
    page = await loop.client.get("/api/v1/tasks", params={"limit": 1}, headers=headers)
    position = page.json()["feed_position"]
    assert position >= int((await read_until(loop, loop.TOWNSHIP_B, None, loop.ref(older)))[-1][0])
    await loop.pushed_and_processed([loop.item(newer, village=loop.VILLAGE_B)])
    resp = await loop.client.get(
        f"/api/v1/townships/{loop.TOWNSHIP_B}/tasks/stream",
        params={"after": position, "limit": 1},
        headers=headers,
    )
    fields = dict(line.split(": ", 1) for line in resp.text.splitlines() if ": " in line)
    assert int(fields["id"]) > position
    first = json.loads(fields["data"])
    since = [first]
    if first["person_ref"] != loop.ref(newer):
        since += [
            e for _, e in await read_until(loop, loop.TOWNSHIP_B, fields["id"], loop.ref(newer))
        ]
    assert all(e["person_ref"] != loop.ref(older) for e in since)  # no replay of what came before


async def test_task_events_on_the_topic_carry_cloudevents_headers_and_no_pii(loop, stack):
    who = loop.person()
    await loop.pushed_and_processed([loop.item(who)])
    task_id = (await loop.task_for(who))["task_id"]
    reader = Consumer(
        {
            "bootstrap.servers": stack.kafka_bootstrap,
            "group.id": f"outside-{task_id}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    reader.subscribe(["verification.tasks"])
    found = []

    async def seen():
        msg = reader.poll(0.2)
        if msg is not None and not msg.error():
            headers = dict(msg.headers() or [])
            if headers.get("ce_subject") == task_id.encode():
                found.append((headers, msg.value(), msg.key()))
        return found

    try:
        await wait_until(seen, timeout=60, what="task.created on verification.tasks")
    finally:
        reader.close()
    headers, value, key = found[0]
    assert headers["ce_type"] == b"shouwang.warning.task.created.v1"
    assert {"ce_id", "ce_source", "ce_time", "ce_specversion"} <= set(headers)
    assert key == loop.TOWNSHIP_A.encode()
    assert who["id_number"].encode() not in value and who["name"].encode() not in value
    assert json.loads(value)["person_ref"] == loop.ref(who)
