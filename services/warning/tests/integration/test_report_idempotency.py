"""The village report takes an Idempotency-Key: a retry replays the first answer, no second
outcome, history entry or TaskReported; the key with another body is refused (API.md)."""

import uuid
from datetime import timedelta

from shouwang.common.testing.fixtures import auth
from shouwang.warning.adapters.tables import outbox, task_history
from sqlalchemy import func, select

REPORTED = "shouwang.warning.task.reported.v1"


async def _assigned_task(loop) -> str:
    who = loop.person()
    await loop.pushed_and_processed([loop.item(who)])
    task_id = (await loop.task_for(who))["task_id"]
    resp = await loop.client.post(
        f"/api/v1/tasks/{task_id}/assign",
        headers=auth("township", loop.TOWNSHIP_A),
        json={"village_code": loop.VILLAGE_A, "cadre_name": "李干部"},
    )
    assert resp.status_code == 200, resp.text
    return task_id


async def _counts(loop, task_id: str) -> tuple[int, int]:
    """TaskReported events in the outbox and `reported` history entries of a task."""
    async with loop.runtime.sessionmaker() as session:
        events = await session.scalar(
            select(func.count()).where(outbox.c.subject == task_id, outbox.c.type == REPORTED)
        )
        history = await session.scalar(
            select(func.count()).where(
                task_history.c.task_id == uuid.UUID(task_id), task_history.c.action == "reported"
            )
        )
    return int(events or 0), int(history or 0)


async def test_a_retried_report_with_its_key_is_answered_once(loop, clock):
    task_id = await _assigned_task(loop)
    url = f"/api/v1/tasks/{task_id}/report"
    village = auth("village", loop.VILLAGE_A) | {"Idempotency-Key": f"report-{uuid.uuid4()}"}
    body = {"outcome": "no_risk", "reason": "医疗费已报销，收入稳定", "visited_on": "2026-11-12"}
    first = await loop.client.post(url, headers=village, json=body)
    assert first.status_code == 200, first.text
    assert (first.json()["status"], first.json()["outcome"]) == ("reported", "no_risk")
    clock.advance(timedelta(hours=5))
    again = await loop.client.post(url, headers=village, json=body)
    assert again.status_code == 200, again.text
    assert again.json() == first.json(), "the stored first answer, not a fresh view"
    assert await _counts(loop, task_id) == (1, 1)

    other = {**body, "reason": "另一个原因"}
    reused = await loop.client.post(url, headers=village, json=other)
    assert reused.status_code == 409, reused.text
    error = reused.json()["error"]
    assert error["code"] == "idempotency_key_reused" and error["field"] == "Idempotency-Key"
    assert await _counts(loop, task_id) == (1, 1)

    unkeyed = await loop.client.post(url, headers=auth("village", loop.VILLAGE_A), json=body)
    assert unkeyed.status_code == 409, unkeyed.text  # without a key: the task is already reported
    assert unkeyed.json()["error"]["code"] == "invalid_task_transition"


async def test_the_same_key_on_another_task_is_another_request(loop):
    first, second = await _assigned_task(loop), await _assigned_task(loop)
    village = auth("village", loop.VILLAGE_A) | {"Idempotency-Key": f"visit-{uuid.uuid4()}"}
    body = {"outcome": "risk_confirmed", "reason": "因病", "risk_type": "因病"}
    ok = await loop.client.post(f"/api/v1/tasks/{first}/report", headers=village, json=body)
    assert ok.status_code == 200, ok.text
    reused = await loop.client.post(f"/api/v1/tasks/{second}/report", headers=village, json=body)
    assert reused.status_code == 409, reused.text
    assert reused.json()["error"]["code"] == "idempotency_key_reused"
    assert await _counts(loop, first) == (1, 1) and await _counts(loop, second) == (0, 0)
