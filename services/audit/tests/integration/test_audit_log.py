"""The hash-chained log: each event once, chain verifiable, tampering named, append-only."""

import json
import uuid

import asyncpg
import pytest
from shouwang.audit.service.chain import append_event, chain_hash
from shouwang.common.events.catalog.warning import PushMissing
from shouwang.common.events.envelope import new_envelope
from shouwang.common.testing.fixtures import auth

AUDITOR = auth("auditor")


def _canonical(item: dict) -> str:
    body = {
        k: item[k] for k in ("type", "source", "subject", "time", "correlation_id", "topic", "data")
    }
    body["id"] = item["event_id"]
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


async def _verify(audit_client) -> dict:
    resp = await audit_client.get("/api/v1/audit/verify", headers=AUDITOR)
    assert resp.status_code == 200, resp.text
    return resp.json()


async def _append(sessions, envelope) -> int | None:
    async with sessions() as session, session.begin():
        return await append_event(session, envelope)


def _missing(subject: str | None = None):
    data = PushMissing(county_code="231226", department="transport", period="2026-10")
    return new_envelope(data, source="/test", subject=subject or f"missing-{uuid.uuid4()}")


async def test_pushed_batch_and_its_task_are_chained(push_batch, audited, audit_client):
    accepted = await push_batch()
    filed = await audited("batch filed", subject=accepted["batch_id"])
    assert filed[0]["type"] == "shouwang.warning.batch.filed.v1"
    assert filed[0]["topic"] == "warning.batches" and filed[0]["county_code"] == "231226"
    assert filed[0]["hash"] == chain_hash(filed[0]["prev_hash"], _canonical(filed[0]))
    processed = await audited("batch processed", subject=accepted["batch_id"], count=2)
    assert processed[1]["prev_hash"] != "0" * 64
    verified = await _verify(audit_client)
    assert verified["ok"] is True and verified["events"] >= 2


async def test_a_redelivered_event_is_recorded_once(sessions, audited):
    envelope = _missing()
    first = await _append(sessions, envelope)
    again = await _append(sessions, envelope)
    assert first is not None and again is None
    rows = await audited("appended event", subject=envelope.subject)
    assert [r["event_id"] for r in rows] == [envelope.id]


async def test_tampering_with_one_row_is_named_by_verify(sessions, db, audit_client):
    envelope = _missing()
    position = await _append(sessions, envelope)
    await _append(sessions, _missing())  # the tampered row is not the newest one
    assert (await _verify(audit_client))["ok"] is True
    original = await db.fetchval(
        "SELECT canonical FROM audit.audit_log WHERE position = $1", position
    )
    forged = original.replace('"department":"transport"', '"department":"education"')
    assert forged != original
    await _rewrite(db, position, forged)
    try:
        body = await _verify(audit_client)
        assert body["ok"] is False
        assert body["first_broken"] == {"position": position, "event_id": envelope.id}
    finally:
        await _rewrite(db, position, original)
    assert (await _verify(audit_client))["ok"] is True


async def _rewrite(db: asyncpg.Connection, position: int, canonical: str) -> None:
    async with db.transaction():
        await db.execute("SET LOCAL session_replication_role = replica")
        await db.execute(
            "UPDATE audit.audit_log SET canonical = $1 WHERE position = $2", canonical, position
        )


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit.audit_log SET actor = 'forger'",
        "DELETE FROM audit.audit_log",
        "TRUNCATE audit.audit_log",
    ],
)
async def test_the_log_refuses_update_delete_truncate(sessions, db, sql):
    await _append(sessions, _missing())
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
        await db.execute(sql)


async def test_readers_are_scoped_to_their_county(sessions, audit_client, audited):
    envelope = _missing()
    await _append(sessions, envelope)
    await audited("appended event", subject=envelope.subject)
    params = {"subject": envelope.subject}
    own = await audit_client.get(
        "/api/v1/audit/events", params=params, headers=auth("county", "231226")
    )
    other = await audit_client.get(
        "/api/v1/audit/events", params=params, headers=auth("county", "230125")
    )
    township = await audit_client.get(
        "/api/v1/audit/events", params=params, headers=auth("township", "231226100")
    )
    assert len(own.json()["items"]) == 1
    assert other.json()["items"] == []
    assert township.status_code == 403
    assert township.json()["error"]["code"] == "forbidden_role"
    denied = await audit_client.get("/api/v1/audit/verify", headers=auth("county", "231226"))
    assert denied.status_code == 403


@pytest.mark.parametrize(
    ("column", "forged"),
    [
        ("township_code", "'231226999'"),
        ("person_ref", "'someone-else'"),
        ("actor", "'forger'"),
        ("time", "time - interval '1 day'"),
        ("source", "'/forged'"),
    ],
)
async def test_a_changed_index_column_is_named_in_any_range(
    sessions, db, audit_client, column, forged
):
    """The parallel verify checks every range; a forged indexed column breaks its row."""
    positions = [await _append(sessions, _missing()) for _ in range(9)]
    target = positions[6]  # in a later range than the first, with rows after it
    event_id = await db.fetchval("SELECT event_id FROM audit.audit_log WHERE position=$1", target)
    original = await db.fetchval(
        f"SELECT {column}::text FROM audit.audit_log WHERE position = $1", target
    )
    await _set(db, target, f"{column} = {forged}")
    try:
        body = await _verify(audit_client)
        assert body["ok"] is False
        assert body["first_broken"] == {"position": target, "event_id": event_id}
    finally:
        restore = "NULL" if original is None else f"'{original}'"
        await _set(db, target, f"{column} = {restore}")
    assert (await _verify(audit_client))["ok"] is True


async def _set(db: asyncpg.Connection, position: int, assignment: str) -> None:
    async with db.transaction():
        await db.execute("SET LOCAL session_replication_role = replica")
        await db.execute(f"UPDATE audit.audit_log SET {assignment} WHERE position = $1", position)
