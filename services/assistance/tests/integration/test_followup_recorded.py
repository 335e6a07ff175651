"""Every recorded month goes out as `followup.recorded` (policy's what-if projects it), flagged or
not; a flagged month still also goes out as `followup.flagged`."""

from typing import Any

from .conftest import member


async def _month(
    client: Any, hid: str, headers: dict[str, str], month: str, wage: int
) -> dict[str, Any]:
    resp = await client.post(
        f"/api/v1/households/{hid}/followups",
        headers=headers,
        json={"month": month, "income": {"wage": wage}},
    )
    assert resp.status_code == 201, resp.text
    return dict(resp.json())


async def test_every_month_is_recorded_and_only_flagged_ones_are_flagged(
    assistance_client: Any, register: Any, village: dict[str, str], outbox: Any
) -> None:
    household = await register(category="边缘易致贫户", members=[member(), member(relation="子女")])
    hid = household["id"]
    well = await _month(assistance_client, hid, village, "2026-10", 5000)
    assert well["flags"] == []
    (recorded,) = await outbox(hid, "followup.recorded")
    assert recorded["type"] == "shouwang.assistance.followup.recorded.v1"
    assert recorded["payload"] == {
        "household_id": hid, "county_code": "231226", "village_code": "231226100201",
        "month": "2026-10", "annual_income_per_person": well["per_person_yuan"],
        "household_size": 2, "flags": [],
    }  # fmt: skip
    assert await outbox(hid, "followup.flagged") == []

    # another household, a month under the line (its months are annualised together)
    hid = (await register(category="边缘易致贫户", members=[member()]))["id"]
    poor = await _month(assistance_client, hid, village, "2026-10", 100)
    codes = [f["code"] for f in poor["flags"]]
    assert "below_monitoring_line" in codes
    (recorded,) = await outbox(hid, "followup.recorded")
    assert recorded["payload"]["flags"] == codes and recorded["payload"]["household_size"] == 1
    (flagged,) = await outbox(hid, "followup.flagged")
    assert flagged["payload"]["flags"] == codes
    assert flagged["payload"]["annual_income_per_person"] == poor["per_person_yuan"]
