"""Intake service settings: rate limits per role and per address, the public body size limit."""

from pydantic import BaseModel
from pydantic_settings import SettingsConfigDict
from shouwang.common.config import CommonSettings


class RateLimit(BaseModel):
    """A token bucket: `burst` requests at once, refilled at `per_minute`."""

    burst: int
    per_minute: float


class IntakeSettings(CommonSettings):
    model_config = SettingsConfigDict(env_prefix="INTAKE_", extra="ignore")

    service_name: str = "intake"
    # Residents file for themselves: a handful at once is plenty; staff (hotline, screening) more.
    resident_rate: RateLimit = RateLimit(burst=5, per_minute=2)
    staff_rate: RateLimit = RateLimit(burst=120, per_minute=120)
    # Every resident filing from one client address (request.client.host; uvicorn's proxy headers
    # decide what that is behind the ingress). Wide: a carrier NAT puts a village behind one.
    resident_address_rate: RateLimit = RateLimit(burst=300, per_minute=300)
    max_body_bytes: int = 32 * 1024
    max_export_rows: int = 100_000
    # how often the overdue sweep of declaration deadlines runs (once per round across replicas)
    deadline_sweep_seconds: float = 60.0
    # how long a process keeps a county's policy and calendar for its filings' promised dates
    policy_cache_seconds: float = 10.0

    def rate_for(self, role: str) -> RateLimit:
        """The bucket parameters of a role."""
        return self.resident_rate if role == "resident" else self.staff_rate
