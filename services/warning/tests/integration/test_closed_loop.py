"""Dedup, routing, township/village work, return to county (issue 4 points 5–8)."""

import uuid

from shouwang.common.testing.fixtures import auth, list_all
from shouwang.warning.adapters.tables import outbox, task_feed
from sqlalchemy import select


async def test_same_person_from_two_departments_is_one_task_with_two_signals(loop):
    who = loop.person()
    await loop.pushed_and_processed([loop.item(who)])
    second = await loop.pushed_and_processed(
        [loop.item(who, indicator="unsafe_house", values={"grade": "D"})], department="housing"
    )
    assert (second["tasks_created"], second["signals_attached"]) == (0, 1)
    assert second["comparison"] == {"open_task": 1}
    task = await loop.task_for(who)
    detail = (
        await loop.client.get(
            f"/api/v1/tasks/{task['task_id']}", headers=auth("township", loop.TOWNSHIP_A)
        )
    ).json()
    assert sorted(s["department"] for s in detail["signals"]) == ["housing", "medical_insurance"]


async def test_the_same_person_twice_in_one_batch_opens_one_task(loop):
    who = loop.person()
    summary = await loop.pushed_and_processed([loop.item(who), loop.item(who)])
    assert (summary["tasks_created"], summary["signals_attached"]) == (1, 1)


async def test_the_task_list_pages_through_every_task_once(loop):
    people = [loop.person() for _ in range(8)]
    assert (await loop.pushed_and_processed([loop.item(w) for w in people]))["tasks_created"] == 8
    county = auth("county", loop.COUNTY)
    listed = await list_all(loop.client, "/api/v1/tasks", headers=county, params={"limit": 3})
    ids = [t["task_id"] for t in listed]
    assert len(ids) == len(set(ids)) >= 8, "three pages or more, no task on two of them"
    assert {loop.ref(w) for w in people} <= {t["person_ref"] for t in listed}


async def test_the_unroutable_queue_pages_through_every_held_item(loop):
    people = [loop.person() for _ in range(5)]
    held = [loop.item(who, village="231226100998") for who in people]
    assert (await loop.pushed_and_processed(held))["unroutable"] == 5
    county = auth("county", loop.COUNTY)
    first = await loop.client.get("/api/v1/unroutable", headers=county, params={"limit": 2})
    assert len(first.json()["items"]) == 2 and first.json()["next_cursor"]
    listed = await list_all(loop.client, "/api/v1/unroutable", headers=county,
                            params={"limit": 2})  # fmt: skip
    ids = [h["id"] for h in listed]
    assert len(ids) == len(set(ids)), "no item on two pages"
    assert {loop.ref(w) for w in people} <= {h["person_ref"] for h in listed}
    bad = await loop.client.get("/api/v1/unroutable", headers=county, params={"cursor": "x"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "cursor"


async def test_unknown_village_of_the_county_is_held_then_routed_by_hand(loop):
    who = loop.person()
    summary = await loop.pushed_and_processed([loop.item(who, village="231226100999")])
    assert (summary["accepted"], summary["unroutable"], summary["tasks_created"]) == (1, 1, 0)
    county = auth("county", loop.COUNTY)
    held = (await loop.client.get("/api/v1/unroutable", headers=county)).json()["items"]
    mine = [h for h in held if h["person_ref"] == loop.ref(who)]
    assert len(mine) == 1 and mine[0]["village_code"] == "231226100999"
    routed = await loop.client.post(
        f"/api/v1/unroutable/{mine[0]['id']}/route",
        headers=county,
        json={"village_code": loop.VILLAGE_A},
    )
    assert routed.status_code == 200 and routed.json()["task_id"]
    assert (await loop.task_for(who))["village_code"] == loop.VILLAGE_A
    again = await loop.client.post(
        f"/api/v1/unroutable/{mine[0]['id']}/route",
        headers=county,
        json={"village_code": loop.VILLAGE_A},
    )
    assert again.status_code == 409


async def test_township_b_cannot_see_or_touch_township_a_task(loop):
    who = loop.person()
    await loop.pushed_and_processed([loop.item(who)])
    task = await loop.task_for(who)
    other = auth("township", loop.TOWNSHIP_B)
    assert (
        await loop.client.get(f"/api/v1/tasks/{task['task_id']}", headers=other)
    ).status_code == 403
    resp = await loop.client.post(
        f"/api/v1/tasks/{task['task_id']}/assign",
        headers=other,
        json={"village_code": loop.VILLAGE_B},
    )
    assert resp.status_code == 403
    listed = await list_all(loop.client, "/api/v1/tasks", headers=other)
    assert task["task_id"] not in [t["task_id"] for t in listed]
    foreign_village = auth("village", loop.VILLAGE_B)
    resp = await loop.client.post(
        f"/api/v1/tasks/{task['task_id']}/report",
        headers=foreign_village,
        json={"outcome": "no_risk", "reason": "x"},
    )
    assert resp.status_code == 403


async def test_full_loop_assign_report_confirm_closes_the_task(loop):
    who = loop.person()
    await loop.pushed_and_processed([loop.item(who)])
    task_id = (await loop.task_for(who))["task_id"]
    township, village = auth("township", loop.TOWNSHIP_A), auth("village", loop.VILLAGE_A)
    r = await loop.client.post(
        f"/api/v1/tasks/{task_id}/assign",
        headers=township,
        json={"village_code": loop.VILLAGE_A, "cadre_name": "李干部"},
    )
    assert r.json()["status"] == "assigned"
    r = await loop.client.post(
        f"/api/v1/tasks/{task_id}/report",
        headers=village,
        json={"outcome": "no_risk", "reason": "医疗费已报销，收入稳定", "visited_on": "2026-11-12"},
    )
    assert r.json()["status"] == "reported"
    r = await loop.client.post(f"/api/v1/tasks/{task_id}/confirm", headers=township)
    assert (r.json()["status"], r.json()["outcome"], r.json()["colour"]) == (
        "confirmed",
        "no_risk",
        "closed",
    )
    actions = [h["action"] for h in r.json()["history"]]
    assert actions == ["created", "assigned", "reported", "confirmed"]
    again = await loop.client.post(f"/api/v1/tasks/{task_id}/confirm", headers=township)
    assert again.status_code == 409 and again.json()["error"]["code"] == "invalid_task_transition"


async def test_a_confirmed_risk_seals_pii_for_assistance_but_not_for_the_township_feed(loop):
    who = loop.person()
    await loop.pushed_and_processed([loop.item(who)])
    task_id = (await loop.task_for(who))["task_id"]
    township = auth("township", loop.TOWNSHIP_A)
    report = {"outcome": "risk_confirmed", "reason": "因病", "visited_on": "2026-11-12",
              "risk_type": "因病"}  # fmt: skip
    await loop.client.post(f"/api/v1/tasks/{task_id}/report", headers=township, json=report)
    r = await loop.client.post(f"/api/v1/tasks/{task_id}/confirm", headers=township)
    assert r.json()["outcome"] == "risk_confirmed"
    async with loop.runtime.sessionmaker() as session:
        published = (await session.execute(select(outbox.c.payload).where(
            outbox.c.subject == task_id, outbox.c.type == "shouwang.warning.task.confirmed.v1",
        ))).scalar_one()  # fmt: skip
        fed = (await session.execute(select(task_feed.c.payload).where(
            task_feed.c.task_id == uuid.UUID(task_id), task_feed.c.event_type == "TaskConfirmed",
        ))).scalar_one()  # fmt: skip
    assert published["pii_sealed"], "assistance registers the household from it"
    assert published["risk_type"] == "因病", "a re-marked household gets the confirmed risk"
    assert "pii_sealed" not in fed and fed["outcome"] == "risk_confirmed"


async def test_moved_returns_to_the_county_which_reroutes_to_the_new_township(loop):
    who = loop.person()
    await loop.pushed_and_processed([loop.item(who)])
    task_id = (await loop.task_for(who))["task_id"]
    township = auth("township", loop.TOWNSHIP_A)
    await loop.client.post(
        f"/api/v1/tasks/{task_id}/report",
        headers=township,
        json={"outcome": "moved", "target_township_code": loop.TOWNSHIP_B},
    )
    r = await loop.client.post(f"/api/v1/tasks/{task_id}/confirm", headers=township)
    assert r.json()["status"] == "returned"
    county = auth("county", loop.COUNTY)
    returned = await list_all(
        loop.client, "/api/v1/tasks", headers=county, params={"status": "returned"}
    )
    assert task_id in [t["task_id"] for t in returned]
    r = await loop.client.post(
        f"/api/v1/tasks/{task_id}/route", headers=county, json={"village_code": loop.VILLAGE_B}
    )
    assert (r.json()["status"], r.json()["township_code"]) == ("routed", loop.TOWNSHIP_B)
    assert (await loop.task_for(who, loop.TOWNSHIP_B))["task_id"] == task_id


async def test_decrypted_read_is_for_the_village_and_audited(loop):
    who = loop.person()
    await loop.pushed_and_processed([loop.item(who)])
    task_id = (await loop.task_for(who))["task_id"]
    county = auth("county", loop.COUNTY)
    assert (
        await loop.client.get(f"/api/v1/tasks/{task_id}/pii", headers=county)
    ).status_code == 403
    township = auth("township", loop.TOWNSHIP_A)
    pii = (await loop.client.get(f"/api/v1/tasks/{task_id}/pii", headers=township)).json()
    assert (pii["id_number"], pii["name"]) == (who["id_number"], who["name"])
    async with loop.runtime.sessionmaker() as session:
        rows = (
            await session.execute(
                select(outbox.c.payload).where(
                    outbox.c.type == "shouwang.access.pii.viewed.v1", outbox.c.subject == task_id
                )
            )
        ).all()
    assert len(rows) == 1 and rows[0].payload["person_ref"] == loop.ref(who)


async def test_comparison_uses_the_imported_registry(loop):
    monitored, lifted, new = loop.person(), loop.person(), loop.person()
    csv = (
        "身份证号,状态,户编号\n"
        + f"{monitored['id_number']},监测对象,H1\n{lifted['id_number']},脱贫户,H2\n"
    )
    imported = await loop.client.post(
        "/api/v1/registry/import", content=csv.encode(), headers=auth("county", loop.COUNTY)
    )
    assert imported.json()["imported"] == 2
    summary = await loop.pushed_and_processed(
        [loop.item(monitored), loop.item(lifted), loop.item(new)]
    )
    assert summary["comparison"] == {"monitored": 1, "lifted": 1, "new": 1}
    assert (await loop.task_for(lifted))["comparison"] == "lifted"
