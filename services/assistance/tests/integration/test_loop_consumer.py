"""Confirmed risks from the loop: a new household is registered, an eliminated one re-marked."""

import uuid

import pytest
from aiokafka import AIOKafkaProducer
from shouwang.common.config import CommonSettings
from shouwang.common.crypto import PiiCipher
from shouwang.common.events.catalog.warning import TaskConfirmed
from shouwang.common.events.envelope import new_envelope, to_kafka
from shouwang.common.identity import seal_pii
from shouwang.common.testing.fixtures import wait_until

from .conftest import VILLAGE, member


@pytest.fixture
async def confirm(stack):
    """Publish a warning TaskConfirmed(risk_confirmed) for a person, as warning would."""
    producer = AIOKafkaProducer(bootstrap_servers=stack.kafka_bootstrap)
    await producer.start()
    cipher = PiiCipher.from_secret(CommonSettings().encryption_key.get_secret_value())

    async def send(
        id_number: str, name: str, outcome: str = "risk_confirmed", risk_type: str | None = None
    ) -> None:
        event = TaskConfirmed(
            task_id=str(uuid.uuid4()),
            county_code="231226",
            township_code=VILLAGE[:9],
            village_code=VILLAGE,
            period="2026-11",
            channel="department_warning",
            person_ref="ignored-by-assistance",
            outcome=outcome,
            source_ref="test",
            confirmed_by="township:231226100",
            pii_sealed=seal_pii({"id_number": id_number, "name": name}, cipher=cipher),
            risk_type=risk_type,
        )
        key, value, headers = to_kafka(
            new_envelope(event, source="/shouwang/warning", subject=event.task_id)
        )
        await producer.send_and_wait("verification.tasks", value=value, key=key, headers=headers)

    yield send
    await producer.stop()


async def _view(client, hid, headers):
    return (await client.get(f"/api/v1/households/{hid}", headers=headers)).json()


async def test_eliminated_household_with_new_risk_is_remarked(
    assistance_client, register, confirm, township, outbox
):
    head = member()
    hid = (
        await register(
            category="边缘易致贫户", status="risk_eliminated", risk_types=["因病"], members=[head]
        )
    )["id"]
    await confirm(head["id_number"], head["name"])

    async def remarked():
        view = await _view(assistance_client, hid, township)
        return view if view["status"] == "identifying" else None

    view = await wait_until(remarked, what="the eliminated household is re-marked")
    assert view["remarked"] is True and view["identification"]["status"] == "open"
    last = (await outbox(hid, "status_changed"))[-1]["payload"]
    assert last["reason"] == "remarked" and last["assistance_status"] == "identifying"


async def test_a_remarked_household_carries_the_new_risk_type(
    assistance_client, register, confirm, township, outbox
):
    head = member()
    hid = (
        await register(
            category="边缘易致贫户", status="risk_eliminated", risk_types=["因病"], members=[head]
        )
    )["id"]
    await confirm(head["id_number"], head["name"], risk_type="因灾")

    async def remarked():
        view = await _view(assistance_client, hid, township)
        return view if view["status"] == "identifying" else None

    view = await wait_until(remarked, what="the eliminated household is re-marked")
    assert view["remarked"] is True and view["risk_types"] == ["因灾"]
    last = (await outbox(hid, "status_changed"))[-1]["payload"]
    assert last["reason"] == "remarked" and last["risk_types"] == ["因灾"]


async def test_other_outcomes_are_ignored_and_monitored_stays(
    assistance_client, register, confirm, township, outbox
):
    head = member()
    hid = (await register(category="边缘易致贫户", members=[head]))["id"]
    await confirm(head["id_number"], head["name"], outcome="no_risk")
    await confirm(head["id_number"], head["name"])
    marker = member()
    await confirm(marker["id_number"], "标记人")

    async def marker_registered():
        resp = await assistance_client.get(
            "/api/v1/households", headers=township, params={"status": "identifying", "limit": 500}
        )
        return [h for h in resp.json()["items"] if h["head_name_masked"] == "标**"]

    await wait_until(marker_registered, what="the later event was handled")
    view = await _view(assistance_client, hid, township)
    assert view["status"] == "monitored" and view["identification"] is None
    assert len(await outbox(hid, "status_changed")) == 1


async def test_a_plan_waits_until_the_labour_of_loop_members_is_known(
    assistance_client, confirm, township, village
):
    person = member()
    await confirm(person["id_number"], "秦未知")

    async def registered():
        resp = await assistance_client.get(
            "/api/v1/households", headers=township, params={"status": "identifying", "limit": 500}
        )
        return [h for h in resp.json()["items"] if h["head_name_masked"] == "秦**"]

    hid = (await wait_until(registered, what="the loop registers the household"))[0]["id"]
    view = await _view(assistance_client, hid, township)
    assert [m["labour"] for m in view["members"]] == ["unknown"]
    plan = {"cadre_name": "刘书记", "measures": [{"type": "综合保障/兜底", "name": "纳入低保",
            "starts_on": "2026-11-01", "ends_on": "2027-10-31"}]}  # fmt: skip
    url = f"/api/v1/households/{hid}/plans"
    checked = await assistance_client.post(f"{url}/check", headers=village, json=plan)
    refused = await assistance_client.post(url, headers=village, json=plan)
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert error["code"] == "labour_unknown" and error["field"] == "members"
    # the editor's dry run names the same refusal, word for word
    assert checked.json() == {
        "violations": [{"rule": "labour_unknown", "message": error["message"]}]
    }
    assert [m["member_id"] for m in error["details"]] == [view["members"][0]["id"]]
    assert "秦**" in error["message"]
    member_id = view["members"][0]["id"]
    labour = f"/api/v1/households/{hid}/members/{member_id}/labour"
    await assistance_client.put(labour, headers=village, json={"labour": "none"})
    assert (await assistance_client.post(url, headers=village, json=plan)).status_code == 201
