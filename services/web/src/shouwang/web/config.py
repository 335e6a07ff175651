"""Web workbench settings: where the services live, and the dev login switch."""

from typing import ClassVar, Self

from pydantic import model_validator
from pydantic_settings import SettingsConfigDict
from shouwang.common.config import CommonSettings


class WebSettings(CommonSettings):
    model_config = SettingsConfigDict(env_prefix="WEB_", extra="ignore")

    uses_pii_keys: ClassVar[bool] = False  # pages over the APIs: PII is decrypted there, not here

    service_name: str = "web"
    warning_url: str = "http://127.0.0.1:8002"
    intake_url: str = "http://127.0.0.1:8001"
    assistance_url: str = "http://127.0.0.1:8003"
    audit_url: str = "http://127.0.0.1:8004"
    policy_url: str = "http://127.0.0.1:8006"
    audit_public_url: str | None = None  # the dashboard as the browser reaches it
    dev_login: bool = True  # mint dev tokens from a form; switch off outside `make run`
    cookie_secure: bool = False  # set true behind HTTPS
    upstream_timeout_seconds: float = 60.0
    window_open_day: int = 5  # the department push window (seed 004), Asia/Shanghai
    window_close_day: int = 15

    @model_validator(mode="after")
    def _no_dev_login_on_real_keys(self) -> Self:
        if self.require_real_keys and self.dev_login:
            raise ValueError("WEB_DEV_LOGIN mints tokens from a form: not with real keys")
        return self

    @property
    def dashboard_url(self) -> str:
        return (self.audit_public_url or self.audit_url).rstrip("/") + "/"
