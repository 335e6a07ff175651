"""Audit colours deadlines with the county's amber ratio, the policy value warning uses too."""

import uuid
from datetime import timedelta

from shouwang.audit.messaging.consumers import handle_many
from shouwang.common.events.catalog import warning as w
from shouwang.common.events.envelope import new_envelope
from shouwang.common.testing.fixtures import auth
from shouwang.common.testing.policy import put_policy

STRICT, DEFAULT = "239911", "239912"  # counties of their own: no other test colours them
DAY = timedelta(days=1)


def _created(county: str, at) -> object:
    task = str(uuid.uuid4())
    data = w.TaskCreated(
        task_id=task, county_code=county, township_code=county + "100",
        village_code=county + "100201", period="2026-11", channel="department_warning",
        person_ref="ref-" + task, name_masked="张*", id_masked="2399**1234", source_ref="b",
        comparison="new", assign_by=at + 10 * DAY, report_by=at + 20 * DAY,
    )  # fmt: skip
    return new_envelope(data, source="/test", subject=task, time=at)


async def _totals(audit_client, county: str) -> dict:
    resp = await audit_client.get(
        "/api/v1/metrics/supervision", params={"county": county}, headers=auth("auditor")
    )
    assert resp.status_code == 200, resp.text
    return resp.json()["deadline_colours"]["total"]


async def test_colours_follow_the_county_amber_ratio(
    policy_client, audit_client, sessions, database_url, clock
):
    await put_policy(
        policy_client,
        database_url,
        STRICT,
        projected_by="audit",
        effective_from="2026-01-01",
        settings={"amber_ratio": 0.6},
        reason="提前预警",
    )
    now = clock.now()
    async with sessions() as session, session.begin():
        # 7 of 10 days used: amber at a 0.6 ratio, green at the national 0.8
        await handle_many([_created(c, now - 7 * DAY) for c in (STRICT, DEFAULT)], session)
    assert await _totals(audit_client, STRICT) == {"green": 0, "amber": 1, "red": 0}
    assert await _totals(audit_client, DEFAULT) == {"green": 1, "amber": 0, "red": 0}
