"""Acceptance (issue 3): push → township → village → back, every event in the audit log."""

import random
import uuid

from shouwang.common.identity import person_ref_of
from shouwang.common.idnumber import generate_id_number
from shouwang.common.testing.fixtures import auth, list_all, wait_until
from sqlalchemy import select

COUNTY, TOWNSHIP, VILLAGE = "231226", "231226100", "231226100201"


async def audited(audit_client, subject: str) -> dict[str, str]:
    resp = await audit_client.get(
        "/api/v1/audit/events", headers=auth("auditor"), params={"subject": subject, "limit": 100}
    )
    assert resp.status_code == 200, resp.text
    return {e["event_id"]: e["type"] for e in resp.json()["items"]}


async def test_push_to_township_to_village_and_back_is_fully_audited(warning_client, audit_client):
    rng = random.Random(uuid.uuid4().int)
    who = {"id_number": generate_id_number(rng, region=COUNTY), "name": "孙秀英"}
    body = {
        "department": "health",
        "period": "2026-11",
        "items": [
            {
                **who,
                "village_code": VILLAGE,
                "indicator": "serious_illness",
                "values": {"disease_category": "恶性肿瘤"},
            }
        ],
    }
    pushed = await warning_client.post(
        "/api/v1/warning-batches", json=body, headers=auth("department", "health", county=COUNTY)
    )
    assert pushed.status_code == 202 and pushed.json()["accepted"] == 1
    batch_id = pushed.json()["batch_id"]
    runtime = warning_client.app.state.runtime
    secret = runtime.settings.hmac_key.get_secret_value()
    ref = person_ref_of(who["id_number"], master_secret=secret, county_code=COUNTY)
    township = auth("township", TOWNSHIP)

    async def routed():
        items = await list_all(warning_client, "/api/v1/tasks", headers=township)
        return next((t for t in items if t["person_ref"] == ref), None)

    task = await wait_until(routed, what="task routed to the township")
    assert (task["township_code"], task["channel"], task["status"]) == (
        TOWNSHIP,
        "department_warning",
        "routed",
    )
    task_id = task["task_id"]
    foreign = await warning_client.get(
        f"/api/v1/tasks/{task_id}", headers=auth("township", "231226101")
    )
    assert foreign.status_code == 403
    assert (
        await warning_client.post(
            f"/api/v1/tasks/{task_id}/assign", headers=township, json={"village_code": VILLAGE}
        )
    ).status_code == 200
    reported = await warning_client.post(
        f"/api/v1/tasks/{task_id}/report",
        headers=auth("village", VILLAGE),
        json={"outcome": "no_risk", "reason": "已参加大病保险，负担可承受"},
    )
    assert reported.json()["status"] == "reported"
    confirmed = await warning_client.post(f"/api/v1/tasks/{task_id}/confirm", headers=township)
    assert confirmed.json()["status"] == "confirmed"

    outbox = runtime.outbox
    async with runtime.sessionmaker() as session:
        published = {
            str(r.event_id): r.type
            for r in await session.execute(
                select(outbox.c.event_id, outbox.c.type).where(
                    outbox.c.subject.in_([batch_id, task_id])
                )
            )
        }
    assert sorted(published.values()) == sorted(
        [
            "shouwang.warning.batch.filed.v1",
            "shouwang.warning.batch.processed.v1",
            "shouwang.warning.task.created.v1",
            "shouwang.warning.task.assigned.v1",
            "shouwang.warning.task.reported.v1",
            "shouwang.warning.task.confirmed.v1",
        ]
    )

    async def all_recorded():
        seen = await audited(audit_client, batch_id) | await audited(audit_client, task_id)
        return seen if seen == published else None

    await wait_until(all_recorded, timeout=60, what="every event in the audit log")
    verify = await audit_client.get("/api/v1/audit/verify", headers=auth("auditor"))
    assert verify.json()["ok"] is True
