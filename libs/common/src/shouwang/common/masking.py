"""Masked display forms of PII for events, public notices (公示), exports and logs."""

from __future__ import annotations


def _keep(value: str, head: int, tail: int) -> str:
    """Keep `head` leading and `tail` trailing characters, star the middle (all stars if short)."""
    hidden = len(value) - head - tail
    if hidden <= 0:
        return "*" * len(value)
    return value[:head] + "*" * hidden + value[len(value) - tail :]


def mask_name(name: str) -> str:
    """Keep the first character, one `*` per remaining character: 张三 -> 张*, 欧阳娜娜 -> 欧***."""
    text = name.strip()
    if len(text) <= 1:
        return "*" * len(text)
    return text[0] + "*" * (len(text) - 1)


def mask_id_number(id_number: str) -> str:
    """Keep the first 6 and last 4 characters: 230125********1234."""
    return _keep(id_number.strip().upper(), 6, 4)


def mask_phone(phone: str) -> str:
    """Keep the first 3 and last 4 digits: 138****5678."""
    digits = "".join(phone.split()).replace("-", "")
    return _keep(digits, 3, 4)


def mask_bank_account(account: str) -> str:
    """Keep the last 4 digits: ************1234."""
    digits = "".join(account.split()).replace("-", "")
    return _keep(digits, 0, 4)
