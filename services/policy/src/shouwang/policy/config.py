"""Policy service settings: nothing of its own beyond the common ones yet."""

from pydantic_settings import SettingsConfigDict
from shouwang.common.config import CommonSettings


class PolicySettings(CommonSettings):
    model_config = SettingsConfigDict(env_prefix="POLICY_", extra="ignore")

    service_name: str = "policy"
    max_history_page: int = 200
