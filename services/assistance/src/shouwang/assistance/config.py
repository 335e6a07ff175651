"""Assistance service settings: the per-county (and per-year) rules with their defaults."""

from pydantic import BaseModel
from pydantic_settings import SettingsConfigDict
from shouwang.common.config import CommonSettings


class CountyRules(BaseModel):
    """Per-county rule settings (DESIGN "Rules"); defaults from seeds 001, 002 and 004."""

    notice_days: int = 5
    identification_days: int = 15
    plan_days: int = 10
    monitoring_line: float = 6500.0
    monitoring_line_by_year: dict[int, float] = {}
    lifted_average: float = 12550.0
    transfer_share_high: float = 0.5
    income_drop_ratio: float = 0.0
    min_monitored_months: int = 6
    stable_months: int = 6
    quality_min_months: int = 2
    # months in which pre-judgement may start (seed 001: 每季度末月); empty = any month
    prejudge_months: list[int] = [3, 6, 9, 12]

    def line_for(self, year: int) -> float:
        """The monitoring line (元/person/year) that applies in a year."""
        return self.monitoring_line_by_year.get(year, self.monitoring_line)


class AssistanceSettings(CommonSettings):
    model_config = SettingsConfigDict(env_prefix="ASSISTANCE_", extra="ignore")

    service_name: str = "assistance"
    default_rules: CountyRules = CountyRules()
    county_rules: dict[str, CountyRules] = {}
    import_batch_households: int = 200
    max_import_bytes: int = 256 * 1024 * 1024  # a registry export, raw or multipart
    max_import_rows: int = 500_000  # every row counts, the header and blank ones too
    deadline_sweep_seconds: float = 60.0

    def rules_for(self, county_code: str) -> CountyRules:
        """The rules of a county (the defaults when the county has none of its own)."""
        return self.county_rules.get(county_code, self.default_rules)
