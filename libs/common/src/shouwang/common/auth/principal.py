"""Who is calling, and which part of the geography they may see."""

from dataclasses import dataclass
from typing import Literal

Role = Literal["department", "province", "county", "township", "village", "resident", "auditor"]
ROLES: tuple[str, ...] = (
    "department",
    "province",
    "county",
    "township",
    "village",
    "resident",
    "auditor",
)
REGION_SCOPE_LENGTH = {"province": 2, "county": 6, "township": 9, "village": 12}


@dataclass(frozen=True)
class Principal:
    sub: str
    role: Role
    scope: str  # region code, department code, or "" for resident/auditor
    county: str | None = None  # the county a department pushes for

    @property
    def region(self) -> str | None:
        """The region code the principal is bound to (a department's is its county)."""
        if self.role in REGION_SCOPE_LENGTH:
            return self.scope
        if self.role == "department":
            return self.county
        return None

    def covers(self, region_code: str) -> bool:
        """True if the principal's geography contains the region (scopes nest by prefix)."""
        if self.role == "auditor":
            return True
        region = self.region
        return bool(region) and region_code.startswith(region)  # type: ignore[arg-type]

    @property
    def key(self) -> str:
        """Who owns a record or a rate-limit bucket: a `sub` is unique only within its role."""
        return f"{self.role}:{self.sub}"

    @property
    def label(self) -> str:
        return f"{self.role}:{self.scope}" if self.scope else self.role


def scope_is_well_formed(role: str, scope: str, county: str | None) -> bool:
    """Check the scope's shape for its role."""
    if role in REGION_SCOPE_LENGTH:
        return scope.isdigit() and len(scope) == REGION_SCOPE_LENGTH[role]
    if role == "department":
        return bool(scope) and county is not None and county.isdigit() and len(county) == 6
    return role in ("resident", "auditor")
