"""Acceptance (issue 5): a resident's declaration runs through the verification loop and back."""

import random
import uuid

from shouwang.common.idnumber import generate_id_number
from shouwang.common.testing.fixtures import auth, list_all, wait_until

VILLAGE = "231226100201"
TOWNSHIP = VILLAGE[:9]


def _declaration(id_number: str, **overrides: object) -> dict[str, object]:
    body = {
        "channel": "self_declaration",
        "id_number": id_number,
        "name": "王五",
        "phone": "13800005678",
        "village_code": VILLAGE,
        "household_size": 3,
        "hardships": ["因病", "缺劳力/无劳力"],
        "description": "户主患病，无法外出务工",
        "income_estimate_yuan": 6000,
        "attachments": [],
    }
    return {**body, **overrides}


async def test_resident_declaration_is_verified_through_the_township(intake_client, warning_client):
    person = generate_id_number(random.Random(5005))
    resident = auth("resident", sub=f"resident-{uuid.uuid4().hex[:8]}")
    filed = await intake_client.post(
        "/api/v1/declarations", json=_declaration(person), headers=resident
    )
    assert filed.status_code == 201, filed.text
    receipt = filed.json()["receipt"]

    township = auth("township", TOWNSHIP)

    async def task_for_receipt():
        items = await list_all(
            warning_client,
            "/api/v1/tasks",
            headers=township,
            params={"channel": "self_declaration"},
        )
        for item in items:
            detail = await warning_client.get(f"/api/v1/tasks/{item['task_id']}", headers=township)
            if any(s["source_ref"] == receipt for s in detail.json()["signals"]):
                return detail.json()
        return None

    task = await wait_until(task_for_receipt, what="the township sees the declaration's task")
    assert task["channel"] == "self_declaration" and task["township_code"] == TOWNSHIP
    assert task["signals"][0]["channel"] == "self_declaration"
    assert task["id_masked"] == person[:6] + "********" + person[-4:]

    async def resident_status():
        resp = await intake_client.get(f"/api/v1/declarations/{receipt}", headers=resident)
        assert resp.status_code == 200, resp.text
        return resp.json()

    await wait_until(lambda: _status_is(resident_status, "verifying"), what="status verifying")

    assigned = await warning_client.post(
        f"/api/v1/tasks/{task['task_id']}/assign", json={"village_code": VILLAGE}, headers=township
    )
    assert assigned.status_code == 200, assigned.text
    report = {"outcome": "risk_confirmed", "reason": "因病支出骤增", "visited_on": "2026-11-10"}
    reported = await warning_client.post(
        f"/api/v1/tasks/{task['task_id']}/report", json=report, headers=auth("village", VILLAGE)
    )
    assert reported.status_code == 200, reported.text

    status = await wait_until(lambda: _status_is(resident_status, "verified"), what="verified")
    assert status["outcome"] == "risk_confirmed"
    assert status["name_masked"] == "王*" and "id_number" not in status

    repeat = _declaration(person, hardships=["因学"])
    again = await intake_client.post("/api/v1/declarations", json=repeat, headers=resident)
    assert again.status_code == 200, again.text
    assert again.json()["attached_to"] == receipt == again.json()["receipt"]

    await _a_neighbour_joins_the_open_case(
        intake_client, warning_client, person, receipt, task["task_id"], filer=resident
    )

    bad = person[:17] + ("1" if person[17] != "1" else "2")
    rejected = await intake_client.post(
        "/api/v1/declarations", json=_declaration(bad), headers=resident
    )
    assert rejected.status_code == 422
    error = rejected.json()["error"]
    assert error["field"] == "id_number"
    assert error["details"][0]["message"] == "身份证号码校验位不正确，请核对后重新填写"


async def _a_neighbour_joins_the_open_case(
    intake_client, warning_client, person: str, receipt: str, task_id: str, *, filer
) -> None:
    """(v1.1) Another resident's filing: own receipt, merged, a signal on the same task."""
    neighbour = auth("resident", sub=f"resident-{uuid.uuid4().hex[:8]}")
    joined = await intake_client.post(
        "/api/v1/declarations", headers=neighbour, json=_declaration(person, hardships=["住房安全"])
    )
    assert joined.status_code == 201, joined.text
    own = joined.json()["receipt"]
    assert own != receipt and joined.json()["attached_to"] is None
    township = auth("township", TOWNSHIP)

    async def signal_on_the_task():
        detail = await warning_client.get(f"/api/v1/tasks/{task_id}", headers=township)
        return any(s["source_ref"] == own for s in detail.json()["signals"])

    await wait_until(signal_on_the_task, what="the neighbour's filing as a signal on the task")
    status = (await intake_client.get(f"/api/v1/declarations/{own}", headers=neighbour)).json()
    assert (status["status"], status["outcome"], status["hardships"]) == (
        "merged",
        None,
        ["住房安全"],
    )
    for receipt_, reader in ((receipt, neighbour), (own, filer)):
        resp = await intake_client.get(f"/api/v1/declarations/{receipt_}", headers=reader)
        assert resp.status_code == 404, resp.text


async def _status_is(fetch, wanted: str):
    status = await fetch()
    return status if status["status"] == wanted else None
