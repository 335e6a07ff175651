"""Acceptance (issue 6): a department warning confirmed by the township opens identification."""

import random

from shouwang.common.idnumber import generate_id_number
from shouwang.common.testing.fixtures import auth, list_all, wait_until

VILLAGE = "231226100201"
TOWNSHIP = VILLAGE[:9]


def _masked(id_number: str) -> str:
    return id_number[:6] + "********" + id_number[-4:]


async def test_confirmed_warning_starts_identification(warning_client, assistance_client):
    person = generate_id_number(random.Random(60606))
    dept = auth("department", "medical_insurance", county="231226")
    batch = {
        "department": "medical_insurance",
        "period": "2026-11",
        "items": [
            {
                "id_number": person,
                "name": "赵大勇",
                "village_code": VILLAGE,
                "indicator": "large_medical_expense",
                "values": {"self_paid_yuan": 23000},
            }
        ],
    }
    pushed = await warning_client.post("/api/v1/warning-batches", json=batch, headers=dept)
    assert pushed.status_code == 202, pushed.text
    township = auth("township", TOWNSHIP)

    async def routed_task():
        items = await list_all(warning_client, "/api/v1/tasks", headers=township)
        return next((t for t in items if t["id_masked"] == _masked(person)), None)

    task = await wait_until(routed_task, what="the warning's task reaches the township")
    tid = task["task_id"]
    assigned = await warning_client.post(
        f"/api/v1/tasks/{tid}/assign", headers=township, json={"village_code": VILLAGE}
    )
    assert assigned.status_code == 200, assigned.text
    reported = await warning_client.post(
        f"/api/v1/tasks/{tid}/report",
        headers=auth("village", VILLAGE),
        json={"outcome": "risk_confirmed", "reason": "大额医疗自付", "visited_on": "2026-11-10"},
    )
    assert reported.status_code == 200, reported.text
    confirmed = await warning_client.post(f"/api/v1/tasks/{tid}/confirm", headers=township)
    assert confirmed.status_code == 200, confirmed.text

    async def household_in_identification():
        resp = await assistance_client.get(
            "/api/v1/households",
            headers=township,
            params={"village_code": VILLAGE, "status": "identifying", "limit": 500},
        )
        for item in resp.json()["items"]:
            detail = (
                await assistance_client.get(f"/api/v1/households/{item['id']}", headers=township)
            ).json()
            if detail["members"][0]["id_masked"] == _masked(person):
                return detail
        return None

    household = await wait_until(
        household_in_identification, what="assistance opens identification for the household"
    )
    assert household["village_code"] == VILLAGE and household["head_name_masked"] == "赵**"
    assert household["identification"]["status"] == "open"
    assert household["identification"]["next_step"] == "village_review"
    assert person not in str(household)

    village = auth("village", VILLAGE)
    head = household["members"][0]["id"]
    visited = await assistance_client.put(
        f"/api/v1/households/{household['id']}/members/{head}/labour",
        headers=village,
        json={"labour": "full"},
    )
    assert visited.status_code == 200, visited.text
    plan = await assistance_client.post(
        f"/api/v1/households/{household['id']}/plans",
        headers=village,
        json={
            "cadre_name": "刘书记",
            "measures": [
                {
                    "type": "综合保障/兜底",
                    "name": "临时救助",
                    "starts_on": "2026-11-10",
                    "ends_on": "2027-11-09",
                    "amount_yuan": 2000,
                }
            ],
        },
    )
    assert plan.status_code == 422, plan.text
    error = plan.json()["error"]
    assert error["code"] == "plan_rule_violated"
    assert error["details"]["rule"] == "labourer_needs_developmental_measure"
