"""GB 11643-1999 citizen ID numbers (公民身份号码): validation, birth date, synthetic generation."""

from __future__ import annotations

import random
import re
from datetime import date, timedelta
from typing import Final, Literal

IdNumberError = Literal[
    "id_number_length", "id_number_format", "id_number_birth_date", "id_number_checksum"
]

# weight of position i is 2^(17-i) mod 11; the check character is indexed by (sum mod 11)
_WEIGHTS: Final = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS: Final = "10X98765432"
_FORMAT: Final = re.compile(r"[0-9]{17}[0-9X]")
_EARLIEST_BIRTH: Final = date(1900, 1, 1)


def check_char(first17: str) -> str:
    """Return the GB 11643 check character for the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def normalize_id_number(value: str) -> str:
    """Strip surrounding whitespace and upper-case a trailing x."""
    return value.strip().upper()


def _parse_birth(digits: str) -> date | None:
    """Parse YYYYMMDD or return None when the date does not exist."""
    try:
        return date(int(digits[0:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None


def validate_id_number(value: str, *, today: date | None = None) -> IdNumberError | None:
    """Return None when `value` is a valid 18-character ID number, else an error code."""
    number = normalize_id_number(value)
    if len(number) != 18:
        return "id_number_length"
    if not _FORMAT.fullmatch(number):
        return "id_number_format"
    birth = _parse_birth(number[6:14])
    if birth is None or birth < _EARLIEST_BIRTH or birth > (today or date.today()):
        return "id_number_birth_date"
    if check_char(number[:17]) != number[17]:
        return "id_number_checksum"
    return None


def is_valid_id_number(value: str) -> bool:
    """Return True when `value` is a valid ID number."""
    return validate_id_number(value) is None


def birth_date_of(id_number: str) -> date:
    """Return the birth date encoded in an ID number (ValueError if it has none)."""
    number = normalize_id_number(id_number)
    birth = _parse_birth(number[6:14]) if len(number) == 18 and number[6:14].isdigit() else None
    if birth is None:
        raise ValueError("id_number_birth_date")
    return birth


def _random_birth(rng: random.Random) -> date:
    """Pick a birth date between 1930-01-01 and 2019-12-31."""
    start = date(1930, 1, 1)
    return start + timedelta(days=rng.randrange((date(2020, 1, 1) - start).days))


def generate_id_number(
    rng: random.Random,
    *,
    region: str = "231226",
    birth: date | None = None,
    seq: int | None = None,
) -> str:
    """Generate a synthetic, checksum-valid ID number (for tests and benchmarks only)."""
    if len(region) != 6 or not region.isdigit():
        raise ValueError("region must be 6 digits")
    born = birth or _random_birth(rng)
    sequence = rng.randrange(1, 1000) if seq is None else seq
    if not 0 <= sequence <= 999:
        raise ValueError("seq must be within 0..999")
    first17 = f"{region}{born:%Y%m%d}{sequence:03d}"
    return first17 + check_char(first17)
