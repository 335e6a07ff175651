"""GB 11643-1999 ID number validation and synthetic generation."""

import random
from datetime import date

import pytest
from shouwang.common.idnumber import (
    birth_date_of,
    check_char,
    generate_id_number,
    validate_id_number,
)


def _with_check(first17: str) -> str:
    return first17 + check_char(first17)


def test_generated_numbers_are_valid() -> None:
    rng = random.Random(20240601)
    numbers = [generate_id_number(rng) for _ in range(2000)]
    assert all(validate_id_number(n) is None for n in numbers)
    assert all(n.startswith("231226") and len(n) == 18 for n in numbers)


def test_generation_is_deterministic_and_parametrised() -> None:
    a = generate_id_number(random.Random(7), region="230125", birth=date(1980, 2, 29), seq=12)
    b = generate_id_number(random.Random(99), region="230125", birth=date(1980, 2, 29), seq=12)
    assert a == b
    assert a[:17] == "23012519800229012"
    assert birth_date_of(a) == date(1980, 2, 29)


def test_x_check_character_upper_and_lower_case() -> None:
    rng = random.Random(3)
    number = next(n for n in (generate_id_number(rng) for _ in range(10_000)) if n.endswith("X"))
    assert validate_id_number(number) is None
    assert validate_id_number(number.lower()) is None
    assert validate_id_number(f"  {number}  ") is None


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("23122619800101123", "id_number_length"),
        ("2312261980010112345", "id_number_length"),
        ("", "id_number_length"),
        ("23122619800101A234", "id_number_format"),
        ("23122619800101123Y", "id_number_format"),
        ("２３１２２６１９８００１０１１２３４", "id_number_format"),
    ],
)
def test_length_and_format_errors(value: str, error: str) -> None:
    assert validate_id_number(value) == error


@pytest.mark.parametrize("birth", ["19810229", "19801301", "19800132", "18991231", "30000101"])
def test_birth_date_errors(birth: str) -> None:
    assert validate_id_number(_with_check(f"231226{birth}123")) == "id_number_birth_date"


def test_future_birth_date_relative_to_today() -> None:
    number = _with_check("23122620300101123")
    assert validate_id_number(number, today=date(2029, 12, 31)) == "id_number_birth_date"
    assert validate_id_number(number, today=date(2030, 1, 1)) is None


def test_checksum_error() -> None:
    valid = generate_id_number(random.Random(1), birth=date(1975, 6, 15), seq=101)
    wrong = "10X98765432".replace(valid[-1], "")[0]
    assert validate_id_number(valid[:17] + wrong) == "id_number_checksum"


def test_check_character_matches_iso7064_mod11_2() -> None:
    rng = random.Random(11)
    for _ in range(500):
        first17 = "".join(rng.choice("0123456789") for _ in range(17))
        total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(first17))
        value = (12 - total % 11) % 11
        assert check_char(first17) == ("X" if value == 10 else str(value))


def test_birth_date_of_rejects_garbage() -> None:
    with pytest.raises(ValueError):
        birth_date_of("not an id")
