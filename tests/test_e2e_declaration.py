"""Acceptance (issue 5): a resident's declaration runs through the verification loop and back;
(issue 15 item 5) the deadlines it promises, their colours and overdue events."""

import random
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, datetime, time

import asyncpg
from shouwang.common.clock import SHANGHAI
from shouwang.common.idnumber import generate_id_number
from shouwang.common.testing.fixtures import auth, list_all, wait_until
from shouwang.common.testing.policy import put_policy
from shouwang.intake.adapters.tables import outbox as intake_outbox
from shouwang.intake.service.overdue import sweep_overdue
from sqlalchemy import select

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


# --- Deadlines (issue 15 item 5): acceptance in days, the home visit in working days ----------

OVERDUE = "shouwang.intake.declaration.overdue.v1"


def _at(day: str, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(hour, minute), tzinfo=SHANGHAI)


async def _hotline(intake_client, county: str = "231226", village: str = VILLAGE) -> dict:
    """A hotline filing by the county (a staff caller: no resident rate limit in the way)."""
    person = generate_id_number(random.Random(uuid.uuid4().int), region=county)
    body = _declaration(person, channel="hotline", village_code=village)
    resp = await intake_client.post(
        "/api/v1/declarations", json=body, headers=auth("county", county)
    )
    assert resp.status_code == 201, resp.text
    return resp.json()


async def _promised(intake_client, receipt: str, county: str = "231226") -> tuple[str, str]:
    resp = await intake_client.get(
        f"/api/v1/declarations/{receipt}", headers=auth("county", county)
    )
    assert resp.status_code == 200, resp.text
    return resp.json()["accept_by"], resp.json()["visit_by"]


async def _overdue_stages(intake_client, receipt: str) -> list[str]:
    stmt = select(intake_outbox.c.payload).where(
        intake_outbox.c.type == OVERDUE, intake_outbox.c.subject == receipt
    )
    async with intake_client.app.state.runtime.sessionmaker() as session:
        return sorted(row.payload["stage"] for row in await session.execute(stmt))


async def _colour(intake_client, receipt: str) -> str | None:
    items = await list_all(
        intake_client, "/api/v1/declarations", headers=auth("township", TOWNSHIP)
    )
    return next((item["colour"] for item in items if item["receipt"] == receipt), "missing")


async def test_visit_by_counts_the_working_days_of_the_province_calendar(intake_client, clock):
    # Friday 13 Feb 2026: Saturday the 14th is a 调休 working day, 15–23 Feb is 春节
    clock.set(_at("2026-02-13"))
    filed = await _hotline(intake_client)
    assert (filed["accept_by"], filed["visit_by"]) == ("2026-02-15", "2026-02-24")
    assert await _promised(intake_client, filed["receipt"]) == ("2026-02-15", "2026-02-24")
    assert "2026年2月24日" in filed["message"]
    # Wednesday 30 Sep 2026: 1–7 Oct is 国庆, Thursday 8 and Friday 9 Oct are the two
    clock.set(_at("2026-09-30"))
    filed = await _hotline(intake_client)
    assert (filed["accept_by"], filed["visit_by"]) == ("2026-10-02", "2026-10-09")


async def test_a_county_setting_applies_to_filings_from_its_date(
    intake_client, policy_client, database_url, clock
):
    county, village = "230125", "230125100051"
    await put_policy(
        policy_client,
        database_url,
        county,
        projected_by="intake",
        effective_from="2027-03-01",
        settings={"deadlines": {"declaration_visit_working_days": 3}},
        reason="入户核实时限调整为 3 个工作日",
    )
    clock.set(_at("2027-02-26"))  # a Friday: still 2 working days
    before = await _hotline(intake_client, county, village)
    clock.set(_at("2027-03-01"))  # a Monday: 3 working days from the setting's date
    after = await _hotline(intake_client, county, village)
    assert (before["accept_by"], before["visit_by"]) == ("2027-02-28", "2027-03-02")
    assert (after["accept_by"], after["visit_by"]) == ("2027-03-03", "2027-03-04")
    assert await _promised(intake_client, before["receipt"], county) == ("2027-02-28", "2027-03-02")


@asynccontextmanager
async def _township_busy(database_url: str, period: str) -> AsyncIterator[None]:
    """Hold warning's routing of the county's declarations (its per county-period lock)."""
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute("SELECT pg_advisory_lock(hashtext($1))", f"231226:{period}")
        yield
    finally:
        await conn.close()


async def test_an_unaccepted_declaration_is_overdue_once_per_stage(
    intake_client, warning_client, database_url, clock
):
    clock.set(_at("2026-11-10"))  # a Tuesday: accept by Thursday 12th, visit by Thursday 12th
    runtime = intake_client.app.state.runtime
    async with _township_busy(database_url, "2026-11"):
        filed = await _hotline(intake_client)
        receipt = filed["receipt"]
        assert (filed["accept_by"], filed["visit_by"]) == ("2026-11-12", "2026-11-12")
        clock.set(_at("2026-11-12", 23, 59))
        await sweep_overdue(runtime)
        assert await _overdue_stages(intake_client, receipt) == []
        clock.set(_at("2026-11-13", 0, 1))
        await sweep_overdue(runtime)
        await sweep_overdue(runtime)
        assert await _overdue_stages(intake_client, receipt) == ["accept", "visit"]
        assert await _colour(intake_client, receipt) == "red"
    # the township accepts late: the stage was flagged already, nothing more is raised
    await wait_until(lambda: _status_of(intake_client, receipt, "verifying"), what="accepted")
    await sweep_overdue(runtime)
    assert await _overdue_stages(intake_client, receipt) == ["accept", "visit"]


async def test_a_late_acceptance_is_overdue_without_waiting_for_a_sweep(
    intake_client, warning_client, database_url, clock
):
    clock.set(_at("2026-11-10"))
    async with _township_busy(database_url, "2026-11"):
        receipt = (await _hotline(intake_client))["receipt"]
        clock.set(_at("2026-11-13", 9))
    await wait_until(lambda: _status_of(intake_client, receipt, "verifying"), what="accepted")
    # flagged where the acceptance was recorded (or by the loop's sweep: once either way)
    stages = await wait_until(lambda: _overdue_stages(intake_client, receipt), what="overdue")
    assert "accept" in stages
    await sweep_overdue(intake_client.app.state.runtime)
    assert await _overdue_stages(intake_client, receipt) == ["accept", "visit"]


async def test_a_declaration_accepted_in_time_is_overdue_only_for_a_late_visit(
    intake_client, warning_client, clock
):
    clock.set(_at("2026-11-10"))
    receipt = (await _hotline(intake_client))["receipt"]
    await wait_until(lambda: _status_of(intake_client, receipt, "verifying"), what="accepted")
    runtime = intake_client.app.state.runtime
    clock.set(_at("2026-11-13", 0, 1))
    await sweep_overdue(runtime)
    assert await _overdue_stages(intake_client, receipt) == ["visit"]
    # the village visits late: once per stage, so no second event
    task_id = await _task_id(intake_client, receipt)
    township = auth("township", TOWNSHIP)
    assigned = await warning_client.post(
        f"/api/v1/tasks/{task_id}/assign", json={"village_code": VILLAGE}, headers=township
    )
    assert assigned.status_code == 200, assigned.text
    report = {"outcome": "no_risk", "reason": "收入稳定", "visited_on": "2026-11-13"}
    reported = await warning_client.post(
        f"/api/v1/tasks/{task_id}/report", json=report, headers=auth("village", VILLAGE)
    )
    assert reported.status_code == 200, reported.text
    await wait_until(lambda: _status_of(intake_client, receipt, "verified"), what="visited")
    await sweep_overdue(runtime)
    assert await _overdue_stages(intake_client, receipt) == ["visit"]
    assert await _colour(intake_client, receipt) == "closed"


async def test_the_list_turns_amber_then_red(intake_client, clock):
    clock.set(_at("2026-11-10"))  # due at the end of Thursday 12th: 62 hours
    receipt = (await _hotline(intake_client))["receipt"]
    clock.set(_at("2026-11-11", 12))  # 26 of 62 hours
    assert await _colour(intake_client, receipt) == "green"
    clock.set(_at("2026-11-12", 12))  # 50 of 62 hours: past the default 80 %
    assert await _colour(intake_client, receipt) == "amber"
    clock.set(_at("2026-11-13", 0, 1))
    assert await _colour(intake_client, receipt) == "red"


async def _status_of(intake_client, receipt: str, wanted: str) -> dict | None:
    resp = await intake_client.get(
        f"/api/v1/declarations/{receipt}", headers=auth("county", "231226")
    )
    return resp.json() if resp.json()["status"] == wanted else None


async def _task_id(intake_client, receipt: str) -> str:
    items = await list_all(
        intake_client, "/api/v1/declarations", headers=auth("township", TOWNSHIP)
    )
    return next(item["task_id"] for item in items if item["receipt"] == receipt)
