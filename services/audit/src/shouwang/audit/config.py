"""Audit service settings."""

from pydantic_settings import SettingsConfigDict
from shouwang.common.config import CommonSettings


class AuditSettings(CommonSettings):
    model_config = SettingsConfigDict(env_prefix="AUDIT_", extra="ignore")

    service_name: str = "audit"
    max_page_size: int = 500
    export_max_rows: int = 1_000_000
    # chain verify cuts the log into this many ranges, each checked on its own connection
    verify_workers: int = 4
