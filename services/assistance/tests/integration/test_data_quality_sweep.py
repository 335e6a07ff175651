"""The scheduled data-quality sweep over every household: county list and XLSX (masked)."""

import io
from datetime import timedelta

from openpyxl import load_workbook
from shouwang.assistance.service.data_quality import sweep_data_quality

from .conftest import member

JOB = {"type": "就业", "name": "劳务输出", "starts_on": "2026-11-01", "ends_on": "2027-10-31"}
WATER = {**JOB, "type": "饮水", "name": "自来水入户"}


async def _listed(client, headers, hid, **params):
    resp = await client.get("/api/v1/data-quality", headers=headers, params=params)
    assert resp.status_code == 200, resp.text
    return [i for i in resp.json()["items"] if i["household_id"] == hid]


async def _sweep(client, clock):
    clock.advance(timedelta(days=2))  # past the sweep's daily cadence
    await sweep_data_quality(client.app.state.runtime)


async def test_the_sweep_lists_flagged_households_until_fixed(
    assistance_client, register, county, village, clock, outbox
):
    head = member(name="赵饮水")
    hid = (await register(category="边缘易致贫户", risk_types=["饮水安全"], members=[head]))["id"]
    lifted = (await register(risk_types=["饮水安全"]))["id"]
    plan = {"cadre_name": "刘书记", "measures": [JOB]}
    url = f"/api/v1/households/{hid}/plans"
    assert (await assistance_client.post(url, headers=village, json=plan)).status_code == 201
    await _sweep(assistance_client, clock)
    [item] = await _listed(assistance_client, county, hid, county="231226")
    assert item["head_name_masked"] == "赵**"
    assert [f["code"] for f in item["flags"]] == ["water_risk_without_water_measure"]
    assert await _listed(assistance_client, county, lifted, county="231226") == []
    assert len(await _listed(assistance_client, village, hid)) == 1
    swept = [e["payload"] for e in await outbox(hid, "data_quality.flagged")]
    assert sorted(e["stage"] for e in swept) == ["plan", "sweep"]  # the loop may sweep first
    await _sweep(assistance_client, clock)
    assert len(await outbox(hid, "data_quality.flagged")) == 2  # announced once
    fixed = {"measures": [JOB, WATER]}
    assert (await assistance_client.post(url, headers=village, json=fixed)).status_code == 201
    await _sweep(assistance_client, clock)
    assert await _listed(assistance_client, county, hid, county="231226") == []


async def test_the_county_sheet_has_chinese_headers_and_masked_names(
    assistance_client, register, county, clock
):
    head = member(name="钱无劳", labour="none")
    await register(category="边缘易致贫户", risk_types=["因务工就业不稳"], members=[head])
    await _sweep(assistance_client, clock)
    resp = await assistance_client.get(
        "/api/v1/data-quality", headers=county, params={"county": "231226", "format": "xlsx"}
    )
    assert resp.status_code == 200, resp.text
    sheet = load_workbook(io.BytesIO(resp.content)).active
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    assert rows[0] == ["乡镇", "村", "户主", "状态", "问题代码", "问题说明", "检查时间"]
    mine = [r for r in rows if r[2] == "钱**"]
    assert {r[4] for r in mine} == {
        "employment_risk_without_labour",
        "no_labour_not_guarantee_household",
    }
    assert "钱无劳" not in str(rows) and head["id_number"] not in str(rows)
    assert "13812345678" not in str(rows)


async def test_another_county_is_refused(assistance_client, county):
    resp = await assistance_client.get(
        "/api/v1/data-quality", headers=county, params={"county": "230123"}
    )
    assert resp.status_code == 403
