"""Settings shared by every service; each service subclasses with its own env prefix."""

import ssl
from collections.abc import Iterable
from typing import Any, ClassVar, Self
from urllib.parse import urlsplit, urlunsplit

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "shouwang-dev-only-secret-change-me"
# the built-in development value of each shared key (forgeable: published with the code)
DEV_KEYS = {
    "jwt_secret": DEV_SECRET,
    "hmac_key": DEV_SECRET + "-hmac",
    "encryption_key": DEV_SECRET + "-aes",
}


SHARED_PREFIX = "SHOUWANG_"


def _shared(name: str, default: Any) -> Any:
    """A field read from SHOUWANG_<NAME> only, never from a service's own prefix."""
    return Field(default=default, validation_alias=AliasChoices(SHARED_PREFIX + name))


class CommonSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SHOUWANG_", extra="ignore", populate_by_name=True)

    service_name: str = "shouwang"
    database_url: str = Field(
        default="postgresql://app@127.0.0.1:55432/shouwang",
        validation_alias=AliasChoices("DATABASE_URL", "SHOUWANG_DATABASE_URL"),
    )
    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:59092",
        validation_alias=AliasChoices(
            "KAFKA_BOOTSTRAP_SERVERS", "SHOUWANG_KAFKA_BOOTSTRAP_SERVERS"
        ),
    )
    log_level: str = Field(default="INFO", validation_alias=AliasChoices("LOG_LEVEL"))
    # Production Kafka (Strimzi): TLS + SCRAM per service; empty in dev (plaintext Tansu)
    kafka_security_protocol: str = Field(
        default="PLAINTEXT", validation_alias=AliasChoices("KAFKA_SECURITY_PROTOCOL")
    )
    kafka_sasl_mechanism: str | None = Field(
        default=None, validation_alias=AliasChoices("KAFKA_SASL_MECHANISM")
    )
    kafka_sasl_username: str | None = Field(
        default=None, validation_alias=AliasChoices("KAFKA_SASL_USERNAME")
    )
    kafka_sasl_password: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("KAFKA_SASL_PASSWORD")
    )
    kafka_ssl_cafile: str | None = Field(
        default=None, validation_alias=AliasChoices("KAFKA_SSL_CAFILE")
    )
    # Keys every service must share (one token issuer, one person_ref, one PII key): always
    # SHOUWANG_<NAME>, whatever the service's own prefix, so no service can silently fall back
    # to the dev defaults while the others run on the real keys.
    jwks_url: str | None = _shared("JWKS_URL", None)  # production: the identity provider
    jwt_secret: SecretStr = _shared("JWT_SECRET", SecretStr(DEV_KEYS["jwt_secret"]))
    jwt_public_key: str | None = _shared("JWT_PUBLIC_KEY", None)  # PEM; set in production (RS256)
    # the `iss`/`aud` every token must carry; checked when set, required with real keys
    jwt_issuer: str | None = _shared("JWT_ISSUER", None)
    jwt_audience: str | None = _shared("JWT_AUDIENCE", None)
    hmac_key: SecretStr = _shared("HMAC_KEY", SecretStr(DEV_KEYS["hmac_key"]))
    encryption_key: SecretStr = _shared("ENCRYPTION_KEY", SecretStr(DEV_KEYS["encryption_key"]))
    # comma-separated keys that still decrypt but never encrypt: the old key during a rotation
    encryption_keys_previous: SecretStr = _shared("ENCRYPTION_KEYS_PREVIOUS", SecretStr(""))
    # deployments set SHOUWANG_REQUIRE_REAL_KEYS=true: a service then refuses to start on a
    # built-in dev key instead of running with forgeable tokens or a published PII key
    require_real_keys: bool = _shared("REQUIRE_REAL_KEYS", False)
    uses_pii_keys: ClassVar[bool] = True  # False for a service that never touches PII (web)
    consumer_session_timeout_ms: int = 6000
    consumer_heartbeat_interval_ms: int = 2000
    relay_batch_size: int = 500
    relay_idle_seconds: float = 0.05
    outbox_retention_days: int = 7
    retention_sweep_seconds: float = 3600.0  # outbox and inbox purges (one replica per round)
    ops_metrics_seconds: float = 15.0  # outbox backlog and consumer lag gauges
    # move start-up objects (the geography) out of the cyclic GC's sight; off where one process
    # starts many apps (tests), since frozen objects are never collected
    gc_freeze_after_startup: bool = True
    # NOTE: off by default: a ping costs three round trips (BEGIN, `;`, ROLLBACK) at every pool
    # checkout (~15 % of intake's samples). Without it a connection left stale by a database
    # restart fails once, is_transient() turns that into a retry (503 + Retry-After, consumer
    # back-off) and SQLAlchemy invalidates the whole pool on that disconnect.
    db_pool_pre_ping: bool = _shared("DB_POOL_PRE_PING", False)
    # connections kept open, and opened beyond them at a peak (closed again when returned)
    db_pool_size: int = _shared("DB_POOL_SIZE", 10)
    db_pool_overflow: int = _shared("DB_POOL_OVERFLOW", 10)
    # open the whole pool at start-up rather than on the first burst of requests
    db_pool_fill: bool = _shared("DB_POOL_FILL", False)

    def __repr_args__(self) -> Iterable[tuple[str | None, Any]]:
        """As pydantic's, with the database password masked (SecretStr fields mask themselves)."""
        for name, value in super().__repr_args__():
            yield name, redact_url(value) if name == "database_url" else value

    @model_validator(mode="after")
    def _refuse_dev_keys(self) -> Self:
        if self.require_real_keys and (problems := self._real_key_problems()):
            raise ValueError("SHOUWANG_REQUIRE_REAL_KEYS is set but " + "; ".join(problems))
        return self

    def _real_key_problems(self) -> list[str]:
        problems = []
        if on_dev := self.dev_keys_in_use():
            problems.append(f"{_env_names(on_dev)} still hold the built-in development value")
        if unset := self.token_claims_unset():
            problems.append(
                f"{_env_names(unset)} are not set (tokens must be bound to their "
                "issuer and audience)"
            )
        return problems

    def dev_keys_in_use(self) -> list[str]:
        """The shared keys this service needs that are still the built-in dev values."""
        on_dev = []
        if self._on_dev_value("jwt_secret") and not (self.jwks_url or self.jwt_public_key):
            on_dev.append("jwt_secret")
        if self.uses_pii_keys:
            on_dev += [n for n in ("hmac_key", "encryption_key") if self._on_dev_value(n)]
        return on_dev

    def _on_dev_value(self, name: str) -> bool:
        secret: SecretStr = getattr(self, name)
        return secret.get_secret_value() == DEV_KEYS[name]

    def token_claims_unset(self) -> list[str]:
        """The token-binding settings (`iss`, `aud`) left empty."""
        return [n for n in ("jwt_issuer", "jwt_audience") if not getattr(self, n)]

    @property
    def previous_encryption_keys(self) -> list[str]:
        """The keys in `encryption_keys_previous`, blanks dropped."""
        keys = self.encryption_keys_previous.get_secret_value().split(",")
        return [k.strip() for k in keys if k.strip()]

    @property
    def async_database_url(self) -> str:
        return to_async_url(self.database_url)

    def kafka_client_options(self) -> dict[str, Any]:
        """aiokafka security options (nothing extra for plaintext)."""
        if self.kafka_security_protocol == "PLAINTEXT":
            return {}
        options: dict[str, Any] = {"security_protocol": self.kafka_security_protocol}
        if self.kafka_security_protocol in ("SSL", "SASL_SSL"):
            options["ssl_context"] = ssl.create_default_context(cafile=self.kafka_ssl_cafile)
        if self.kafka_sasl_mechanism:
            options |= {
                "sasl_mechanism": self.kafka_sasl_mechanism,
                "sasl_plain_username": self.kafka_sasl_username,
                "sasl_plain_password": _reveal(self.kafka_sasl_password),
            }
        return options


def _env_names(fields: list[str]) -> str:
    return ", ".join(SHARED_PREFIX + n.upper() for n in fields)


def _reveal(secret: SecretStr | None) -> str | None:
    return secret.get_secret_value() if secret is not None else None


def redact_url(url: str) -> str:
    """The URL with its password (if any) masked, for printing."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))


def to_async_url(url: str) -> str:
    """Return the SQLAlchemy asyncpg form of a postgresql:// URL."""
    for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    return url


def to_plain_url(url: str) -> str:
    """Return the libpq/asyncpg form of a database URL."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)
