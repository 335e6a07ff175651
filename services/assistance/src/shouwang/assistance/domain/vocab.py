"""The closed vocabularies of the registry (DESIGN "Rules"): categories, risks, measures, labour."""

from typing import Final, Literal

from shouwang.common import vocab

LIFTED: Final = vocab.LIFTED
MONITORING_CATEGORIES: Final = vocab.MONITORING_CATEGORIES
CATEGORIES: Final = vocab.CATEGORIES

RISK_TYPES: Final = vocab.RISK_TYPES
MEASURE_TYPES: Final = vocab.MEASURE_TYPES
DEVELOPMENTAL_MEASURES: Final = frozenset({"产业", "就业", "公益岗位"})
SOCIAL_SECURITY_MEASURES: Final = frozenset({"综合保障/兜底", "保险/救助"})
PROTECTIONS: Final = ("低保", "特困", "残疾")

Labour = Literal["full", "partial", "none"]
LABOUR_VALUES: Final = ("full", "partial", "none")
SECURITY_KEYS: Final = ("education", "medical", "housing", "water")

# household states; the registry projection (warning) only knows four of them
Status = Literal["lifted", "none", "identifying", "monitored", "risk_eliminated", "deferred_exit"]
ELIMINATION_WAYS: Final = ("帮扶消除", "自然消除")


def registry_status(status: str, category: str | None) -> str:
    """Map a household's state onto the projection's lifted/monitored/risk_eliminated/none."""
    if status in ("monitored", "deferred_exit"):
        return "monitored"
    if status == "risk_eliminated":
        return "risk_eliminated"
    if status == "lifted" or category == LIFTED:
        return "lifted"
    return "none"


UNKNOWN_LABOUR: Final = "unknown"  # a member registered from the warning loop, not yet visited


def labour_known(labours: list[str]) -> bool:
    """True when every member's labour capacity has been recorded."""
    return UNKNOWN_LABOUR not in labours


def has_labour(labours: list[str]) -> bool:
    """True if at least one member can work (fully or partly)."""
    return any(labour in ("full", "partial") for labour in labours)


def has_full_labour(labours: list[str]) -> bool:
    """True if at least one member is a full labourer (半劳力/弱劳力 are not)."""
    return "full" in labours
