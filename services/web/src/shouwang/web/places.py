"""Place names for pickers and labels, from the geography shipped with shouwang.common."""

from shouwang.common.geography import Geography


def villages_of(township_code: str) -> list[tuple[str, str]]:
    """(code, name) of the township's villages; empty when the seed does not know it."""
    return [(v.code, v.name) for v in Geography.from_seed().villages(township_code)]


def place_name(code: str | None) -> str:
    """The region's name, or its code when unknown."""
    if not code:
        return "—"
    return Geography.from_seed().name(code) or code


def townships_of(county_code: str) -> list[tuple[str, str]]:
    """(code, name) of the county's townships."""
    return [(t.code, t.name) for t in Geography.from_seed().townships(county_code)]


def area_villages(scope: str) -> list[tuple[str, str]]:
    """(code, name) of the villages under a county or township scope (a village: none)."""
    geography = Geography.from_seed()
    if len(scope) == 6:
        return [(v.code, v.name) for v in geography.county_villages(scope)]
    return villages_of(scope) if len(scope) == 9 else []
