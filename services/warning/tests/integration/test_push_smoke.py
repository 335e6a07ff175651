import random

from shouwang.common.idnumber import generate_id_number
from shouwang.common.testing.fixtures import auth, wait_until

VILLAGE = "231226100201"


async def test_push_creates_a_task_for_the_township(warning_client):
    rng = random.Random(1)
    dept = auth("department", "medical_insurance", county="231226")
    body = {
        "department": "medical_insurance",
        "period": "2026-11",
        "items": [
            {
                "id_number": generate_id_number(rng),
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
    township = auth("township", VILLAGE[:9])

    async def task_listed():
        r = await warning_client.get("/api/v1/tasks", headers=township)
        return r.json()["items"]

    items = await wait_until(task_listed, what="task routed")
    assert items[0]["township_code"] == VILLAGE[:9]
