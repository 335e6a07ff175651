"""Chinese labels shared by the printable pages."""

COMPLIANCE_STATUS = {
    "on_time": "按时推送",
    "late": "延期推送",
    "urgent_only": "仅紧急推送",
    "missing": "未推送（已提醒）",
    "not_pushed": "尚未推送",
}
