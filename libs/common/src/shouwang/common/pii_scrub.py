"""Scrub PII from free text and from structlog event dicts before anything is rendered."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping, MutableMapping
from typing import Any, Final

from shouwang.common.masking import mask_bank_account, mask_id_number, mask_name, mask_phone

# 18-character ID number (checksum not checked) and mainland mobile numbers (optional +86 prefix)
_ID_RE: Final = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")
_PHONE_RE: Final = re.compile(r"(?<![0-9])(?:\+?86[- ]?)?(1[3-9][0-9]{9})(?![0-9])")

REDACTED: Final = "***"
_MAX_DEPTH: Final = 8

Masker = Callable[[str], str]


def _redact(_: str) -> str:
    """Replace the whole value."""
    return REDACTED


# exact key -> masker
_SENSITIVE_KEYS: Final[dict[str, Masker]] = {
    "id_number": mask_id_number,
    "id_no": mask_id_number,
    "id_card": mask_id_number,
    "name": mask_name,
    "household_head": mask_name,
    "phone": mask_phone,
    "mobile": mask_phone,
    "address": _redact,
    "bank_account": mask_bank_account,
    "email": _redact,
}
# last key segment(s) -> masker, for keys such as head_phone, member_id_number, name_enc
_SENSITIVE_SUFFIXES: Final[tuple[tuple[str, Masker], ...]] = (
    ("_enc", _redact),
    ("_id_number", mask_id_number),
    ("_phone", mask_phone),
    ("_mobile", mask_phone),
    ("_bank_account", mask_bank_account),
    ("_address", _redact),
    ("_name", mask_name),
)
# the word before `_name` / `_address` that makes the value a place or a technical label, not PII
_NON_PERSON_NAME_WORDS: Final = frozenset(
    "service event topic village township town county city province region area street "
    "department dept org organization unit bank logger file table schema column field index "
    "queue type task job host db database func function module app group consumer rule "
    "indicator batch category role scope key metric route handler header thread process "
    "policy program project measure sheet item model class method span operation bucket "
    "partition env stage status step check feature setting template report document doc "
    "attachment product label command tool".split()
)
_NON_PERSON_ADDRESS_WORDS: Final = frozenset(
    "ip remote peer bind server client listen broker host mac socket bootstrap http web".split()
)


def scrub_text(text: str) -> str:
    """Mask 18-character ID numbers and mainland mobile numbers found anywhere in `text`."""
    if len(text) < 11:
        return text
    text = _ID_RE.sub(lambda m: mask_id_number(m.group(0)), text)
    return _PHONE_RE.sub(lambda m: mask_phone(m.group(1)), text)


def _word_before(key: str, suffix: str) -> str:
    """Return the key segment just before `suffix` (e.g. 'village' in 'home_village_name')."""
    return key[: -len(suffix)].rsplit("_", 1)[-1]


def masker_for_key(key: object) -> Masker | None:
    """Return the masker for a PII-bearing key, or None when the key is not sensitive."""
    if not isinstance(key, str):
        return None
    lowered = key.lower()
    exact = _SENSITIVE_KEYS.get(lowered)
    if exact is not None:
        return exact
    for suffix, masker in _SENSITIVE_SUFFIXES:
        if not lowered.endswith(suffix) or lowered == suffix:
            continue
        word = _word_before(lowered, suffix)
        if suffix == "_name" and word in _NON_PERSON_NAME_WORDS:
            return None
        if suffix == "_address" and word in _NON_PERSON_ADDRESS_WORDS:
            return None
        return masker
    return None


def _mask_sensitive(value: Any, masker: Masker) -> Any:
    """Mask a value held under a sensitive key; non-text values are fully redacted."""
    if value is None:
        return None
    if isinstance(value, str):
        return masker(value)
    return REDACTED


def scrub_value(value: Any, depth: int = 0) -> Any:
    """Recursively scrub strings, containers, pydantic models and dataclasses."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return scrub_text(value)
    if depth >= _MAX_DEPTH:
        return REDACTED
    if isinstance(value, Mapping):
        return {k: _scrub_item(k, v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [scrub_value(v, depth + 1) for v in value]
    if hasattr(value, "model_dump"):
        return scrub_value(value.model_dump(mode="json"), depth + 1)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return scrub_value(dataclasses.asdict(value), depth + 1)
    if isinstance(value, bytes | bytearray | memoryview):
        return scrub_text(repr(bytes(value)))
    return scrub_text(repr(value)) if _is_opaque(value) else value


def _is_opaque(value: Any) -> bool:
    """True for objects a JSON renderer would fall back to repr() for."""
    return not hasattr(value, "isoformat") and not hasattr(value, "__structlog__")


def _scrub_item(key: object, value: Any, depth: int) -> Any:
    """Scrub one mapping entry, masking by key first."""
    masker = masker_for_key(key)
    if masker is not None:
        return _mask_sensitive(value, masker)
    return scrub_value(value, depth)


def scrub_event_dict(event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Scrub every entry of an event dict in place and return it."""
    for key in list(event_dict.keys()):
        event_dict[key] = _scrub_item(key, event_dict[key], 0)
    return event_dict


def scrub_pii_processor(
    logger: Any, method_name: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: mask PII keys and PII-looking text; place it right before rendering."""
    return scrub_event_dict(event_dict)
