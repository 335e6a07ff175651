"""Demo data for `make run`: the demo county's tokens and a small warning batch."""

import random

import httpx
from shouwang.common.auth.tokens import issue_token
from shouwang.common.config import CommonSettings
from shouwang.common.geography import Geography
from shouwang.common.idnumber import generate_id_number

DEMO_COUNTY = "231226"  # 绥棱县
DEMO_TOWNSHIP = "231226100"  # 绥棱镇
DEMO_VILLAGE = "231226100201"  # 东方红村
_SURNAMES = "王李张刘陈杨赵黄周吴"
_GIVEN = "明华建国秀英桂兰志强海燕玉梅"


def demo_tokens(settings: CommonSettings) -> dict[str, str]:
    """Dev tokens for each kind of user of the demo county (and its province, for policy)."""
    province = DEMO_COUNTY[:2]
    specs = {
        "department medical_insurance (医保局)": {
            "role": "department",
            "scope": "medical_insurance",
            "county": DEMO_COUNTY,
        },
        f"province {province} (省乡村振兴局)": {"role": "province", "scope": province},
        f"county {DEMO_COUNTY} (县农业农村局)": {"role": "county", "scope": DEMO_COUNTY},
        f"township {DEMO_TOWNSHIP} (绥棱镇)": {"role": "township", "scope": DEMO_TOWNSHIP},
        f"village {DEMO_VILLAGE} (东方红村)": {"role": "village", "scope": DEMO_VILLAGE},
        "resident": {"role": "resident", "scope": "", "sub": "resident-demo"},
        "auditor": {"role": "auditor", "scope": ""},
    }
    return {label: issue_token(settings, **spec) for label, spec in specs.items()}  # type: ignore[arg-type]


def demo_items(count: int = 20, seed: int = 2026) -> list[dict[str, object]]:
    """Generated (never real) people across the demo county's villages."""
    rng = random.Random(seed)
    villages = [v.code for v in Geography.from_seed().county_villages(DEMO_COUNTY)]
    return [
        {
            "id_number": generate_id_number(rng, region=DEMO_COUNTY),
            "name": rng.choice(_SURNAMES) + rng.choice(_GIVEN) + rng.choice(_GIVEN),
            "village_code": rng.choice(villages),
            "indicator": "large_medical_expense",
            "values": {"self_paid_yuan": rng.randrange(20000, 90000)},
        }
        for _ in range(count)
    ]


async def push_demo_batch(warning_url: str) -> str:
    """Push the demo batch once (Idempotency-Key makes re-runs harmless)."""
    token = issue_token(
        CommonSettings(), role="department", scope="medical_insurance", county=DEMO_COUNTY
    )
    body = {
        "department": "medical_insurance",
        "period": _this_period(),
        "urgent": True,
        "urgent_reason": "演示数据（make run）",
        "items": demo_items(),
    }
    async with httpx.AsyncClient(base_url=warning_url, timeout=30) as client:
        resp = await client.post(
            "/api/v1/warning-batches",
            json=body,
            headers={
                "Authorization": f"Bearer {token}",
                "Idempotency-Key": f"demo-{body['period']}",
            },
        )
    data = resp.json()
    return f"{resp.status_code} accepted={data.get('accepted')} batch={data.get('batch_id')}"


def _this_period() -> str:
    from datetime import datetime

    from shouwang.common.clock import SHANGHAI

    now = datetime.now(SHANGHAI)
    return f"{now.year:04d}-{now.month:02d}"
