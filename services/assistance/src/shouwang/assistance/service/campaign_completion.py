"""Which townships reported a campaign's screening complete."""

import uuid
from typing import Any

from shouwang.assistance.adapters import campaigns as store
from sqlalchemy.ext.asyncio import AsyncSession

Row = dict[str, Any]


async def completions(session: AsyncSession, campaign_id: uuid.UUID) -> dict[str, Row]:
    """Township code → when and by whom it completed the campaign."""
    return {
        r["township_code"]: {
            "township_code": r["township_code"],
            "completed": True,
            "completed_at": r["completed_at"].isoformat(),
            "completed_by": r["completed_by"],
            "note": r["note"],
        }
        for r in await store.completed_townships(session, campaign_id)
    }


def completion_view(townships: list[tuple[str, str]], done: dict[str, Row]) -> dict[str, Any]:
    """Every township of the campaign's area with its completion, and the count."""
    rows = [
        done.get(code, {"township_code": code, "completed": False, "completed_at": None})
        | {"township_name": name}
        for code, name in townships
    ]
    return {"townships": rows, "completed": sum(r["completed"] for r in rows), "total": len(rows)}
