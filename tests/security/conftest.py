"""Shared data and principals of the security suite: one small county world, created once."""

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from shouwang.common.auth.tokens import issue_token
from shouwang.common.config import CommonSettings
from shouwang.common.identity import person_ref_of
from shouwang.common.idnumber import generate_id_number
from shouwang.common.masking import mask_id_number
from shouwang.common.testing.fixtures import auth, list_all, wait_until

PROVINCE, COUNTY, TOWNSHIP, VILLAGE = "23", "231226", "231226100", "231226100201"
UNKNOWN_VILLAGE = "231226100999"  # in the county, not in its geography: held as unroutable
FOREIGN_TOWNSHIP, FOREIGN_VILLAGE = "231226101", "231226101200"
RESIDENT_OWN = f"resident-own-{uuid.uuid4().hex[:6]}"


def _expired() -> dict[str, str]:
    past = datetime.now(UTC) - timedelta(days=2)
    token = issue_token(
        CommonSettings(), role="county", scope=COUNTY, now=past, ttl=timedelta(hours=1)
    )
    return {"Authorization": f"Bearer {token}"}


def _wrong_signature() -> dict[str, str]:
    claims = {
        "sub": "forger",
        "role": "auditor",
        "scope": "",
        "exp": int((datetime.now(UTC) + timedelta(hours=1)).timestamp()),
    }
    return {"Authorization": f"Bearer {jwt.encode(claims, 'not-the-secret' * 3, 'HS256')}"}


# name -> Authorization headers (empty: no token); "own" means the world's VILLAGE/TOWNSHIP/COUNTY
PRINCIPALS: dict[str, dict[str, str]] = {
    "department_own": auth("department", "medical_insurance", county=COUNTY),
    "department_other_dept": auth("department", "civil_affairs", county=COUNTY),
    "department_other_county": auth("department", "medical_insurance", county="231227"),
    "province_own": auth("province", PROVINCE),
    "province_foreign": auth("province", "44"),
    "county_own": auth("county", COUNTY),
    "county_foreign": auth("county", "231227"),
    "township_own": auth("township", TOWNSHIP),
    "township_foreign": auth("township", FOREIGN_TOWNSHIP),
    "village_own": auth("village", VILLAGE),
    "village_foreign": auth("village", "231226100202"),
    "resident_own": auth("resident", sub=RESIDENT_OWN),
    "resident_other": auth("resident", sub=f"resident-other-{uuid.uuid4().hex[:6]}"),
    "auditor": auth("auditor"),
    "no_token": {},
    "expired_token": _expired(),
    "wrong_signature": _wrong_signature(),
}
# the region each principal may see (None: no region, e.g. resident / invalid token)
REGION = {
    "province_own": PROVINCE,
    "province_foreign": "44",
    "department_own": COUNTY,
    "department_other_dept": COUNTY,
    "department_other_county": "231227",
    "county_own": COUNTY,
    "county_foreign": "231227",
    "township_own": TOWNSHIP,
    "township_foreign": FOREIGN_TOWNSHIP,
    "village_own": VILLAGE,
    "village_foreign": "231226100202",
    "auditor": "",
}


@dataclass
class Person:
    id_number: str
    name: str
    phone: str
    village: str

    @property
    def masked(self) -> str:
        return mask_id_number(self.id_number)


@dataclass
class World:
    """Resources in the own scope (and a foreign twin where it matters)."""

    people: list[Person]
    ids: dict[str, str] = field(default_factory=dict)


def make_people(seed: str, villages: list[str]) -> list[Person]:
    """Synthetic people with rare three-character names (never a real person)."""
    rng = random.Random(seed)
    surnames, given = "欧阳司马上官诸葛东方", "翰墨青岚若溪明轩子衿"
    people = []
    for i, village in enumerate(villages):
        name = rng.choice(surnames) + rng.choice(given) + rng.choice(given) + "甲乙丙丁戊"[i % 5]
        phone = "139" + "".join(rng.choice("0123456789") for _ in range(8))
        people.append(Person(generate_id_number(rng, region=COUNTY), name, phone, village))
    return people


async def push_people(warning_client: Any, people: list[Person]) -> str:
    """Push one medical-insurance batch naming the people; returns the batch id."""
    body = {
        "department": "medical_insurance",
        "period": "2026-11",
        "items": [
            {
                "id_number": p.id_number,
                "name": p.name,
                "village_code": p.village,
                "indicator": "large_medical_expense",
                "values": {"self_paid_yuan": 23000},
            }
            for p in people
        ],
    }
    resp = await warning_client.post(
        "/api/v1/warning-batches", json=body, headers=PRINCIPALS["department_own"]
    )
    assert resp.status_code == 202, resp.text
    assert resp.json()["accepted"] == len(people), resp.text
    return str(resp.json()["batch_id"])


async def hold_unroutable(warning_client: Any, person: Person) -> str:
    """Push the person with a village the county does not know; returns the held item's id."""
    body = {
        "department": "medical_insurance",
        "period": "2026-11",
        "items": [
            {
                "id_number": person.id_number,
                "name": person.name,
                "village_code": UNKNOWN_VILLAGE,
                "indicator": "large_medical_expense",
                "values": {"self_paid_yuan": 23000},
            }
        ],
    }
    resp = await warning_client.post(
        "/api/v1/warning-batches", json=body, headers=PRINCIPALS["department_own"]
    )
    assert resp.status_code == 202 and resp.json()["accepted"] == 1, resp.text
    ref = person_ref_of(
        person.id_number,
        county_code=COUNTY,
        master_secret=CommonSettings().hmac_key.get_secret_value(),
    )

    async def held() -> str | None:
        items = await list_all(
            warning_client, "/api/v1/unroutable", headers=PRINCIPALS["county_own"]
        )
        return next((str(i["id"]) for i in items if i["person_ref"] == ref), None)

    return str(await wait_until(held, what="the item held as unroutable"))


async def task_of(warning_client: Any, person: Person) -> dict[str, Any]:
    """Wait for the person's task to reach their township."""
    headers = auth("township", person.village[:9])

    async def find() -> dict[str, Any] | None:
        items = await list_all(warning_client, "/api/v1/tasks", headers=headers)
        return next((t for t in items if t["id_masked"] == person.masked), None)

    return dict(await wait_until(find, what="task routed to the township"))


async def register_household(assistance_client: Any, person: Person) -> str:
    """The county registers a household headed by the person."""
    body = {
        "village_code": person.village,
        "category": "脱贫户",
        "members": [
            {
                "id_number": person.id_number,
                "name": person.name,
                "labour": "full",
                "phone": person.phone,
            }
        ],
    }
    resp = await assistance_client.post(
        "/api/v1/households", json=body, headers=PRINCIPALS["county_own"]
    )
    assert resp.status_code == 201, resp.text
    return str(resp.json()["id"])


def declaration_body(person: Person) -> dict[str, Any]:
    """A resident's self-declaration naming the person."""
    return {
        "channel": "self_declaration",
        "id_number": person.id_number,
        "name": person.name,
        "phone": person.phone,
        "village_code": person.village,
        "household_size": 3,
        "hardships": ["因病"],
        "description": "户主患病",
        "income_estimate_yuan": 6000,
        "attachments": [],
    }


@pytest.fixture(scope="session")
async def world(
    warning_client: Any, intake_client: Any, assistance_client: Any, audit_client: Any
) -> World:
    """A task, batch, declaration, household and campaign in the own scope (+ foreign twins)."""
    people = make_people(
        f"security-world-{uuid.uuid4().hex}",
        [VILLAGE, FOREIGN_VILLAGE, VILLAGE, FOREIGN_VILLAGE, VILLAGE],
    )
    w = World(people)
    w.ids["county"], w.ids["province"] = COUNTY, PROVINCE
    w.ids["batch"] = await push_people(warning_client, people[:2])
    own = await task_of(warning_client, people[0])
    foreign = await task_of(warning_client, people[1])
    w.ids["task"], w.ids["task_foreign"] = own["task_id"], foreign["task_id"]
    for task, township, village in (
        (own, TOWNSHIP, VILLAGE),
        (foreign, FOREIGN_TOWNSHIP, FOREIGN_VILLAGE),
    ):
        resp = await warning_client.post(
            f"/api/v1/tasks/{task['task_id']}/assign",
            json={"village_code": village},
            headers=auth("township", township),
        )
        assert resp.status_code == 200, resp.text
    filed = await intake_client.post(
        "/api/v1/declarations", json=declaration_body(people[2]), headers=PRINCIPALS["resident_own"]
    )
    assert filed.status_code == 201, filed.text
    w.ids["receipt"] = filed.json()["receipt"]
    w.ids["household"] = await register_household(assistance_client, people[2])
    w.ids["household_foreign"] = await register_household(assistance_client, people[3])
    detail = await assistance_client.get(
        f"/api/v1/households/{w.ids['household']}", headers=PRINCIPALS["county_own"]
    )
    w.ids["member"] = detail.json()["members"][0]["id"]
    campaign = await assistance_client.post(
        "/api/v1/campaigns",
        headers=PRINCIPALS["county_own"],
        json={
            "name": "安全测试排查",
            "phases": [{"name": "排查", "starts_on": "2026-11-01", "ends_on": "2026-12-31"}],
        },
    )
    assert campaign.status_code == 201, campaign.text
    w.ids["campaign"] = str(campaign.json()["id"])
    problem = await assistance_client.post(
        f"/api/v1/campaigns/{w.ids['campaign']}/problems",
        headers=PRINCIPALS["village_own"],
        json={
            "household_id": w.ids["household"],
            "problem_type": "三保障和饮水安全",
            "description": "住房为 C 级危房",
            "measure": "纳入危房改造计划",
            "responsible": {"unit": "绥棱镇人民政府", "person": "刘书记"},
            "deadline": "2026-11-20",
        },
    )
    assert problem.status_code == 201, problem.text
    w.ids["problem"] = str(problem.json()["id"])
    w.ids["unroutable"] = await hold_unroutable(warning_client, people[4])
    return w
