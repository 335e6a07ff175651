"""Every service reads the shared keys from the same SHOUWANG_* variables.

Each service's settings have their own env prefix (WARNING_, INTAKE_, …). The keys that must
agree across services — token verification, the person_ref HMAC key, the PII encryption keys —
once inherited that prefix, so a deployment setting SHOUWANG_HMAC_KEY left every API service on
the built-in dev keys (forgeable tokens, dev encryption) without a word.
"""

import pytest
from pydantic import SecretStr
from shouwang.assistance.config import AssistanceSettings
from shouwang.audit.config import AuditSettings
from shouwang.common.config import CommonSettings
from shouwang.intake.config import IntakeSettings
from shouwang.warning.config import WarningSettings
from shouwang.web.config import WebSettings

SERVICES = (WarningSettings, IntakeSettings, AssistanceSettings, AuditSettings, WebSettings)
SHARED = {
    "SHOUWANG_JWKS_URL": ("jwks_url", "https://idp.example.org/.well-known/jwks.json"),
    "SHOUWANG_JWT_SECRET": ("jwt_secret", "prod-jwt-secret-0123456789abcdef0123"),
    "SHOUWANG_JWT_PUBLIC_KEY": ("jwt_public_key", "-----BEGIN PUBLIC KEY-----\nx\n"),
    "SHOUWANG_HMAC_KEY": ("hmac_key", "prod-hmac-key-0123456789abcdef012345"),
    "SHOUWANG_ENCRYPTION_KEY": ("encryption_key", "ab" * 32),
    "SHOUWANG_ENCRYPTION_KEYS_PREVIOUS": ("encryption_keys_previous", f"{'cd' * 32},{'ef' * 32}"),
    "SHOUWANG_JWT_ISSUER": ("jwt_issuer", "https://idp.example.org"),
    "SHOUWANG_JWT_AUDIENCE": ("jwt_audience", "shouwang"),
}


def plain(value: object) -> object:
    return value.get_secret_value() if isinstance(value, SecretStr) else value


@pytest.mark.parametrize("settings_class", SERVICES, ids=lambda c: c.__name__)
def test_each_service_reads_the_shared_keys(settings_class, monkeypatch):
    for variable, (_, value) in SHARED.items():
        monkeypatch.setenv(variable, value)
    settings = settings_class()
    for variable, (field, value) in SHARED.items():
        read = plain(getattr(settings, field))
        assert read == value, f"{settings_class.__name__} ignores {variable}"


@pytest.mark.parametrize("settings_class", SERVICES, ids=lambda c: c.__name__)
def test_a_service_prefix_cannot_split_the_keys(settings_class, monkeypatch):
    prefix = settings_class.model_config["env_prefix"]
    monkeypatch.setenv("SHOUWANG_HMAC_KEY", "the-one-county-key-0123456789abcdef")
    monkeypatch.setenv(f"{prefix}HMAC_KEY", "a-second-key-only-this-service-sees")
    assert settings_class().hmac_key.get_secret_value() == "the-one-county-key-0123456789abcdef"


def test_service_specific_settings_keep_their_prefix(monkeypatch):
    monkeypatch.setenv("WARNING_RELAY_BATCH_SIZE", "123")
    assert WarningSettings().relay_batch_size == 123
    assert CommonSettings().relay_batch_size != 123


def test_keys_can_still_be_given_by_field_name():
    assert WarningSettings.model_validate({"hmac_key": "k"}).hmac_key.get_secret_value() == "k"
    assert CommonSettings(jwks_url="https://idp/jwks").jwks_url == "https://idp/jwks"


@pytest.mark.parametrize("settings_class", SERVICES, ids=lambda c: c.__name__)
def test_a_deployment_requiring_real_keys_refuses_the_dev_ones(settings_class, monkeypatch):
    monkeypatch.setenv("SHOUWANG_REQUIRE_REAL_KEYS", "true")
    monkeypatch.setenv("WEB_DEV_LOGIN", "false")
    with pytest.raises(ValueError, match="SHOUWANG_JWT_SECRET"):
        settings_class()
    for variable, (_, value) in SHARED.items():
        if variable != "SHOUWANG_JWT_PUBLIC_KEY":
            monkeypatch.setenv(variable, value)
    assert settings_class().require_real_keys is True
    monkeypatch.delenv("SHOUWANG_HMAC_KEY")
    if settings_class.uses_pii_keys:
        with pytest.raises(ValueError, match="SHOUWANG_HMAC_KEY"):
            settings_class()
    else:
        assert settings_class().dev_keys_in_use() == []  # web never touches PII


def test_the_workbench_has_no_dev_login_on_real_keys(monkeypatch):
    monkeypatch.setenv("SHOUWANG_REQUIRE_REAL_KEYS", "true")
    monkeypatch.setenv("SHOUWANG_JWKS_URL", "https://idp.example.org/jwks")
    monkeypatch.setenv("SHOUWANG_JWT_ISSUER", "https://idp.example.org")
    monkeypatch.setenv("SHOUWANG_JWT_AUDIENCE", "shouwang")
    with pytest.raises(ValueError, match="WEB_DEV_LOGIN"):
        WebSettings()


def test_previous_encryption_keys_are_a_comma_separated_list(monkeypatch):
    monkeypatch.setenv("SHOUWANG_ENCRYPTION_KEYS_PREVIOUS", " k1, ,k2 ")
    assert WarningSettings().previous_encryption_keys == ["k1", "k2"]
    assert CommonSettings(encryption_keys_previous="").previous_encryption_keys == []
