"""Masked display forms."""

import pytest
from shouwang.common.masking import mask_bank_account, mask_id_number, mask_name, mask_phone


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张*"),
        ("欧阳娜娜", "欧***"),
        ("李小明", "李**"),
        (" 王五 ", "王*"),
        ("王", "*"),
        ("", ""),
    ],
)
def test_mask_name(name: str, masked: str) -> None:
    assert mask_name(name) == masked


def test_mask_id_number() -> None:
    assert mask_id_number("230125198001011234") == "230125********1234"
    assert mask_id_number("23012519800101123x") == "230125********123X"
    assert mask_id_number("12345") == "*****"


def test_mask_phone() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("138 1234 5678") == "138****5678"
    assert mask_phone("12345") == "*****"


def test_mask_bank_account() -> None:
    assert mask_bank_account("6222020200112233445") == "***************3445"
    assert mask_bank_account("6222 0202 0011 2233") == "************2233"
    assert mask_bank_account("123") == "***"
