import random
import uuid

from shouwang.common.identity import person_ref_of
from shouwang.common.idnumber import generate_id_number
from shouwang.common.testing.fixtures import auth, list_all, wait_until

COUNTY, VILLAGE = "231226", "231226100201"


async def test_push_creates_a_task_for_the_township(warning_client):
    # a person of this run only: the shared database holds other tests' tasks in the township
    rng = random.Random(uuid.uuid4().int)
    id_number = generate_id_number(rng, region=COUNTY)
    dept = auth("department", "medical_insurance", county=COUNTY)
    body = {
        "department": "medical_insurance",
        "period": "2026-11",
        "items": [
            {
                "id_number": id_number,
                "name": "张三",
                "village_code": VILLAGE,
                "indicator": "large_medical_expense",
                "values": {"self_paid_yuan": 23000},
            }
        ],
    }
    resp = await warning_client.post("/api/v1/warning-batches", json=body, headers=dept)
    assert resp.status_code == 202, resp.text
    assert resp.json()["accepted"] == 1
    batch_id = resp.json()["batch_id"]
    secret = warning_client.app.state.runtime.settings.hmac_key.get_secret_value()
    ref = person_ref_of(id_number, master_secret=secret, county_code=COUNTY)
    township = auth("township", VILLAGE[:9])

    async def own_task():
        items = await list_all(warning_client, "/api/v1/tasks", headers=township)
        return next((t for t in items if t["person_ref"] == ref), None)

    task = await wait_until(own_task, what="this push's task routed to the township")
    assert (task["township_code"], task["village_code"]) == (VILLAGE[:9], VILLAGE)
    assert (task["channel"], task["status"]) == ("department_warning", "routed")
    detail = await warning_client.get(f"/api/v1/tasks/{task['task_id']}", headers=township)
    assert detail.status_code == 200, detail.text
    assert [s["batch_id"] for s in detail.json()["signals"]] == [batch_id]
