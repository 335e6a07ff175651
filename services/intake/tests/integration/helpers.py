"""Builders shared by the intake tests (synthetic ID numbers only)."""

import random
import uuid
from typing import Any

from shouwang.common.idnumber import generate_id_number
from shouwang.common.testing.fixtures import auth

VILLAGE = "231226100201"  # 绥棱镇
OTHER_TOWNSHIP_VILLAGE = "231226101200"  # 上集镇
_RNG = random.Random(20261110)


def new_id_number() -> str:
    """A fresh checksum-valid synthetic ID number."""
    return generate_id_number(_RNG)


def resident() -> dict[str, str]:
    """Headers of a fresh resident (own sub, own rate bucket)."""
    return auth("resident", sub=f"resident-{uuid.uuid4().hex[:10]}")


def declaration(**overrides: Any) -> dict[str, Any]:
    """A valid self-declaration body."""
    body = {
        "channel": "self_declaration",
        "id_number": new_id_number(),
        "name": "张三",
        "phone": "13800001234",
        "village_code": VILLAGE,
        "household_size": 4,
        "hardships": ["因病"],
        "description": "家中老人住院，自付费用较高",
        "income_estimate_yuan": 8000,
        "attachments": [{"name": "住院发票.jpg", "content_type": "image/jpeg", "size": 120000}],
    }
    return {**body, **overrides}
