"""What a caller asks of the policy store (frozen data, validated at the edge)."""

from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class ChangePolicy:
    region_code: str
    effective_from: date
    reason: str
    settings: dict[str, Any]  # partial, as sent; validated by common.policy.validation
    actor: str


@dataclass(frozen=True)
class EditCalendar:
    province_code: str
    year: int
    holidays: frozenset[date]
    workdays: frozenset[date]
    reason: str
    actor: str


@dataclass(frozen=True)
class AskWhatIf:
    region_code: str  # the caller's layer: a province (2 digits) or a county (6 digits)
    settings: dict[str, Any]  # partial, as sent; validated like ChangePolicy's
    on: date
