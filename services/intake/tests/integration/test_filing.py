import asyncio

import asyncpg
from shouwang.common.testing.fixtures import auth

from .helpers import OTHER_TOWNSHIP_VILLAGE, VILLAGE, declaration, new_id_number, resident


async def test_resident_declares_and_gets_a_receipt(intake_client):
    resp = await intake_client.post("/api/v1/declarations", json=declaration(), headers=resident())
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert body["status"] == "received" and body["attached_to"] is None
    assert body["receipt"].startswith("SB20261110")


async def test_pii_is_encrypted_at_rest_and_the_event_carries_none(intake_client, database_url):
    body = declaration(name="李四", phone="13912345678")
    resp = await intake_client.post("/api/v1/declarations", json=body, headers=resident())
    receipt = resp.json()["receipt"]
    conn = await asyncpg.connect(database_url)
    try:
        row = await conn.fetchrow("SELECT * FROM intake.declarations WHERE receipt = $1", receipt)
        event = await conn.fetchrow(
            "SELECT key, payload::text AS payload FROM intake.outbox WHERE subject = $1", receipt
        )
    finally:
        await conn.close()
    stored = b"".join(v if isinstance(v, bytes) else str(v).encode() for v in row.values())
    for secret in (body["id_number"], "李四", "13912345678"):
        assert secret.encode() not in stored
        assert secret not in event["payload"]
    assert row["name_masked"] == "李*" and row["phone_masked"] == "139****5678"
    assert event["key"] == VILLAGE[:9]  # keyed by township


async def test_bad_id_number_gets_a_field_level_chinese_message(intake_client):
    bad = new_id_number()
    bad = bad[:17] + ("0" if bad[17] != "0" else "1")
    resp = await intake_client.post(
        "/api/v1/declarations", json=declaration(id_number=bad), headers=resident()
    )
    assert resp.status_code == 422
    err = resp.json()["error"]
    assert err["field"] == "id_number" and err["code"] == "validation_failed"
    assert err["details"][0] == {
        "field": "id_number",
        "code": "id_number_checksum",
        "message": "身份证号码校验位不正确，请核对后重新填写",
    }


async def test_every_bad_field_is_reported(intake_client):
    body = declaration(
        village_code="231226100999", hardships=["因穷"], household_size=0, phone="12345"
    )
    resp = await intake_client.post("/api/v1/declarations", json=body, headers=resident())
    assert resp.status_code == 422
    fields = {d["field"]: d["message"] for d in resp.json()["error"]["details"]}
    assert fields["village_code"] == "村（社区）代码不存在，请核对"
    assert "风险类型目录" in fields["hardships"]
    assert "家庭人口数" in fields["household_size"] and "联系电话" in fields["phone"]


async def test_missing_field_names_it_in_chinese(intake_client):
    body = declaration()
    del body["name"]
    resp = await intake_client.post("/api/v1/declarations", json=body, headers=resident())
    assert resp.status_code == 422
    assert resp.json()["error"]["field"] == "name"
    assert resp.json()["error"]["message"] == "姓名: 缺少必填字段"


async def test_channels_are_bound_to_roles(intake_client):
    township = auth("township", VILLAGE[:9])
    resp = await intake_client.post("/api/v1/declarations", json=declaration(), headers=township)
    assert resp.status_code == 403 and resp.json()["error"]["field"] == "channel"
    resp = await intake_client.post(
        "/api/v1/declarations", json=declaration(channel="hotline"), headers=resident()
    )
    assert resp.status_code == 403
    county = auth("county", "231226")
    for channel in ("petition", "hotline"):
        resp = await intake_client.post(
            "/api/v1/declarations", json=declaration(channel=channel), headers=county
        )
        assert resp.status_code == 201, resp.text


async def test_cadre_screening_stays_inside_the_cadres_scope(intake_client):
    village = auth("village", VILLAGE)
    ok = await intake_client.post(
        "/api/v1/declarations", json=declaration(channel="cadre_screening"), headers=village
    )
    assert ok.status_code == 201, ok.text
    township = auth("township", VILLAGE[:9])
    other = declaration(channel="cadre_screening", village_code=OTHER_TOWNSHIP_VILLAGE)
    resp = await intake_client.post("/api/v1/declarations", json=other, headers=township)
    assert resp.status_code == 403
    error = resp.json()["error"]
    assert (error["code"], error["field"]) == ("forbidden_scope", "village_code")
    assert error["message"] == "村（社区）不在您的辖区内"


async def _fetch(database_url, sql, *args):
    conn = await asyncpg.connect(database_url)
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()


async def test_a_cadre_filing_for_an_open_case_is_merged_and_names_the_open_receipt(
    intake_client, database_url
):
    person = new_id_number()
    first = await intake_client.post(
        "/api/v1/declarations", json=declaration(id_number=person), headers=resident()
    )
    receipt = first.json()["receipt"]
    # a cadre of another township, where the person now lives
    again = declaration(
        id_number=person,
        channel="cadre_screening",
        hardships=["因学"],
        village_code=OTHER_TOWNSHIP_VILLAGE,
    )
    resp = await intake_client.post(
        "/api/v1/declarations", json=again, headers=auth("township", OTHER_TOWNSHIP_VILLAGE[:9])
    )
    assert resp.status_code == 201, resp.text
    merged = resp.json()
    assert merged["receipt"] != receipt and merged["attached_to"] == receipt
    assert merged["status"] == "merged" and "并入" in merged["message"]
    rows = await _fetch(
        database_url,
        "SELECT receipt, status, merged_into, hardships::text AS h "
        "FROM intake.declarations WHERE receipt = ANY($1) ORDER BY created_at, "
        "receipt <> $2",
        [receipt, merged["receipt"]],
        receipt,
    )
    assert [(r["status"], r["merged_into"]) for r in rows] == [
        ("received", None),
        ("merged", receipt),
    ]
    assert rows[1]["h"] == '["因学"]'
    events = await _fetch(
        database_url,
        "SELECT subject, key FROM intake.outbox WHERE subject = ANY($1)",
        [receipt, merged["receipt"]],
    )
    # one event each; the merged one keyed (and routed) where the open case is
    assert sorted((e["subject"], e["key"]) for e in events) == sorted(
        [(receipt, VILLAGE[:9]), (merged["receipt"], VILLAGE[:9])]
    )


async def test_the_same_caller_repeating_gets_200_with_their_own_receipt(
    intake_client, database_url
):
    person, filer = new_id_number(), resident()
    first = await intake_client.post(
        "/api/v1/declarations", json=declaration(id_number=person), headers=filer
    )
    receipt = first.json()["receipt"]
    resp = await intake_client.post(
        "/api/v1/declarations",
        headers=filer,
        json=declaration(id_number=person, hardships=["因学"]),
    )
    assert resp.status_code == 200, resp.text
    assert (resp.json()["receipt"], resp.json()["attached_to"]) == (receipt, receipt)
    assert resp.json()["status"] == "received" and "并入" in resp.json()["message"]
    repeats = await _fetch(
        database_url, "SELECT receipt FROM intake.declaration_repeats WHERE receipt = $1", receipt
    )
    events = await _fetch(
        database_url,
        "SELECT o.subject FROM intake.outbox o JOIN "
        "intake.declarations d ON d.receipt = o.subject "
        "WHERE d.person_ref = (SELECT person_ref FROM intake.declarations "
        "WHERE receipt = $1)",
        receipt,
    )
    assert (len(repeats), [e["subject"] for e in events]) == (1, [receipt])


async def test_idempotency_key_replays_and_refuses_a_different_body(intake_client):
    headers = {**resident(), "Idempotency-Key": "k-1"}
    body = declaration()
    first = await intake_client.post("/api/v1/declarations", json=body, headers=headers)
    again = await intake_client.post("/api/v1/declarations", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    other = await intake_client.post("/api/v1/declarations", json=declaration(), headers=headers)
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_key_reused"


async def test_concurrent_retries_with_one_key_file_once_and_answer_alike(
    intake_client, database_url
):
    person = new_id_number()
    headers = {**resident(), "Idempotency-Key": "k-concurrent"}
    body = declaration(id_number=person)
    answers = await asyncio.gather(
        *(intake_client.post("/api/v1/declarations", json=body, headers=headers) for _ in range(4))
    )
    assert {a.status_code for a in answers} == {201}, [a.text for a in answers]
    assert len({a.json()["receipt"] for a in answers}) == 1
    receipt = answers[0].json()["receipt"]
    filed = await _fetch(
        database_url,
        "SELECT d.receipt, (SELECT count(*) FROM intake.outbox o WHERE o.subject = d.receipt) "
        "AS events FROM intake.declarations d WHERE d.person_ref = "
        "(SELECT person_ref FROM intake.declarations WHERE receipt = $1)",
        receipt,
    )
    assert [(r["receipt"], r["events"]) for r in filed] == [(receipt, 1)]
