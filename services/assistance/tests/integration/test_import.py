"""CSV import of a registry export: streamed, grouped by 户编号, per-row errors, events."""

import csv
import io
import random

from shouwang.common.idnumber import generate_id_number
from shouwang.common.testing.fixtures import auth

from .conftest import new_id

_GOOD_ID = generate_id_number(random.Random(11), region="231226")
# a generated ID with its check character changed: never a real person
BAD_CHECKSUM_ID = _GOOD_ID[:17] + ("0" if _GOOD_ID[17] != "0" else "1")

HEADER = [
    "户编号",
    "村代码",
    "户类型",
    "户状态",
    "与户主关系",
    "姓名",
    "证件号码",
    "劳动技能",
    "联系电话",
    "风险类型",
    "保障类型",
]


def export(rows):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode()


async def _chunks(data, size=37):
    for i in range(0, len(data), size):
        yield data[i : i + size]


async def test_import_streams_rows_and_reports_errors(assistance_client, county, outbox):
    rows = [
        ["IMP-1", "231226100202", "脱贫户", "", "户主", "钱一", new_id(), "普通劳动力", "", "", ""],
        ["IMP-1", "231226100202", "脱贫户", "", "配偶", "孙二", new_id(), "无劳动力", "", "", ""],
        [
            "IMP-2",
            "231226100202",
            "边缘易致贫户",
            "监测中",
            "户主",
            "李三",
            new_id(),
            "弱劳动力或半劳动力",
            "13900001111",
            "因病、住房安全",
            "低保",
        ],
        [
            "IMP-3",
            "231226100202",
            "脱贫户",
            "",
            "户主",
            "周四",
            BAD_CHECKSUM_ID,
            "普通劳动力",
            "",
            "",
            "",
        ],
        ["IMP-4", "231226999999", "脱贫户", "", "户主", "吴五", new_id(), "普通劳动力", "", "", ""],
    ]
    data = export(rows)
    resp = await assistance_client.post(
        "/api/v1/households/import", headers=county, content=_chunks(data)
    )
    assert resp.status_code == 200, resp.text
    report = resp.json()
    assert report["rows"] == 5 and report["households_created"] == 2
    assert report["members_imported"] == 3 and report["rejected_rows"] == 2
    assert [(e["row"], e["code"]) for e in report["errors"]] == [
        (5, "id_number_checksum"),
        (6, "unknown_village"),
    ]
    listed = await assistance_client.get(
        "/api/v1/households?village_code=231226100202", headers=county
    )
    by_size = {h["size"]: h for h in listed.json()["items"] if h["source"] == "import"}
    assert by_size[2]["status"] == "lifted" and by_size[1]["status"] == "monitored"
    assert by_size[1]["risk_types"] == ["因病", "住房安全"]
    again = await assistance_client.post(
        "/api/v1/households/import", headers=county, content=_chunks(data)
    )
    assert again.json()["households_updated"] == 2 and again.json()["members_imported"] == 0
    events = await outbox(by_size[2]["id"], "status_changed")
    assert [len(e["payload"]["member_refs"]) for e in events] == [2, 2]


async def test_import_needs_the_required_columns(assistance_client, county):
    resp = await assistance_client.post(
        "/api/v1/households/import", headers=county, content="户编号,姓名\nX,张三\n".encode()
    )
    assert resp.status_code == 422 and resp.json()["error"]["code"] == "missing_columns"


async def test_village_cannot_import(assistance_client):
    resp = await assistance_client.post(
        "/api/v1/households/import", headers=auth("village", "231226100202"), content=b"x"
    )
    assert resp.status_code == 403
