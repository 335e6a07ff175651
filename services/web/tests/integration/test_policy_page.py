"""政策参数 page against the real policy service: view, change, 422 by field, history, calendar.

Each test owns its province and county codes (the run's database is shared): no test sees
another's versions, and no seed county's rules change under other tests.
"""

import html
import re

from shouwang.common.testing.fixtures import auth

INPUT = re.compile(r"<input\b([^>]*)>")
SELECT = re.compile(r'<select\b[^>]*name="([^"]+)"[^>]*>(.*?)</select>', re.S)
SELECTED = re.compile(r'<option value="([^"]*)" selected>')
ATTR = re.compile(r'(\w[\w-]*)="([^"]*)"')


def form_of(page: str, form_id: str) -> dict[str, str]:
    """What a browser would send from a form of the page, unchanged."""
    start = page.index(f'id="{form_id}"')
    body = page[start : page.index("</form>", start)]
    fields: dict[str, str] = {}
    for raw in INPUT.findall(body):
        attrs = {k: html.unescape(v) for k, v in ATTR.findall(raw)}
        if attrs.get("type") == "checkbox" and " checked" not in raw:
            continue
        if "name" in attrs:
            fields[attrs["name"]] = attrs.get("value", "")
    for name, options in SELECT.findall(body):
        chosen = SELECTED.search(options)
        fields[name] = chosen.group(1) if chosen else ""
    return fields


def row(page: str, setting: str) -> str:
    """The effective table's row of a setting."""
    match = re.search(rf'<tr data-setting="{re.escape(setting)}".*?</tr>', page, re.S)
    assert match, setting
    return match.group(0)


async def test_a_county_changes_its_line_and_sees_it_in_force_and_in_history(
    policy_web, policy_client
):
    county = await policy_web.login("county", "880102")
    page = await county.get("/policy")
    assert page.status_code == 200, page.text
    assert 'href="/policy">政策参数</a>' in page.text  # in the county's navigation
    line = row(page.text, "monitoring_line_yuan")
    assert "防止返贫监测线" in line and "6,500 元" in line
    assert 'data-source="national"' in line and "国家" in line
    assert "识别认定时限" in page.text and "部门数据推送窗口" in page.text
    assert "本级尚无调整记录" in page.text

    change = {"reason": "县财政提标", "monitoring_line_yuan": "7300"}
    form = form_of(page.text, "change-form") | change
    saved = await county.post("/policy", data=form)
    assert saved.status_code == 303, saved.text
    assert saved.headers["location"] == "/policy?ok=policy&on=2026-11-10&version=1"
    after = (await county.get(saved.headers["location"])).text
    assert "政策参数已保存为新版本" in after
    line = row(after, "monitoring_line_yuan")
    assert 'data-source="county"' in line and "县" in line and "7,300 元" in line
    assert '<td class="version nowrap">1</td>' in line
    assert 'data-source="national"' in row(after, "push_window")
    version = re.search(r'<tr data-version="1">.*?</tr>', after, re.S)
    assert version and "县财政提标" in version.group(0)
    assert "防止返贫监测线（元/人/年）：7,300 元" in version.group(0)
    history = await policy_client.get(
        "/api/v1/policy/880102/history", headers=auth("county", "880102")
    )
    (stored,) = history.json()["items"]
    assert stored["settings"] == {"monitoring_line_yuan": 7300.0}, "only the changed field is sent"
    before = (await county.get("/policy", params={"on": "2026-11-09"})).text
    assert 'data-source="national"' in row(before, "monitoring_line_yuan")


async def test_the_apis_422_is_shown_next_to_its_field(policy_web, policy_client):
    county = await policy_web.login("county", "880103")
    form = form_of((await county.get("/policy")).text, "change-form")
    bad = form | {"reason": "窗口调整", "push_window.open_day": "15", "push_window.close_day": "5"}
    resp = await county.post("/policy", data=bad)
    assert resp.status_code == 422, resp.text
    error = re.search(r'<p class="error" id="err-push_window.close_day"[^>]*>(.*?)</p>', resp.text)
    assert error and "截止日不能早于开始日" in error.group(1)
    assert 'aria-describedby="err-push_window.close_day"' in resp.text
    kept = form_of(resp.text, "change-form")
    assert kept["push_window.open_day"] == "15" and kept["reason"] == "窗口调整"
    no_reason = await county.post("/policy", data=form | {"monitoring_line_yuan": "7000"})
    assert no_reason.status_code == 422 and 'id="err-reason"' in no_reason.text
    nothing = await county.post("/policy", data=form | {"reason": "未改动"})
    assert nothing.status_code == 422 and 'id="err-_form"' in nothing.text
    history = await policy_client.get(
        "/api/v1/policy/880103/history", headers=auth("county", "880103")
    )
    assert history.json()["items"] == [], "nothing was stored"


async def test_other_roles_get_the_403_page(policy_web):
    for role, scope in (("township", "880102001"), ("village", "880102001001")):
        client = await policy_web.login(role, scope)
        for resp in (
            await client.get("/policy"),
            await client.get("/policy/what-if"),
            await client.post("/policy", data={"reason": "x"}),
        ):
            assert resp.status_code == 403, (role, resp.status_code)
            assert "不能使用此页面" in resp.text
    clerk = await policy_web.login("department", "health", county="880102")
    assert (await clerk.get("/policy")).status_code == 403


async def test_calendar_status_and_the_fallback_warning(policy_web):
    county = await policy_web.login("county", "880104")
    seeded = (await county.get("/policy", params={"on": "2026-05-01"})).text
    assert 'data-fallback="no"' in seeded and 'id="calendar-status"' in seeded
    assert "国家发布" in seeded
    empty = (await county.get("/policy", params={"on": "2099-03-01"})).text
    assert 'data-fallback="yes"' in empty
    assert "2099 年节假日数据未录入，按周一至周五计算" in empty
    wrong = await county.get("/policy", params={"on": "明天"})
    assert wrong.status_code == 200 and 'id="err-on"' in wrong.text


async def test_a_province_changes_its_layer_and_views_a_county_read_only(policy_web):
    province = await policy_web.login("province", "89")
    home = await province.get("/", follow_redirects=True)
    assert home.status_code == 200 and str(home.url).endswith("/policy"), home.url
    form = form_of(home.text, "change-form") | {"reason": "全省统一", "amber_ratio": "0.7"}
    saved = await province.post("/policy", data=form)
    assert saved.status_code == 303, saved.text
    county = (await province.get("/policy", params={"region": "890102"})).text
    assert "省级用户只能调整本省" in county and 'id="change-form"' not in county
    ratio = row(county, "amber_ratio")
    assert 'data-source="province"' in ratio and "省" in ratio and "0.7（70%）" in ratio
    elsewhere = (await province.get("/policy", params={"region": "880102"})).text
    assert "省级（89）" in elsewhere, "another province's county is not shown"
    county_user = await policy_web.login("county", "890102")
    own = (await county_user.get("/policy")).text
    assert 'data-source="province"' in row(own, "amber_ratio")


async def test_a_province_cannot_change_a_countys_layer_through_the_form(policy_web):
    province = await policy_web.login("province", "89")
    page = (await province.get("/policy", params={"region": "890103"})).text
    assert 'id="change-form"' not in page
    resp = await province.post("/policy", data={"region": "890103", "reason": "越级", "on": ""})
    # the form always writes the user's own layer: here the province's, refused for no change
    assert resp.status_code == 422 and "省级（89）" in resp.text
