"""Declarations and privacy (API v1.1): a caller is role + sub and reads only their own filings."""

import uuid

import asyncpg
from shouwang.common.testing.fixtures import auth, wait_until

from .helpers import VILLAGE, declaration, new_id_number, resident

TOWNSHIP = auth("township", VILLAGE[:9])


async def _post(intake_client, headers, **overrides):
    return await intake_client.post(
        "/api/v1/declarations", json=declaration(**overrides), headers=headers
    )


async def _get(intake_client, receipt, headers):
    return await intake_client.get(f"/api/v1/declarations/{receipt}", headers=headers)


async def test_a_second_resident_gets_an_own_merged_receipt_and_neither_reads_the_other(
    intake_client,
):
    person, a, b = new_id_number(), resident(), resident()
    first = await _post(intake_client, a, id_number=person, hardships=["因病"])
    assert first.status_code == 201, first.text
    receipt_a = first.json()["receipt"]
    second = await _post(intake_client, b, id_number=person, hardships=["因学", "住房安全"])
    assert second.status_code == 201, second.text
    receipt_b = second.json()["receipt"]
    assert receipt_b != receipt_a and receipt_a not in second.text
    assert (second.json()["status"], second.json()["attached_to"]) == ("merged", None)

    for receipt, reader in ((receipt_a, b), (receipt_b, a)):
        denied = await _get(intake_client, receipt, reader)
        assert denied.status_code == 404, denied.text
        assert denied.json()["error"]["code"] == "declaration_not_found"
    own = (await _get(intake_client, receipt_b, b)).json()
    assert (own["receipt"], own["status"], own["outcome"]) == (receipt_b, "merged", None)
    assert own["hardships"] == ["因学", "住房安全"] and own["status_label"] == "已并案核实"
    assert (await _get(intake_client, receipt_a, a)).json()["hardships"] == ["因病"]
    for receipt in (receipt_a, receipt_b):  # staff in scope still read both
        assert (await _get(intake_client, receipt, TOWNSHIP)).status_code == 200


async def test_each_resident_repeating_gets_200_with_their_own_receipt(intake_client):
    person, a, b = new_id_number(), resident(), resident()
    receipt_a = (await _post(intake_client, a, id_number=person)).json()["receipt"]
    receipt_b = (await _post(intake_client, b, id_number=person)).json()["receipt"]
    for filer, receipt, status in ((a, receipt_a, "received"), (b, receipt_b, "merged")):
        again = await _post(intake_client, filer, id_number=person, hardships=["因灾"])
        assert again.status_code == 200, again.text
        body = again.json()
        assert (body["receipt"], body["attached_to"], body["status"]) == (receipt, receipt, status)


async def test_cadre_and_county_filings_see_the_open_receipt(intake_client):
    person = new_id_number()
    receipt = (await _post(intake_client, resident(), id_number=person)).json()["receipt"]
    for headers, channel in (
        (auth("village", VILLAGE), "cadre_screening"),
        (auth("county", "231226"), "petition"),
        (auth("county", "231226", sub=f"hotline-{uuid.uuid4().hex[:6]}"), "hotline"),
    ):
        resp = await _post(intake_client, headers, id_number=person, channel=channel)
        assert resp.status_code == 201, resp.text
        body = resp.json()
        assert (body["status"], body["attached_to"]) == ("merged", receipt)
        assert body["receipt"] != receipt


async def test_the_same_sub_in_another_role_is_another_caller(intake_client):
    person, sub = new_id_number(), f"shared-{uuid.uuid4().hex[:8]}"
    as_resident = auth("resident", sub=sub)
    as_village = auth("village", VILLAGE, sub=sub)
    receipt = (
        await _post(intake_client, as_village, id_number=person, channel="cadre_screening")
    ).json()["receipt"]
    resp = await _post(intake_client, as_resident, id_number=person)
    assert resp.status_code == 201, resp.text
    assert (resp.json()["status"], resp.json()["attached_to"]) == ("merged", None)
    assert (await _get(intake_client, receipt, as_resident)).status_code == 404
    assert (await _get(intake_client, resp.json()["receipt"], as_resident)).status_code == 200


async def _row(database_url, receipt):
    conn = await asyncpg.connect(database_url)
    try:
        return await conn.fetchrow(
            "SELECT status, outcome, task_id FROM intake.declarations WHERE receipt = $1", receipt
        )
    finally:
        await conn.close()


async def test_the_merged_filing_follows_the_task_but_never_takes_its_outcome(
    intake_client, warning_client, database_url
):
    person, a, b = new_id_number(), resident(), resident()
    receipt_a = (await _post(intake_client, a, id_number=person)).json()["receipt"]

    async def task_of(receipt):
        row = await _row(database_url, receipt)
        return row["task_id"] if row is not None else None

    task_id = await wait_until(lambda: task_of(receipt_a), what="the open case's task")
    receipt_b = (await _post(intake_client, b, id_number=person)).json()["receipt"]
    assert await wait_until(lambda: task_of(receipt_b), what="merged filing on the task") == task_id
    assert tuple(await _row(database_url, receipt_b)) == ("merged", None, task_id)

    village = auth("village", VILLAGE)
    await warning_client.post(
        f"/api/v1/tasks/{task_id}/assign", json={"village_code": VILLAGE}, headers=TOWNSHIP
    )
    reported = await warning_client.post(
        f"/api/v1/tasks/{task_id}/report",
        headers=village,
        json={"outcome": "no_risk", "reason": "收入稳定"},
    )
    assert reported.status_code == 200, reported.text

    async def verified():
        status = (await _get(intake_client, receipt_a, a)).json()
        return status if status["status"] == "verified" else None

    assert (await wait_until(verified, what="open case verified"))["outcome"] == "no_risk"
    own = (await _get(intake_client, receipt_b, b)).json()
    assert (own["status"], own["outcome"]) == ("merged", None)
