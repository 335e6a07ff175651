"""Household metrics (monitoring objects, timeliness, 整改) through both consumer paths."""

import uuid
from datetime import datetime, timedelta

from shouwang.audit.messaging.consumers import handle, handle_many
from shouwang.common.clock import SHANGHAI
from shouwang.common.events.catalog import assistance as a
from shouwang.common.events.envelope import new_envelope
from shouwang.common.testing.fixtures import auth

T1_SUFFIX, T2_SUFFIX = "100", "101"
NOV = datetime(2026, 11, 5, 9, 0, tzinfo=SHANGHAI)


def _where(county: str, township: str = T1_SUFFIX) -> dict:
    return {"county_code": county, "village_code": county + township + "201"}


def _status(
    county: str,
    household: str,
    township: str,
    status: str,
    category: str | None,
    risks: list[str] | None,
) -> a.HouseholdStatusChanged:
    return a.HouseholdStatusChanged(
        household_id=household,
        **_where(county, township),
        status=status,
        member_refs=["r1"],
        category=category,
        risk_types=risks,
        assistance_status=status,
    )


async def _one_by_one(sessions, events: list, at: datetime = NOV) -> None:
    for data in events:
        envelope = new_envelope(data, source="/test", subject=str(uuid.uuid4()), time=at)
        async with sessions() as session, session.begin():
            await handle(envelope, session)


async def _metrics(audit_client, county: str, period: str = "2026-11") -> dict:
    resp = await audit_client.get(
        "/api/v1/metrics/supervision",
        params={"county": county, "period": period},
        headers=auth("auditor"),
    )
    assert resp.status_code == 200, resp.text
    return dict(resp.json())


async def test_monitoring_objects_follow_the_household_status(sessions, audit_client):
    county = "239904"
    h1, h2, h3 = (str(uuid.uuid4()) for _ in range(3))
    marked = _status(county, h1, T1_SUFFIX, "monitored", "脱贫不稳定户", ["因病", "因残"])
    envelope = new_envelope(marked, source="/test", subject=h1, time=NOV)
    async with sessions() as session, session.begin():
        await handle(envelope, session)
        await handle(envelope, session)  # a redelivery counts once
    await _one_by_one(
        sessions,
        [
            _status(county, h2, T2_SUFFIX, "monitored", "边缘易致贫户", ["因病"]),
            _status(county, h3, T1_SUFFIX, "monitored", "突发严重困难户", None),
            _status(county, h1, T1_SUFFIX, "risk_eliminated", "脱贫不稳定户", ["因病", "因残"]),
            _status(county, h2, T2_SUFFIX, "monitored", "边缘易致贫户", ["因灾"]),  # re-marked
            _status(county, str(uuid.uuid4()), T2_SUFFIX, "lifted", "脱贫户", None),
        ],
    )
    body = await _metrics(audit_client, county)
    monitoring = body["monitoring"]
    assert monitoring["total"] == body["kpis"]["monitoring_objects"] == 2
    assert {r["value"]: r["count"] for r in monitoring["by_category"]} == {
        "边缘易致贫户": 1,
        "突发严重困难户": 1,
    }
    assert {r["value"]: r["count"] for r in monitoring["by_risk_type"]} == {"因灾": 1, "未标注": 1}
    towns = {t["township_code"]: t for t in monitoring["by_township"]}
    assert towns[county + T1_SUFFIX]["categories"] == {"突发严重困难户": 1}
    assert (towns[county + T1_SUFFIX]["total"], towns[county + T2_SUFFIX]["total"]) == (1, 1)


def _step(county: str, step: str, result: str, overdue: bool) -> a.IdentificationStepRecorded:
    return a.IdentificationStepRecorded(
        household_id=str(uuid.uuid4()), **_where(county), step=step, result=result, overdue=overdue
    )


def _plan(county: str, household: str, late: bool) -> a.PlanRecorded:
    return a.PlanRecorded(
        household_id=household,
        **_where(county),
        plan_id=str(uuid.uuid4()),
        measure_types=["产业"],
        late=late,
    )


def _problem(county: str, township: str, campaign: str, closed: bool | None = None):
    facts = {
        "household_id": str(uuid.uuid4()),
        **_where(county, township),
        "township_code": county + township,
        "campaign_id": campaign,
        "problem_id": str(uuid.uuid4()),
        "problem_type": "政策落实",
        "deadline": NOV.date() + timedelta(days=10),
    }
    if closed is None:
        return a.CampaignProblemRecorded(**facts, found_on=NOV.date())
    return a.CampaignProblemClosed(**facts, closed_on=NOV.date(), on_time=closed)


async def test_timeliness_and_rectification_in_a_batch(sessions, audit_client):
    county, campaign = "239905", str(uuid.uuid4())
    h1, h2 = str(uuid.uuid4()), str(uuid.uuid4())
    events = [
        _step(county, "county_decision", "approve", overdue=False),
        _step(county, "county_decision", "approve", overdue=True),
        _step(county, "village_review", "fail", overdue=False),  # decided early: counts
        _step(county, "notice", "posted", overdue=True),  # not a decision: not counted
        _plan(county, h1, late=False),
        _plan(county, h1, late=True),  # only the first counts
        _plan(county, h2, late=True),
        *(_problem(county, T1_SUFFIX, campaign) for _ in range(3)),
        _problem(county, T2_SUFFIX, campaign),
        _problem(county, T1_SUFFIX, campaign, closed=True),
        _problem(county, T1_SUFFIX, campaign, closed=False),
    ]
    envelopes = [
        new_envelope(e, source="/test", subject=str(uuid.uuid4()), time=NOV) for e in events
    ]
    december = new_envelope(
        _step(county, "county_decision", "approve", overdue=True),
        source="/test",
        subject="d",
        time=NOV + timedelta(days=30),
    )
    async with sessions() as session, session.begin():
        await handle_many([*envelopes, december], session)
    async with sessions() as session, session.begin():
        await handle_many(envelopes[:3], session)  # redelivered: nothing counts twice
    body = await _metrics(audit_client, county)
    timely = body["timeliness"]
    assert timely["identification"] == {
        "total": 3,
        "on_time": 2,
        "late": 1,
        "rate": round(2 / 3, 4),
    }
    assert timely["plan"] == {"total": 2, "on_time": 1, "late": 1, "rate": 0.5}
    assert body["kpis"]["identification_on_time_rate"] == round(2 / 3, 4)
    rect = body["rectification"]
    assert rect["total"] == {"recorded": 4, "closed": 2, "closed_on_time": 1, "rate": 0.5}
    towns = {t["township_code"]: t for t in rect["townships"]}
    assert towns[county + T1_SUFFIX]["rate"] == round(2 / 3, 4)
    assert towns[county + T2_SUFFIX]["closed"] == 0
    assert rect["townships"][0]["township_code"] == county + T2_SUFFIX  # laggard first
    later = await _metrics(audit_client, county, "2026-12")
    assert later["timeliness"]["identification"]["total"] == 1
