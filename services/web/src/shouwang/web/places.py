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
