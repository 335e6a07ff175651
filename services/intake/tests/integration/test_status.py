import asyncpg
from aiokafka import AIOKafkaProducer
from shouwang.common.config import CommonSettings
from shouwang.common.events.catalog.assistance import HouseholdStatusChanged
from shouwang.common.events.envelope import new_envelope, to_kafka
from shouwang.common.identity import person_ref_of
from shouwang.common.testing.fixtures import auth, list_all, wait_until

from .helpers import OTHER_TOWNSHIP_VILLAGE, VILLAGE, declaration, new_id_number, resident

TOWNSHIP = auth("township", VILLAGE[:9])


async def _file(intake_client, headers=None, **overrides):
    headers = headers or resident()
    resp = await intake_client.post(
        "/api/v1/declarations", json=declaration(**overrides), headers=headers
    )
    assert resp.status_code == 201, resp.text
    return resp.json()["receipt"], headers


async def _status(intake_client, receipt, headers):
    return (await intake_client.get(f"/api/v1/declarations/{receipt}", headers=headers)).json()


async def _task_of(receipt, database_url):
    conn = await asyncpg.connect(database_url)
    try:
        return await conn.fetchval(
            "SELECT task_id FROM intake.declarations WHERE receipt = $1 AND status = 'verifying'",
            receipt,
        )
    finally:
        await conn.close()


async def test_only_the_filer_and_staff_in_scope_see_a_declaration(intake_client):
    receipt, filer = await _file(intake_client)
    seen = await intake_client.get(f"/api/v1/declarations/{receipt}", headers=filer)
    assert seen.status_code == 200
    assert set(seen.json()) >= {"receipt", "status", "outcome", "updated_at", "name_masked"}
    assert seen.json()["name_masked"] == "张*"
    other = await intake_client.get(f"/api/v1/declarations/{receipt}", headers=resident())
    assert other.status_code == 404
    assert (
        await intake_client.get(f"/api/v1/declarations/{receipt}", headers=TOWNSHIP)
    ).status_code == 200
    assert (
        await intake_client.get(f"/api/v1/declarations/{receipt}", headers=auth("county", "231226"))
    ).status_code == 200
    foreign = auth("township", OTHER_TOWNSHIP_VILLAGE[:9])
    assert (
        await intake_client.get(f"/api/v1/declarations/{receipt}", headers=foreign)
    ).status_code == 403


async def test_a_resident_who_joined_an_open_case_sees_only_their_own_filing(intake_client):
    person = new_id_number()
    receipt, _ = await _file(
        intake_client, headers=auth("village", VILLAGE), channel="cadre_screening", id_number=person
    )
    later = resident()
    resp = await intake_client.post(
        "/api/v1/declarations", json=declaration(id_number=person), headers=later
    )
    assert resp.status_code == 201, resp.text
    own = resp.json()["receipt"]
    assert own != receipt and resp.json()["attached_to"] is None
    assert (
        await intake_client.get(f"/api/v1/declarations/{receipt}", headers=later)
    ).status_code == 404
    status = await _status(intake_client, own, later)
    assert (status["receipt"], status["status"], status["outcome"]) == (own, "merged", None)


async def test_no_risk_confirmed_closes_as_not_included(
    intake_client, warning_client, database_url
):
    person = new_id_number()
    receipt, filer = await _file(intake_client, id_number=person)
    task_id = await wait_until(lambda: _task_of(receipt, database_url), what="task created")
    village = auth("village", VILLAGE)
    await warning_client.post(
        f"/api/v1/tasks/{task_id}/assign", json={"village_code": VILLAGE}, headers=TOWNSHIP
    )
    resp = await warning_client.post(
        f"/api/v1/tasks/{task_id}/report",
        headers=village,
        json={"outcome": "no_risk", "reason": "收入稳定"},
    )
    assert resp.status_code == 200, resp.text
    resp = await warning_client.post(f"/api/v1/tasks/{task_id}/confirm", headers=TOWNSHIP)
    assert resp.status_code == 200, resp.text

    async def closed():
        status = await _status(intake_client, receipt, filer)
        return status if status["status"] == "not_included" else None

    status = await wait_until(closed, what="not_included")
    assert status["outcome"] == "no_risk"
    # closed: the same person may declare again and gets a new receipt
    again = await intake_client.post(
        "/api/v1/declarations", headers=filer, json=declaration(id_number=person)
    )
    assert again.status_code == 201 and again.json()["receipt"] != receipt


async def test_confirmed_risk_waits_for_assistance_then_is_included(
    intake_client, warning_client, database_url, stack
):
    person = new_id_number()
    receipt, filer = await _file(intake_client, id_number=person)
    task_id = await wait_until(lambda: _task_of(receipt, database_url), what="task created")
    await warning_client.post(
        f"/api/v1/tasks/{task_id}/assign", json={"village_code": VILLAGE}, headers=TOWNSHIP
    )
    await warning_client.post(
        f"/api/v1/tasks/{task_id}/report",
        headers=auth("village", VILLAGE),
        json={"outcome": "risk_confirmed", "reason": "因病"},
    )
    assert (
        await warning_client.post(f"/api/v1/tasks/{task_id}/confirm", headers=TOWNSHIP)
    ).status_code == 200

    async def confirmed_in_intake():
        conn = await asyncpg.connect(database_url)
        try:
            return await conn.fetchval(
                "SELECT count(*) FROM intake.inbox i JOIN warning.outbox o ON o.event_id::text = "
                "i.event_id WHERE o.type LIKE '%task.confirmed%' AND o.subject = $1",
                task_id,
            )
        finally:
            await conn.close()

    await wait_until(confirmed_in_intake, what="intake consumed the confirmation")
    status = await _status(intake_client, receipt, filer)
    assert (status["status"], status["outcome"]) == ("verified", "risk_confirmed")

    secret = CommonSettings().hmac_key.get_secret_value()
    ref = person_ref_of(person, master_secret=secret, county_code="231226")
    event = HouseholdStatusChanged(
        household_id="hh-1",
        county_code="231226",
        village_code=VILLAGE,
        status="monitored",
        member_refs=[ref],
    )
    producer = AIOKafkaProducer(bootstrap_servers=stack.kafka_bootstrap)
    await producer.start()
    try:
        key, value, headers = to_kafka(new_envelope(event, source="/test", subject="hh-1"))
        await producer.send_and_wait("assistance.households", value, key=key, headers=headers)
    finally:
        await producer.stop()

    async def included():
        current = await _status(intake_client, receipt, filer)
        return current if current["status"] == "included" else None

    assert (await wait_until(included, what="included"))["outcome"] == "risk_confirmed"


async def test_a_declaration_joins_a_department_warning_task(
    intake_client, warning_client, database_url
):
    person = new_id_number()
    push = {
        "department": "medical_insurance",
        "period": "2026-11",
        "items": [
            {
                "id_number": person,
                "name": "张三",
                "village_code": VILLAGE,
                "indicator": "large_medical_expense",
                "values": {"self_paid_yuan": 23000},
            }
        ],
    }
    dept = auth("department", "medical_insurance", county="231226")
    assert (
        await warning_client.post("/api/v1/warning-batches", json=push, headers=dept)
    ).status_code == 202
    masked = person[:6] + "********" + person[-4:]

    async def warning_task():
        items = await list_all(
            warning_client,
            "/api/v1/tasks",
            headers=TOWNSHIP,
            params={"channel": "department_warning"},
        )
        return next((t["task_id"] for t in items if t["id_masked"] == masked), None)

    task_id = await wait_until(warning_task, what="department warning task")
    receipt, filer = await _file(intake_client, id_number=person)
    assert await wait_until(lambda: _task_of(receipt, database_url), what="attached") == task_id
    await warning_client.post(
        f"/api/v1/tasks/{task_id}/assign", json={"village_code": VILLAGE}, headers=TOWNSHIP
    )
    await warning_client.post(
        f"/api/v1/tasks/{task_id}/report",
        headers=auth("village", VILLAGE),
        json={"outcome": "already_monitored"},
    )

    async def verified():
        status = await _status(intake_client, receipt, filer)
        return status if status["status"] == "verified" else None

    assert (await wait_until(verified, what="verified"))["outcome"] == "already_monitored"
