"""Work types with their weights: /work-types. Everyone in the journal reads them; the
deputy and the director add them, rename and reweigh them, and deactivate them."""

import uuid

import pytest
from journal_world import World, outbox, problem_type, table_counts
from sqlalchemy import text

from shared.testing import TokenFactory

CHANGED = "journal.work_type.changed.v1"
WRITERS = ["deputy", "director"]
NOT_WRITERS = ["sysadmin", "teacher", "class_teacher", "student", "parent"]
READERS = ["director", "deputy", "teacher", "class_teacher", "student", "parent"]
DEFAULTS = [
    ("answer", "Ответ на уроке", 1),
    ("homework", "Домашняя работа", 1),
    ("independent", "Самостоятельная работа", 2),
    ("test", "Проверочная работа", 2),
    ("control", "Контрольная работа", 3),
]


@pytest.mark.parametrize("who", READERS)
async def test_everyone_in_the_journal_reads_the_schools_work_types(world: World, who: str) -> None:
    response = await world.client.get("/work-types", headers=world.auth(who))

    assert response.status_code == 200
    assert response.json() == {
        "items": [
            {"code": code, "name": name, "weight": weight, "active": True, "version": 1}
            for code, name, weight in DEFAULTS
        ]
    }


async def test_a_new_school_announces_its_default_work_types(world: World) -> None:
    events = await outbox(world.db, CHANGED, world.school_id)

    assert sorted((e["data"]["code"], e["data"]["weight"], e["version"]) for e in events) == sorted(
        (code, weight, 1) for code, _, weight in DEFAULTS
    )


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
    token = tokens.token(school_id=uuid.uuid4(), roles=["deputy"])
    response = await world.client.get("/work-types", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 200
    assert response.json() == {"items": []}


async def test_sysadmin_does_not_read_work_types(world: World) -> None:
    response = await world.client.get("/work-types", headers=world.auth("sysadmin"))

    assert response.status_code == 403
    assert problem_type(response) == "forbidden"


@pytest.mark.parametrize("who", WRITERS)
async def test_the_deputy_and_the_director_add_a_work_type(world: World, who: str) -> None:
    response = await world.client.post(
        "/work-types",
        json={"code": "lab", "name": "Лабораторная работа", "weight": 2},
        headers=world.auth(who),
    )

    assert response.status_code == 201, response.text
    assert response.json() == {
        "code": "lab",
        "name": "Лабораторная работа",
        "weight": 2,
        "active": True,
        "version": 1,
    }
    [event] = [
        e for e in await outbox(world.db, CHANGED, world.school_id) if e["data"]["code"] == "lab"
    ]
    assert event["version"] == 1 and event["schoolid"] == str(world.school_id)
    assert event["data"]["weight"] == 2 and event["data"]["active"] is True
    listed = (await world.client.get("/work-types", headers=world.auth("teacher"))).json()
    assert "lab" in [w["code"] for w in listed["items"]]


async def test_a_code_the_school_has_is_refused(world: World) -> None:
    before = await table_counts(world.db)

    response = await world.client.post(
        "/work-types",
        json={"code": "control", "name": "Ещё контрольная", "weight": 5},
        headers=world.auth("deputy"),
    )

    assert response.status_code == 409
    assert problem_type(response) == "work-type-exists"
    assert await table_counts(world.db) == before


@pytest.mark.parametrize("who", WRITERS)
async def test_a_new_weight_and_name_are_a_new_version_announced(world: World, who: str) -> None:
    response = await world.client.patch(
        "/work-types/control",
        json={"weight": 4, "name": "Контрольная работа (четвертная)"},
        headers=world.auth(who),
    )

    assert response.status_code == 200, response.text
    assert response.json() == {
        "code": "control",
        "name": "Контрольная работа (четвертная)",
        "weight": 4,
        "active": True,
        "version": 2,
    }
    events = sorted(
        (
            e
            for e in await outbox(world.db, CHANGED, world.school_id)
            if e["data"]["code"] == "control"
        ),
        key=lambda e: e["version"],
    )
    assert [(e["version"], e["data"]["weight"]) for e in events] == [(1, 3), (2, 4)]
    assert events[0]["subject"] == events[1]["subject"]  # one aggregate, two versions


async def test_marks_already_given_are_weighed_by_the_current_weight(world: World) -> None:
    """The rule of docs/architecture.md: averages use the work type's current weight."""
    await world.mark("student", 5, "control")
    await world.patch_work_type("control", {"weight": 5})

    diary = await world.client.get(
        f"/diary/{world.student_id}",
        params={"from": "2026-11-23", "to": "2026-11-29"},
        headers=world.auth("parent"),
    )

    [mark] = [
        m for day in diary.json()["days"] for lesson in day["lessons"] for m in lesson["marks"]
    ]
    assert (mark["work_type"], mark["weight"]) == ("control", 5)


async def test_a_deactivated_work_type_stays_listed_with_its_marks(world: World) -> None:
    await world.mark("student", 4, "independent")

    response = await world.client.patch(
        "/work-types/independent", json={"active": False}, headers=world.auth("deputy")
    )

    assert response.status_code == 200
    assert (response.json()["active"], response.json()["version"]) == (False, 2)
    listed = (await world.client.get("/work-types", headers=world.auth("teacher"))).json()
    assert {w["code"]: w["active"] for w in listed["items"]}["independent"] is False
    again = await world.client.patch(
        "/work-types/independent", json={"active": True}, headers=world.auth("deputy")
    )
    assert (again.json()["active"], again.json()["version"]) == (True, 3)


async def test_the_same_values_again_change_nothing(world: World) -> None:
    before = await table_counts(world.db)

    response = await world.client.patch(
        "/work-types/answer", json={"weight": 1, "active": True}, headers=world.auth("deputy")
    )

    assert response.status_code == 200
    assert response.json()["version"] == 1
    assert await table_counts(world.db) == before


async def test_the_last_active_work_type_is_not_deactivated(world: World) -> None:
    for code in ("answer", "homework", "independent", "test"):
        await world.patch_work_type(code, {"active": False})
    before = await table_counts(world.db)

    response = await world.client.patch(
        "/work-types/control", json={"active": False}, headers=world.auth("deputy")
    )

    assert response.status_code == 409
    assert problem_type(response) == "last-active-work-type"
    assert await table_counts(world.db) == before


@pytest.mark.parametrize("who", NOT_WRITERS)
async def test_only_the_deputy_and_the_director_change_work_types(world: World, who: str) -> None:
    before = await table_counts(world.db)

    posted = await world.client.post(
        "/work-types",
        json={"code": "lab", "name": "Лабораторная", "weight": 2},
        headers=world.auth(who),
    )
    patched = await world.client.patch(
        "/work-types/control", json={"weight": 1}, headers=world.auth(who)
    )

    assert (posted.status_code, patched.status_code) == (403, 403)
    assert await table_counts(world.db) == before


async def test_another_schools_work_type_does_not_exist(world: World, other: World) -> None:
    await other.post("deputy", "/work-types", {"code": "lab", "name": "Лабораторная", "weight": 2})
    before = await table_counts(world.db)

    response = await world.client.patch(
        "/work-types/lab", json={"weight": 9}, headers=world.auth("deputy")
    )

    assert response.status_code == 404
    assert problem_type(response) == "not-found"
    assert await table_counts(world.db) == before


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/work-types"), ("POST", "/work-types"), ("PATCH", "/work-types/control")],
)
async def test_no_token_no_work_types(world: World, method: str, path: str) -> None:
    response = await world.client.request(method, path, json={"weight": 2})

    assert response.status_code == 401


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"code": "lab", "name": "Лабораторная", "weight": 0}, ["body", "weight"]),
        ({"code": "lab", "name": "Лабораторная", "weight": 11}, ["body", "weight"]),
        ({"code": "lab", "name": "Лабораторная", "weight": "2"}, ["body", "weight"]),
        ({"code": "Лаб", "name": "Лабораторная", "weight": 2}, ["body", "code"]),
        ({"code": "lab", "name": " ", "weight": 2}, ["body", "name"]),
        ({"code": "lab", "name": "Лабораторная"}, ["body", "weight"]),
    ],
)
async def test_a_bad_new_work_type_is_refused_with_the_field_named(
    world: World, body: dict[str, object], loc: list[str]
) -> None:
    before = await table_counts(world.db)

    response = await world.client.post("/work-types", json=body, headers=world.auth("deputy"))

    assert response.status_code == 422
    assert loc in [e["loc"] for e in response.json()["errors"]]
    assert await table_counts(world.db) == before


@pytest.mark.parametrize(
    "body",
    [{"weight": 11}, {"weight": 0}, {}, {"weight": None}, {"active": "no"}, {"code": "other"}],
)
async def test_a_bad_change_is_refused_and_nothing_changes(
    world: World, body: dict[str, object]
) -> None:
    before = await table_counts(world.db)

    response = await world.client.patch(
        "/work-types/control", json=body, headers=world.auth("deputy")
    )

    assert response.status_code == 422, response.text
    assert problem_type(response) == "validation-error"
    assert await table_counts(world.db) == before
