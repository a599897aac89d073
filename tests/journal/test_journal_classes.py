"""POST /classes and GET /classes/{class_id}/students."""

import uuid

import pytest
from journal_world import World, create_staff, outbox, problem_type, table_counts


@pytest.mark.parametrize("who", ["deputy", "director"])
async def test_the_administration_opens_a_class_and_class_opened_is_published(
    world: World, who: str
) -> None:
    response = await world.client.post(
        "/classes",
        headers=world.auth(who),
        json={
            "name": " 7В ",
            "grade": 7,
            "class_teacher_id": str(world.teacher),
        },
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert body == {
        "class_id": body["class_id"],
        "name": "7В",
        "grade": 7,
        "class_teacher_id": str(world.teacher),
    }
    (event,) = [
        e
        for e in await outbox(world.db, "journal.class.opened.v1")
        if e["data"]["class_id"] == body["class_id"]
    ]
    assert event["data"] == {
        "class_id": body["class_id"],
        "name": "7В",
        "grade": 7,
        "class_teacher_id": str(world.teacher),
    }
    assert event["schoolid"] == str(world.school_id)
    assert event["subject"] == f"class/{body['class_id']}"
    assert event["version"] == 1


async def test_a_class_may_open_without_a_class_teacher(world: World) -> None:
    response = await world.client.post(
        "/classes", headers=world.auth("deputy"), json={"name": "1А", "grade": 1}
    )

    assert response.status_code == 201
    assert response.json()["class_teacher_id"] is None


@pytest.mark.parametrize("who", ["class_teacher", "teacher", "student", "parent"])
async def test_only_the_administration_opens_classes(world: World, who: str) -> None:
    before = await table_counts(world.db)

    response = await world.client.post(
        "/classes", headers=world.auth(who), json={"name": "7В", "grade": 7}
    )

    assert response.status_code == 403
    assert problem_type(response) == "forbidden"
    assert await table_counts(world.db) == before


async def test_a_class_name_is_unique_in_the_school(world: World, other: World) -> None:
    before = await table_counts(world.db)

    response = await world.client.post(
        "/classes", headers=world.auth("deputy"), json={"name": "5А", "grade": 5}
    )

    assert response.status_code == 409
    assert problem_type(response) == "class-exists"
    assert await table_counts(world.db) == before
    # other schools have their own 5А (built by the `other` fixture)
    assert other.class_id != world.class_id


async def test_a_class_teacher_from_another_school_is_not_found(world: World, other: World) -> None:
    before = await table_counts(world.db)

    response = await world.client.post(
        "/classes",
        headers=world.auth("deputy"),
        json={
            "name": "7В",
            "grade": 7,
            "class_teacher_id": str(other.teacher),
        },
    )

    assert response.status_code == 404
    assert await table_counts(world.db) == before


async def test_a_class_teacher_must_be_a_teacher(world: World) -> None:
    response = await world.client.post(
        "/classes",
        headers=world.auth("deputy"),
        json={
            "name": "7В",
            "grade": 7,
            "class_teacher_id": str(world.director),
        },
    )

    assert response.status_code == 422
    assert problem_type(response) == "not-a-teacher"


@pytest.mark.parametrize(
    "body",
    [
        {"name": "7В", "grade": 0},
        {"name": "7В", "grade": 12},
        {"name": "7В", "grade": "7"},
        {"name": "", "grade": 7},
        {"name": "   ", "grade": 7},
        {"name": "7В"},
        {"name": "7В", "grade": 7, "class_teacher_id": "not-a-uuid"},
        {"name": "7В", "grade": 7, "year": 2026},
    ],
)
async def test_an_invalid_class_is_refused_and_nothing_is_written(
    world: World, body: dict[str, object]
) -> None:
    before = await table_counts(world.db)

    response = await world.client.post("/classes", headers=world.auth("deputy"), json=body)

    assert response.status_code == 422
    assert problem_type(response) == "validation-error"
    assert await table_counts(world.db) == before


async def test_malformed_json_is_refused(world: World) -> None:
    before = await table_counts(world.db)

    response = await world.client.post(
        "/classes",
        content='{"name": "7В", "grade": '.encode(),
        headers={**world.auth("deputy"), "Content-Type": "application/json"},
    )

    assert response.status_code == 422
    assert problem_type(response) == "validation-error"
    assert await table_counts(world.db) == before


# --- the class list ------------------------------------------------------------------


@pytest.mark.parametrize("who", ["deputy", "director", "class_teacher"])
async def test_those_who_keep_the_roster_see_the_class_list_with_birth_dates(
    world: World, who: str
) -> None:
    response = await world.client.get(
        f"/classes/{world.class_id}/students", headers=world.auth(who)
    )

    assert response.status_code == 200
    body = response.json()
    assert body["class_id"] == str(world.class_id)
    # alphabetical: Андреев before Смирнов; the 5Б student is not listed
    assert [s["student_id"] for s in body["items"]] == [
        str(world.classmate_id),
        str(world.student_id),
    ]
    assert body["items"][1] == {
        "student_id": str(world.student_id),
        "last_name": "Смирнов",
        "first_name": "Иван",
        "middle_name": None,
        "birth_date": "2015-03-14",
    }


async def test_a_subject_teacher_of_the_class_sees_names_without_birth_dates(
    world: World,
) -> None:
    response = await world.client.get(
        f"/classes/{world.class_id}/students", headers=world.auth("teacher")
    )

    assert response.status_code == 200
    items = response.json()["items"]
    assert len(items) == 2
    assert all(s["birth_date"] is None for s in items)


@pytest.mark.parametrize("who", ["outsider", "student", "parent"])
async def test_others_in_the_school_cannot_read_the_class_list(world: World, who: str) -> None:
    response = await world.client.get(
        f"/classes/{world.class_id}/students", headers=world.auth(who)
    )

    assert response.status_code == 403
    assert problem_type(response) == "forbidden"


async def test_another_schools_class_list_is_not_found(world: World, other: World) -> None:
    for path in (f"/classes/{other.class_id}/students", f"/classes/{uuid.uuid4()}/students"):
        response = await world.client.get(path, headers=world.auth("director"))
        assert response.status_code == 404
        assert problem_type(response) == "not-found"


async def test_a_class_teacher_role_without_leading_this_class_grants_nothing(
    world: World,
) -> None:
    other_class_teacher = await create_staff(
        world.db, world.school_id, ["teacher", "class_teacher"]
    )
    token = world.tokens.token(
        school_id=world.school_id,
        roles=["teacher", "class_teacher"],
        account_id=other_class_teacher,
    )

    response = await world.client.get(
        f"/classes/{world.class_id}/students", headers={"Authorization": f"Bearer {token}"}
    )

    assert response.status_code == 403
