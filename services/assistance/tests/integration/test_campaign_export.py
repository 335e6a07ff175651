"""The four lists of one township as XLSX: four sheets, masked, formula cells neutralised."""

import io

from openpyxl import load_workbook
from shouwang.common.testing.fixtures import auth

from .conftest import VILLAGE, member, new_id
from .test_campaigns import EVIDENCE, TOWNSHIP_B_VILLAGE, _campaign, _problem, _record


async def test_four_lists_export_is_masked_and_neutralised(
    assistance_client, register, county, village, township
):
    cid = (await _campaign(assistance_client, county))["id"]
    head = member(name="钱多多")
    hid = (await register(members=[head]))["id"]
    stray_id = new_id()
    formula = _problem(
        hid,
        description=f'=HYPERLINK("http://x") 身份证{stray_id} 电话13912345678',
        measure="+1 补办医保",
        responsible={"unit": "@镇政府", "person": "-王"},
    )
    first = (await _record(assistance_client, cid, village, formula)).json()
    await _record(assistance_client, cid, village, _problem((await register())["id"]))
    other = (await register(village_code=TOWNSHIP_B_VILLAGE))["id"]
    await _record(assistance_client, cid, auth("township", TOWNSHIP_B_VILLAGE[:9]), _problem(other))
    await assistance_client.post(
        f"/api/v1/campaigns/{cid}/problems/{first['id']}/close",
        headers=township,
        json={"evidence": {**EVIDENCE, "text": "=1+1 已整改"}},
    )
    resp = await assistance_client.get(
        f"/api/v1/campaigns/{cid}/four-lists.xlsx",
        headers=county,
        params={"township_code": VILLAGE[:9]},
    )
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(resp.content), read_only=True)
    assert book.sheetnames == ["问题清单", "措施清单", "责任清单", "时限清单"]
    sheets = {name: list(book[name].iter_rows(values_only=True)) for name in book.sheetnames}
    problems = sheets["问题清单"]
    assert len(problems) == 3  # header + the two problems of this township only
    assert problems[1][3] == "钱**" and problems[1][1] == "绥棱镇"
    text = str(sheets)
    assert "钱多多" not in text and stray_id not in text and "13912345678" not in text
    assert problems[1][5].startswith("'=HYPERLINK")
    assert sheets["措施清单"][1][2] == "'+1 补办医保"
    assert sheets["责任清单"][1][1:] == ("'@镇政府", "'-王")
    assert sheets["时限清单"][1][2:] == ("已销号", "2026-11-10", "'=1+1 已整改")
    assert sheets["时限清单"][2][2] == "整改中"


async def test_export_needs_a_township_for_the_county(assistance_client, county, township):
    cid = (await _campaign(assistance_client, county))["id"]
    resp = await assistance_client.get(f"/api/v1/campaigns/{cid}/four-lists.xlsx", headers=county)
    assert resp.status_code == 422 and resp.json()["error"]["field"] == "township_code"
    own = await assistance_client.get(f"/api/v1/campaigns/{cid}/four-lists.xlsx", headers=township)
    assert own.status_code == 200, own.text
    book = load_workbook(io.BytesIO(own.content), read_only=True)
    assert book.sheetnames == ["问题清单", "措施清单", "责任清单", "时限清单"]
    header = next(book["问题清单"].iter_rows(values_only=True))
    assert header[1] == "乡镇" and header[3] == "户主", header  # Chinese headers
