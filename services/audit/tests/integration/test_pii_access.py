"""Every decrypted read in another service shows up in audit, listed per actor."""

import uuid

from shouwang.common.testing.fixtures import auth, list_all, wait_until


async def test_pii_reads_are_listed_per_actor(push_batch, warning_client, audit_client):
    accepted = await push_batch()
    officer = f"township-officer-{uuid.uuid4().hex[:6]}"
    township = auth("township", "231226100", sub=officer)

    async def task_of_batch() -> str | None:
        for item in await list_all(warning_client, "/api/v1/tasks", headers=township):
            detail = await warning_client.get(f"/api/v1/tasks/{item['task_id']}", headers=township)
            if any(s.get("batch_id") == accepted["batch_id"] for s in detail.json()["signals"]):
                return str(item["task_id"])
        return None

    task_id = await wait_until(task_of_batch, what="task of the batch")
    revealed = await warning_client.get(f"/api/v1/tasks/{task_id}/pii", headers=township)
    assert revealed.status_code == 200, revealed.text

    async def listed() -> list:
        r = await audit_client.get(
            "/api/v1/audit/pii-access", params={"actor": officer}, headers=auth("auditor")
        )
        assert r.status_code == 200, r.text
        return list(r.json()["items"])

    items = await wait_until(listed, what="pii access recorded")
    assert len(items) == 1
    assert items[0]["type"] == "shouwang.access.pii.viewed.v1"
    assert items[0]["data"]["subject"] == task_id and items[0]["data"]["service"] == "warning"
    assert items[0]["topic"] == "access.audit"
    others = await audit_client.get(
        "/api/v1/audit/pii-access", params={"actor": "nobody"}, headers=auth("auditor")
    )
    assert others.json()["items"] == []
    county = await audit_client.get("/api/v1/audit/pii-access", headers=auth("county", "231226"))
    assert county.status_code == 403
