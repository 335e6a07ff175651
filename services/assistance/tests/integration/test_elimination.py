"""Risk elimination: pre-judgement criteria, signature, review, 缓退 and 兜底保障户."""

from datetime import datetime

import pytest
from shouwang.common.clock import SHANGHAI

from .conftest import member

# seed 001 (the default schedule): pre-judgement mid-month, village review late in the month
QUARTER_END = datetime(2026, 12, 15, 10, 0, tzinfo=SHANGHAI)
REVIEW_DAYS = datetime(2026, 12, 22, 10, 0, tzinfo=SHANGHAI)
MARK_DAY = datetime(2026, 12, 25, 10, 0, tzinfo=SHANGHAI)
SECURE = {"education": True, "medical": True, "housing": True, "water": True}
REVIEW = [{"name": "护林员", "in_place": True, "effective": True, "effect": "月增收500元"}]


@pytest.fixture(autouse=True)
def quarter_end(clock):
    """Pre-judgement runs mid-month in the last month of a quarter: move the clock there."""
    clock.set(QUARTER_END)
    return clock


async def _monitored(register, client, headers, *, protection=(), labours=("full",)):
    members = [member(labour, "户主" if i == 0 else "子女") for i, labour in enumerate(labours)]
    hid = (
        await register(
            category="边缘易致贫户",
            monitored_since="2026-03-01",
            protection=list(protection),
            members=members,
        )
    )["id"]
    plan = await client.post(
        f"/api/v1/households/{hid}/plans",
        headers=headers,
        json={
            "cadre_name": "刘书记",
            "measures": [
                {
                    "type": "公益岗位" if "full" in labours else "综合保障/兜底",
                    "name": "护林员",
                    "starts_on": "2026-04-01",
                    "ends_on": "2027-03-31",
                    "amount_yuan": 6000,
                }
            ],
        },
    )
    assert plan.status_code == 201, plan.text
    for month in range(4, 11):
        await client.post(
            f"/api/v1/households/{hid}/followups",
            headers=headers,
            json={"month": f"2026-{month:02d}", "income": {"wage": 1500}},
        )
    return hid


async def _run(client, clock, hid, village, township, **prejudge):
    prejudge = prejudge or {"measure_review": REVIEW}
    steps = [
        (QUARTER_END, "prejudge", township, {"date": "2026-12-15", "security": SECURE, **prejudge}),
        (
            QUARTER_END,
            "onsite_check",
            village,
            {"date": "2026-12-16", "checked_by": "王专干", "household_signed": True},
        ),
        (
            REVIEW_DAYS,
            "village_review",
            village,
            {"result": "pass", "date": "2026-12-22", "attendees": 30},
        ),
        (MARK_DAY, "mark", township, {"date": "2026-12-25"}),
    ]
    for now, step, headers, body in steps:
        clock.set(now)
        resp = await client.post(
            f"/api/v1/households/{hid}/elimination/{step}", headers=headers, json=body
        )
        assert resp.status_code == 200, (step, resp.text)
    return resp.json()


async def test_eliminated_household(assistance_client, register, village, township, outbox, clock):
    hid = await _monitored(register, assistance_client, village)
    result = await _run(assistance_client, clock, hid, village, township)
    assert result["outcome"] == "risk_eliminated" and result["way"] == "帮扶消除"
    view = (await assistance_client.get(f"/api/v1/households/{hid}", headers=village)).json()
    assert view["status"] == "risk_eliminated" and view["registry_status"] == "risk_eliminated"
    assert (await outbox(hid, "status_changed"))[-1]["payload"]["status"] == "risk_eliminated"


async def test_dibao_household_gets_deferred_exit(
    assistance_client, register, village, township, outbox, clock
):
    hid = await _monitored(register, assistance_client, village, protection=["低保"])
    result = await _run(assistance_client, clock, hid, village, township)
    assert result["outcome"] == "deferred_exit"
    last = (await outbox(hid, "status_changed"))[-1]["payload"]
    assert last["assistance_status"] == "deferred_exit" and last["status"] == "monitored"


async def test_no_labour_household_is_kept_as_guarantee(
    assistance_client, register, village, township, clock
):
    hid = await _monitored(register, assistance_client, village, labours=("none", "none"))
    result = await _run(assistance_client, clock, hid, village, township)
    assert result["outcome"] == "guarantee_household"
    view = (await assistance_client.get(f"/api/v1/households/{hid}", headers=village)).json()
    assert view["status"] == "monitored" and view["guarantee_household"] is True


async def test_prejudge_names_unmet_criteria(assistance_client, register, village, township):
    hid = (await register(category="边缘易致贫户", monitored_since="2026-09-01"))["id"]
    resp = await assistance_client.post(
        f"/api/v1/households/{hid}/elimination/prejudge",
        headers=township,
        json={"date": "2026-12-15"},
    )
    assert resp.status_code == 422
    criteria = [c["criterion"] for c in resp.json()["error"]["details"]["criteria"]]
    assert criteria == [
        "monitored_less_than_required",
        "income_not_stably_above_line",
        "security_not_guaranteed",
        "no_measure_in_effect",
    ]


async def test_onsite_check_needs_the_household_signature(
    assistance_client, register, village, township
):
    hid = await _monitored(register, assistance_client, village)
    await assistance_client.post(
        f"/api/v1/households/{hid}/elimination/prejudge",
        headers=township,
        json={"date": "2026-12-15", "security": SECURE, "measure_review": REVIEW},
    )
    resp = await assistance_client.post(
        f"/api/v1/households/{hid}/elimination/onsite_check",
        headers=village,
        json={"date": "2026-12-16", "checked_by": "王专干", "household_signed": False},
    )
    assert resp.status_code == 422 and resp.json()["error"]["field"] == "household_signed"


async def test_prejudge_only_mid_month_in_the_last_month_of_a_quarter(
    assistance_client, register, village, township, clock
):
    hid = await _monitored(register, assistance_client, village)
    url = f"/api/v1/households/{hid}/elimination/prejudge"
    body = {"date": "2026-11-20", "security": SECURE, "measure_review": REVIEW}
    for now in (datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI),
                datetime(2026, 12, 10, 23, 59, tzinfo=SHANGHAI)):  # fmt: skip
        clock.set(now)
        resp = await assistance_client.post(url, headers=township, json=body)
        assert resp.status_code == 422, resp.text
        error = resp.json()["error"]
        assert error["code"] == "outside_elimination_window" and error["field"] == "date"
        assert error["details"]["next_opening"] == "2026-12-11"
        assert error["message"] == (
            "风险消除预判在每季度末月 11 日至 20 日开展，下一次于 2026年12月11日 开始"
        )
    clock.set(QUARTER_END)
    ok = await assistance_client.post(url, headers=township, json={**body, "date": "2026-12-15"})
    assert ok.status_code == 200, ok.text


async def test_written_notice_is_masked_and_states_the_outcome(
    assistance_client, register, village, township, clock
):
    head = member(name="欧阳锋")
    members = [head]
    hid = (
        await register(
            category="边缘易致贫户",
            monitored_since="2026-03-01",
            members=members,
            risk_types=["因病"],
        )
    )["id"]
    url = f"/api/v1/households/{hid}/elimination/notice.html"
    early = await assistance_client.get(url, headers=village)
    assert early.status_code == 409
    hid = await _monitored(register, assistance_client, village, protection=["低保"])
    await _run(assistance_client, clock, hid, village, township)
    resp = await assistance_client.get(
        f"/api/v1/households/{hid}/elimination/notice.html", headers=village
    )
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/html")
    page = resp.text
    assert "风险消除告知书" in page and "缓退" in page and "2026-12-25" in page
    assert "王**" in page and "王小明" not in page and "低保" not in page
    assert "13812345678" not in page and "帮扶消除" in page


async def test_written_notice_of_an_eliminated_household(
    assistance_client, register, village, township, clock
):
    hid = await _monitored(register, assistance_client, village)
    await _run(assistance_client, clock, hid, village, township)
    page = (
        await assistance_client.get(
            f"/api/v1/households/{hid}/elimination/notice.html", headers=village
        )
    ).text
    assert "风险已消除" in page and "退出防止返贫监测帮扶范围" in page and "缓退" not in page


async def test_a_dibao_household_deferred_in_december_exits_when_its_dibao_ends(
    assistance_client, register, village, township, county, outbox, clock
):
    hid = await _monitored(register, assistance_client, village, protection=["低保"])
    result = await _run(assistance_client, clock, hid, village, township)
    assert result["outcome"] == "deferred_exit"
    early = await assistance_client.post(
        f"/api/v1/households/{hid}/elimination/exit", headers=township, json={}
    )
    assert early.status_code == 422, early.text  # still under 低保, the same quarterly review
    assert early.json()["error"]["code"] == "outside_elimination_window"
    assert early.json()["error"]["details"]["next_opening"] == "2027-03-21"
    clock.set(datetime(2026, 12, 28, 10, 0, tzinfo=SHANGHAI))
    resp = await assistance_client.patch(
        f"/api/v1/households/{hid}", headers=county, json={"protection": []}
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["status"] == "risk_eliminated"
    assert resp.json()["elimination"]["steps"]["exit"]["reason"] == "protection_ended"
    last = (await outbox(hid, "status_changed"))[-1]["payload"]
    assert last["assistance_status"] == "risk_eliminated" and last["status"] == "risk_eliminated"
    page = (
        await assistance_client.get(
            f"/api/v1/households/{hid}/elimination/notice.html", headers=village
        )
    ).text
    assert "缓退结束" in page and "保障已终止" in page and "2026-12-28" in page


async def test_a_deferred_household_exits_at_the_next_quarterly_review(
    assistance_client, register, village, township, clock
):
    hid = await _monitored(register, assistance_client, village, protection=["残疾"])
    await _run(assistance_client, clock, hid, village, township)
    url = f"/api/v1/households/{hid}/elimination/exit"
    clock.set(datetime(2027, 3, 20, 10, 0, tzinfo=SHANGHAI))  # March, before its review days
    early = await assistance_client.post(url, headers=township, json={})
    assert early.status_code == 422, early.text
    assert early.json()["error"]["details"]["next_opening"] == "2027-03-21"
    clock.set(datetime(2027, 3, 21, 10, 0, tzinfo=SHANGHAI))
    resp = await assistance_client.post(url, headers=township, json={})
    assert resp.status_code == 200, resp.text
    assert resp.json()["outcome"] == "risk_eliminated"
    assert resp.json()["reason"] == "quarterly_review" and resp.json()["date"] == "2027-03-21"


async def test_assisted_elimination_needs_every_measure_in_place_and_effective(
    assistance_client, register, village, township, outbox, clock
):
    hid = await _monitored(register, assistance_client, village)
    url = f"/api/v1/households/{hid}/elimination/prejudge"
    weak = [{**REVIEW[0], "effective": False}]
    body = {"date": "2026-12-15", "security": SECURE, "measure_review": weak}
    refused = await assistance_client.post(url, headers=township, json=body)
    assert refused.status_code == 422, refused.text
    details = refused.json()["error"]["details"]
    assert [c["criterion"] for c in details["criteria"]] == ["measures_not_all_effective"]
    assert details["unproven_measures"] == ["护林员"]
    result = await _run(assistance_client, clock, hid, village, township)
    assert result["way"] == "帮扶消除"
    evidence = result["evidence"]
    assert evidence["measures"] == [
        {"type": "公益岗位", "name": "护林员", "in_place": True, "effective": True,
         "effect": "月增收500元"}
    ]  # fmt: skip
    assert evidence["security"] == SECURE and evidence["income_per_person"] >= evidence["line"]
    marked = [e["payload"] for e in await outbox(hid, "elimination.marked")]
    assert [(e["way"], e["outcome"]) for e in marked] == [("帮扶消除", "risk_eliminated")]
    assert marked[0]["evidence"] == evidence


async def test_natural_elimination_is_its_own_ground_with_its_cause(
    assistance_client, register, village, township, outbox, clock
):
    hid = await _monitored(register, assistance_client, village)
    url = f"/api/v1/households/{hid}/elimination/prejudge"
    body = {"date": "2026-12-15", "security": SECURE, "way": "自然消除"}
    refused = await assistance_client.post(url, headers=township, json=body)
    criteria = [c["criterion"] for c in refused.json()["error"]["details"]["criteria"]]
    assert criteria == ["natural_cause_missing"]
    cause = {"way": "自然消除", "natural_cause": "子女毕业就业，家庭支出恢复正常",
             "risks_gone": ["因学"]}  # fmt: skip
    result = await _run(assistance_client, clock, hid, village, township, **cause)
    assert result["outcome"] == "risk_eliminated" and result["way"] == "自然消除"
    assert result["evidence"]["cause"] == cause["natural_cause"]
    assert result["evidence"]["risks_gone"] == ["因学"] and "measures" not in result["evidence"]
    view = (await assistance_client.get(f"/api/v1/households/{hid}", headers=village)).json()
    assert view["elimination_way"] == "自然消除"
    assert view["elimination"]["evidence"]["cause"] == cause["natural_cause"]
    marked = [e["payload"] for e in await outbox(hid, "elimination.marked")]
    assert marked[0]["way"] == "自然消除" and marked[0]["evidence"]["risks_gone"] == ["因学"]
