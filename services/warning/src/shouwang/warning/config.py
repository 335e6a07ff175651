"""Warning service settings: the per-county rules live here with their defaults."""

from pydantic import BaseModel
from pydantic_settings import SettingsConfigDict
from shouwang.common.config import CommonSettings


class CountyRules(BaseModel):
    """Per-county rule settings (DESIGN "Rules"); defaults from seed 004."""

    window_open_day: int = 5
    window_close_day: int = 15
    assign_days: int = 3
    report_days: int = 15
    amber_ratio: float = 0.8


class WarningSettings(CommonSettings):
    model_config = SettingsConfigDict(env_prefix="WARNING_", extra="ignore")

    service_name: str = "warning"
    default_rules: CountyRules = CountyRules()
    county_rules: dict[str, CountyRules] = {}
    max_batch_items: int = 200_000
    max_push_bytes: int = 64 * 1024 * 1024  # a JSON push; bigger batches go by file upload
    max_upload_bytes: int = 256 * 1024 * 1024  # a multipart CSV/XLSX upload, form included
    deadline_sweep_seconds: float = 30.0

    def rules_for(self, county_code: str) -> CountyRules:
        return self.county_rules.get(county_code, self.default_rules)
