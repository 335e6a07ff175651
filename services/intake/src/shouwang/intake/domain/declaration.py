"""Declarations: the intake channels, who may use them, the risk types, the status lifecycle."""

from typing import Final, Literal

from shouwang.common import vocab

Channel = Literal["self_declaration", "cadre_screening", "petition", "hotline"]
Status = Literal["received", "verifying", "verified", "included", "not_included", "merged"]

# Which roles may file on which channel (DESIGN "Intake channels").
CHANNEL_ROLES: Final[dict[str, tuple[str, ...]]] = {
    "self_declaration": ("resident",),
    "cadre_screening": ("village", "township"),
    "petition": ("county",),
    "hotline": ("county",),
}
CHANNEL_LABELS: Final[dict[str, str]] = {
    "self_declaration": "农户自主申报",
    "cadre_screening": "干部排查",
    "petition": "信访舆情",
    "hotline": "12317 热线",
}
# The risk-type catalogue (DESIGN "Identification").
HARDSHIPS: Final[tuple[str, ...]] = vocab.HARDSHIPS
STATUS_LABELS: Final[dict[str, str]] = {
    "received": "已受理",
    "verifying": "核实中",
    "verified": "已核实",
    "included": "已纳入监测",
    "not_included": "未纳入监测",
    "merged": "已并案核实",
}
OUTCOME_LABELS: Final[dict[str, str]] = {
    "risk_confirmed": "存在返贫致贫风险",
    "no_risk": "无风险",
    "already_monitored": "已是监测对象",
    "not_found": "查无此人",
    "moved": "已迁出",
}


def sees_open_case(role: str) -> bool:
    """True when the caller may learn the receipt of the open case their filing joined."""
    return role != "resident"


def may_file(role: str, channel: str) -> bool:
    """True when the role may file on the channel."""
    return role in CHANNEL_ROLES.get(channel, ())


def status_after_confirmation(outcome: str) -> Status:
    """The declaration's status once the township confirmed the verification outcome.

    risk_confirmed waits for assistance to include the household; already_monitored is
    already included; no_risk closes the declaration as not included.
    """
    if outcome == "risk_confirmed":
        return "verified"
    if outcome == "already_monitored":
        return "included"
    return "not_included"
