"""Assistance service settings. County rules are policy data (shouwang.common.policy), not here."""

from pydantic_settings import SettingsConfigDict
from shouwang.common.config import CommonSettings


class AssistanceSettings(CommonSettings):
    model_config = SettingsConfigDict(env_prefix="ASSISTANCE_", extra="ignore")

    service_name: str = "assistance"
    import_batch_households: int = 200
    max_import_bytes: int = 256 * 1024 * 1024  # a registry export, raw or multipart
    max_import_rows: int = 500_000  # every row counts, the header and blank ones too
    deadline_sweep_seconds: float = 60.0
    # rows of one plan-ledger XLSX (one sheet: Excel's limit is 1,048,576 rows)
    max_export_rows: int = 1_000_000
    data_quality_sweep_hours: float = 24.0  # every household's data-quality checks, this often
