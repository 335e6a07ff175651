import random
from datetime import date

import pytest
from shouwang.assistance.domain.import_rows import RowError, header_index, parse_row
from shouwang.common.idnumber import generate_id_number

_GOOD_ID = generate_id_number(random.Random(11), region="231226")
# a generated ID with its check character changed: never a real person
BAD_CHECKSUM_ID = _GOOD_ID[:17] + ("0" if _GOOD_ID[17] != "0" else "1")

HEADER = [
    "户编号",
    "村代码",
    "户类型",
    "与户主关系",
    "姓名",
    "证件号码",
    "劳动技能",
    "风险类型",
    "保障类型",
]
TODAY = date(2026, 11, 10)


def row(**over):
    values = {
        "户编号": "H1",
        "村代码": "231226100201",
        "户类型": "边缘易致贫户",
        "与户主关系": "户主",
        "姓名": "赵六",
        "证件号码": generate_id_number(random.Random(3)),
        "劳动技能": "弱劳动力或半劳动力",
        "风险类型": "因病、因学",
        "保障类型": "低保",
    }
    values.update(over)
    return [values[h] for h in HEADER]


def test_a_row_becomes_household_and_member():
    parsed = parse_row(row(), header_index(HEADER), today=TODAY)
    assert parsed.household["status"] == "monitored"
    assert parsed.household["risk_types"] == ["因病", "因学"]
    assert parsed.household["protection"] == ["低保"]
    assert parsed.member["labour"] == "partial"


def test_missing_required_column():
    with pytest.raises(RowError) as err:
        header_index(HEADER[:-4])
    assert err.value.code == "missing_columns"


@pytest.mark.parametrize(
    "column,value,code",
    [
        ("证件号码", BAD_CHECKSUM_ID, "id_number_checksum"),
        ("劳动技能", "很强", "unknown_labour"),
        ("户类型", "贫困户", "unknown_category"),
        ("村代码", "2312261002", "invalid_village_code"),
        ("风险类型", "因懒", "unknown_risk_types"),
        ("姓名", "", "missing_value"),
    ],
)
def test_bad_rows_name_their_problem(column, value, code):
    with pytest.raises(RowError) as err:
        parse_row(row(**{column: value}), header_index(HEADER), today=TODAY)
    assert err.value.code == code
