"""GET /work-types: the school's own work types with their weights."""

import pytest
from journal_world import World, problem_type
from sqlalchemy import text

from shared.testing import TokenFactory


@pytest.mark.parametrize("who", ["director", "deputy", "teacher", "student", "parent"])
async def test_everyone_in_the_journal_reads_the_schools_work_types(world: World, who: str) -> None:
    response = await world.client.get("/work-types", headers=world.auth(who))

    assert response.status_code == 200
    assert response.json() == {
        "items": [
            {"code": "answer", "name": "Ответ на уроке", "weight": 1},
            {"code": "homework", "name": "Домашняя работа", "weight": 1},
            {"code": "independent", "name": "Самостоятельная работа", "weight": 2},
            {"code": "test", "name": "Проверочная работа", "weight": 2},
            {"code": "control", "name": "Контрольная работа", "weight": 3},
        ]
    }


async def test_work_types_are_the_callers_schools_own(world: World, other: World) -> None:
    async with other.db.transaction() as session:
        await session.execute(
            text("UPDATE work_types SET weight = 4 WHERE school_id = :id AND code = 'control'"),
            {"id": other.school_id},
        )

    mine = (await world.client.get("/work-types", headers=world.auth("deputy"))).json()
    theirs = (await other.client.get("/work-types", headers=other.auth("deputy"))).json()

    assert {w["code"]: w["weight"] for w in mine["items"]}["control"] == 3
    assert {w["code"]: w["weight"] for w in theirs["items"]}["control"] == 4


async def test_a_school_journal_has_not_heard_of_has_no_work_types(
    world: World, tokens: TokenFactory
) -> None:
    import uuid

    token = tokens.token(school_id=uuid.uuid4(), roles=["deputy"])
    response = await world.client.get("/work-types", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 200
    assert response.json() == {"items": []}


async def test_sysadmin_does_not_read_work_types(world: World) -> None:
    response = await world.client.get("/work-types", headers=world.auth("sysadmin"))

    assert response.status_code == 403
    assert problem_type(response) == "forbidden"
