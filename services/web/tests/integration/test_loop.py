"""Township assigns, village reports (PII only there), township confirms: through the pages."""

import re

import httpx
from asgi_lifespan import LifespanManager
from shouwang.common.testing.fixtures import auth, wait_until
from shouwang.web.config import WebSettings
from shouwang.web.main import create_app

from .conftest import arm_csrf

# NOTE: a township of this file's own (阁山镇 三合村): the list pages show 50 rows, and other
# tests fill 绥棱镇 with routed tasks
TOWNSHIP, VILLAGE = "231226104", "231226104201"


async def _uploaded_task(web, warning_client) -> tuple[dict, dict]:
    clerk = await web.login("department", "medical_insurance", county="231226")
    who = web.person()
    resp = await web.upload(clerk, [web.good_row(who, village=VILLAGE)])
    assert 'id="accepted">1<' in resp.text
    return who, await web.task_of(warning_client, who, township_code=TOWNSHIP)


async def test_assign_report_confirm_closes_the_task(web, warning_client):
    who, task = await _uploaded_task(web, warning_client)
    task_id = task["task_id"]
    township = await web.login("township", TOWNSHIP)
    page = await township.get("/township", params={"status": "routed"})
    assert f'data-task-id="{task_id}" data-status="routed"' in page.text
    assert who["姓名"] not in page.text  # masked outside the village page
    assert re.search(r'data-stream="/township/stream\?after=\d+"', page.text)  # no replay

    none = await township.post("/township/assign", data={"village_code": VILLAGE})
    assert none.status_code == 422 and "请至少勾选一个任务" in none.text
    assigned = await township.post(
        "/township/assign",
        params={"status": "routed", "village_code": VILLAGE},  # the list's filters ride along
        data={"task_id": [task_id], "village_code": VILLAGE, "cadre_name": "李干部"},
    )
    assert assigned.status_code == 303
    back = httpx.URL(assigned.headers["location"]).params
    assert (back["ok"], back["status"], back["village_code"]) == ("assigned", "routed", VILLAGE)

    village = await web.login("village", VILLAGE)
    mine = await village.get("/village")
    assert f'data-task-id="{task_id}" data-status="assigned"' in mine.text
    visit = await village.get(f"/village/tasks/{task_id}")
    assert who["姓名"] in visit.text and who["身份证号"] in visit.text
    assert visit.headers["cache-control"] == "no-store"

    missing_reason = await village.post(
        f"/village/tasks/{task_id}/report", data={"outcome": "no_risk", "visited_on": "2026-11-10"}
    )
    assert missing_reason.status_code == 422
    assert 'id="err-reason"' in missing_reason.text and "无风险须填写原因" in missing_reason.text
    reported = await village.post(
        f"/village/tasks/{task_id}/report",
        data={"outcome": "no_risk", "visited_on": "2026-11-10", "reason": "医疗费已报销，收入稳定"},
    )
    assert reported.status_code == 303

    detail = await township.get(f"/township/tasks/{task_id}")
    assert 'data-status="reported"' in detail.text and "无风险" in detail.text
    confirmed = await township.post(f"/township/tasks/{task_id}/confirm")
    assert confirmed.status_code == 303
    closed = await township.get(confirmed.headers["location"])
    assert "已确认" in closed.text and 'data-colour="closed"' in closed.text
    assert 'data-action="confirmed"' in closed.text
    again = await township.post(f"/township/tasks/{task_id}/confirm")
    assert again.status_code == 409 and "只有已上报的任务可以确认" in again.text


async def test_the_pii_view_is_audited_by_the_warning_service(web, warning_client, audit_client):
    _, task = await _uploaded_task(web, warning_client)
    township = await web.login("township", TOWNSHIP)
    await township.post(
        "/township/assign", data={"task_id": task["task_id"], "village_code": VILLAGE}
    )
    village = await web.login("village", VILLAGE)
    assert (await village.get(f"/village/tasks/{task['task_id']}")).status_code == 200

    async def audited() -> bool:
        resp = await audit_client.get(
            "/api/v1/audit/pii-access", params={"limit": 500}, headers=auth("auditor")
        )
        return any(task["task_id"] in str(e) for e in resp.json()["items"])

    await wait_until(audited, what="the PII view in the audit log")


async def test_assign_to_a_village_of_another_township_shows_the_reason(web, warning_client):
    _, task = await _uploaded_task(web, warning_client)
    township = await web.login("township", TOWNSHIP)
    resp = await township.post(
        "/township/assign", data={"task_id": task["task_id"], "village_code": "231226101200"}
    )
    assert resp.status_code == 422
    assert 'id="err-village_code"' in resp.text and "村（社区）不属于本乡镇" in resp.text


async def test_login_and_roles(web):
    anonymous = web.anonymous()
    first = await anonymous.get("/township")
    assert first.status_code == 303 and first.headers["location"].startswith("/login")
    await arm_csrf(anonymous)
    bad = await anonymous.post("/login/dev", data={"role": "township", "scope": "12"})
    assert bad.status_code == 422 and 'id="err-scope"' in bad.text
    token = await anonymous.post("/login/token", data={"token": "not-a-jwt"})
    assert token.status_code == 422 and "令牌无效或已过期" in token.text

    good = await anonymous.post("/login/dev", data={"role": "village", "scope": ""})
    cookie = good.headers["set-cookie"]
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    assert (await anonymous.get("/")).headers["location"] == "/village"
    wrong = await anonymous.get("/township")
    assert wrong.status_code == 403 and "不能使用此页面" in wrong.text
    await arm_csrf(anonymous)
    out = await anonymous.post("/logout")
    assert out.status_code == 303
    assert (await anonymous.get("/village")).status_code == 303


async def test_dev_login_can_be_switched_off(make_settings, service_urls):
    app = create_app(make_settings(WebSettings, dev_login=False, **service_urls))
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://web") as client,
    ):
        assert "开发环境登录" not in (await client.get("/login")).text
        await arm_csrf(client)
        resp = await client.post("/login/dev", data={"role": "county", "scope": "231226"})
        assert resp.status_code == 404 and "set-cookie" not in resp.headers
        token = auth("county", "231226")["Authorization"].removeprefix("Bearer ")
        pasted = await client.post("/login/token", data={"token": token})
        assert pasted.status_code == 303 and pasted.headers["location"].startswith("/county")
