"""Settings: real deployments bind tokens to an issuer and audience; secrets never print."""

import pytest
from shouwang.common.config import CommonSettings, redact_url

REAL_KEYS = {
    "require_real_keys": True,
    "jwks_url": "https://idp.example.org/.well-known/jwks.json",
    "hmac_key": "prod-hmac-key-0123456789abcdef012345",
    "encryption_key": "ab" * 32,
}
BOUND = {"jwt_issuer": "https://idp.example.org", "jwt_audience": "shouwang"}
SECRETS = {
    "jwt_secret": "prod-jwt-secret-0123456789abcdef0123",
    "hmac_key": "prod-hmac-key-0123456789abcdef012345",
    "encryption_key": "ab" * 32,
    "encryption_keys_previous": "cd" * 32,
    "kafka_sasl_password": "kafka-scram-password-42",
}


@pytest.mark.parametrize("missing", ["jwt_issuer", "jwt_audience"])
def test_real_keys_without_issuer_or_audience_refuse_to_start(missing):
    bound = {k: v for k, v in BOUND.items() if k != missing}
    with pytest.raises(ValueError, match=f"SHOUWANG_{missing.upper()}"):
        CommonSettings(**REAL_KEYS, **bound)


def test_real_keys_with_issuer_and_audience_start():
    settings = CommonSettings(**REAL_KEYS, **BOUND)
    assert settings.dev_keys_in_use() == [] and settings.token_claims_unset() == []


def test_dev_settings_need_no_issuer_or_audience():
    assert CommonSettings().jwt_issuer is None and CommonSettings().jwt_audience is None


def test_issuer_and_audience_are_shared_settings(monkeypatch):
    monkeypatch.setenv("SHOUWANG_JWT_ISSUER", BOUND["jwt_issuer"])
    monkeypatch.setenv("SHOUWANG_JWT_AUDIENCE", BOUND["jwt_audience"])
    settings = CommonSettings()
    assert (settings.jwt_issuer, settings.jwt_audience) == tuple(BOUND.values())


def test_secrets_never_print():
    url = "postgresql://warning:db-password-77@db:5432/warning"
    settings = CommonSettings(**SECRETS, database_url=url)
    for shown in (repr(settings), str(settings)):
        for name, secret in SECRETS.items():
            assert secret not in shown, name
        assert "db-password-77" not in shown and "**********" in shown
    assert settings.hmac_key.get_secret_value() == SECRETS["hmac_key"]
    assert settings.kafka_client_options() == {}  # plaintext: no credentials handed out


def test_the_sasl_password_reaches_the_kafka_client_unmasked():
    settings = CommonSettings(
        kafka_security_protocol="SASL_PLAINTEXT", kafka_sasl_mechanism="SCRAM-SHA-512", **SECRETS
    )
    options = settings.kafka_client_options()
    assert options["sasl_plain_password"] == SECRETS["kafka_sasl_password"]


def test_redact_url_masks_only_the_password():
    assert redact_url("postgresql://app:pw@h:5432/d") == "postgresql://app:***@h:5432/d"
    assert redact_url("postgresql://app@127.0.0.1:55432/d") == "postgresql://app@127.0.0.1:55432/d"
