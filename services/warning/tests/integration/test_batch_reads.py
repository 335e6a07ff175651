"""Filed batches are read within scope: the department its own, the county all, others 403."""

from shouwang.common.testing.fixtures import auth

BATCHES = "/api/v1/warning-batches"


async def test_a_department_reads_its_own_batches_and_the_county_reads_every_one(loop):
    resp = await loop.push([loop.item(loop.person())], department="medical_insurance")
    batch_id = resp.json()["batch_id"]
    own, county = loop.dept("medical_insurance"), auth("county", loop.COUNTY)
    assert (await loop.client.get(f"{BATCHES}/{batch_id}", headers=own)).status_code == 200
    assert (await loop.client.get(f"{BATCHES}/{batch_id}", headers=county)).status_code == 200
    other = await loop.client.get(f"{BATCHES}/{batch_id}", headers=loop.dept("education"))
    assert other.status_code == 403 and other.json()["error"]["code"] == "forbidden_scope"
    elsewhere = await loop.client.get(f"{BATCHES}/{batch_id}", headers=auth("county", "230125"))
    assert elsewhere.status_code == 403

    mine = await loop.client.get(BATCHES, params={"period": "2026-11"}, headers=own)
    assert batch_id in [b["batch_id"] for b in mine.json()["items"]]
    assert {b["department"] for b in mine.json()["items"]} == {"medical_insurance"}
    asks_other = await loop.client.get(BATCHES, params={"department": "education"}, headers=own)
    assert asks_other.status_code == 200 and asks_other.json()["items"] == []
    listed = await loop.client.get(
        BATCHES, params={"department": "medical_insurance"}, headers=county
    )
    assert batch_id in [b["batch_id"] for b in listed.json()["items"]]
    assert all("raw" not in b for b in listed.json()["items"])


async def test_unknown_batches_are_404_and_other_roles_403(loop):
    county = auth("county", loop.COUNTY)
    for missing in ("not-a-uuid", "00000000-0000-0000-0000-000000000000"):
        resp = await loop.client.get(f"{BATCHES}/{missing}", headers=county)
        assert resp.status_code == 404 and resp.json()["error"]["code"] == "batch_not_found"
    township = await loop.client.get(BATCHES, headers=auth("township", "231226100"))
    assert township.status_code == 403 and township.json()["error"]["code"] == "forbidden_role"
