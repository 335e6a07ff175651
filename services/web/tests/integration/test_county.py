"""County page: unroutable queue with routing, extensions, declarations, the dashboard link."""

import random
import uuid

from shouwang.common.idnumber import generate_id_number
from shouwang.common.testing.fixtures import auth, wait_until


async def test_an_unroutable_row_is_routed_from_the_county_page(web, warning_client):
    clerk = await web.login("department", "medical_insurance", county="231226")
    who = web.person()
    uploaded = await web.upload(clerk, [web.good_row(who, village="231226100999")])
    assert 'id="accepted">1<' in uploaded.text
    county = await web.login("county", "231226")

    async def held() -> str | None:
        items = (
            await warning_client.get("/api/v1/unroutable", headers=auth("county", "231226"))
        ).json()["items"]
        return next(
            (
                i["id"]
                for i in items
                if i["village_code"] == "231226100999" and i["status"] == "open"
            ),
            None,
        )

    item_id = await wait_until(held, what="the unroutable item")
    page = await county.get("/county")
    assert f'data-item-id="{item_id}"' in page.text

    wrong = await county.post(
        f"/county/unroutable/{item_id}/route", data={"village_code": "231226999999"}
    )
    assert wrong.status_code == 422
    assert f'id="err-route-{item_id}"' in wrong.text and "不属于本县" in wrong.text
    routed = await county.post(
        f"/county/unroutable/{item_id}/route", data={"village_code": "231226100201"}
    )
    assert routed.status_code == 303 and "ok=routed" in routed.headers["location"]
    assert f'data-item-id="{item_id}"' not in (await county.get("/county")).text


async def test_extension_and_its_field_errors(web):
    county = await web.login("county", "231226")
    ok = await county.post(
        "/county/extensions",
        data={"department": "water", "period": "2026-10", "until": "2026-11-30T18:00"},
    )
    assert ok.status_code == 303 and "ok=extended" in ok.headers["location"]
    assert "已开通延期补报" in (await county.get(ok.headers["location"])).text
    bad = await county.post(
        "/county/extensions", data={"department": "water", "period": "2026-10", "until": "明天"}
    )
    assert bad.status_code == 422 and 'id="err-until"' in bad.text


async def test_declarations_and_the_dashboard_link(web, intake_client):
    rng = random.Random(uuid.uuid4().int)
    body = {
        "channel": "cadre_screening",
        "id_number": generate_id_number(rng, region="231226"),
        "name": "赵六",
        "phone": "13800000000",
        "village_code": "231226100201",
        "household_size": 3,
        "hardships": ["因病"],
        "description": "住院",
    }
    filed = await intake_client.post(
        "/api/v1/declarations", json=body, headers=auth("village", "231226100201")
    )
    assert filed.status_code in (200, 201), filed.text
    county = await web.login("county", "231226")
    page = await county.get("/county")
    assert f'data-receipt="{filed.json()["receipt"]}"' in page.text
    assert "赵六" not in page.text  # masked
    dashboard = web.transport.app.state.settings.dashboard_url
    assert f'href="{dashboard}" hx-boost="false" id="dashboard-link"' in page.text
    assert "token=" not in page.text and "ticket=" not in page.text
