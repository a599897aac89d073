"""POST /students and POST /guardians: the class list and the students' parents."""

import uuid
from typing import Any

import pytest
from journal_world import World, count, outbox, problem_type, table_counts


def student(world: World, **overrides: Any) -> dict[str, Any]:
    return {
        "class_id": str(world.class_id),
        "last_name": "Котов",
        "first_name": "Пётр",
        "middle_name": "Ильич",
        "birth_date": "2015-09-01",
        **overrides,
    }


@pytest.mark.parametrize("who", ["director", "deputy", "class_teacher"])
async def test_the_administration_or_the_class_teacher_enrolls_a_student(
    world: World, who: str
) -> None:
    response = await world.client.post("/students", headers=world.auth(who), json=student(world))

    assert response.status_code == 201, response.text
    body = response.json()
    assert body == {
        "student_id": body["student_id"],
        "class_id": str(world.class_id),
        "last_name": "Котов",
        "first_name": "Пётр",
        "middle_name": "Ильич",
        "birth_date": "2015-09-01",
    }
    listed = (
        await world.client.get(f"/classes/{world.class_id}/students", headers=world.auth("deputy"))
    ).json()["items"]
    assert body["student_id"] in [s["student_id"] for s in listed]


async def test_student_enrolled_is_published_with_ids_only(world: World) -> None:
    body = await world.post("deputy", "/students", student(world))

    (event,) = [
        e
        for e in await outbox(world.db, "journal.student.enrolled.v1")
        if e["data"]["student_id"] == body["student_id"]
    ]
    # Children's personal data never leaves journal.
    assert event["data"] == {"student_id": body["student_id"], "class_id": str(world.class_id)}
    assert event["schoolid"] == str(world.school_id)
    assert event["subject"] == f"student/{body['student_id']}"


@pytest.mark.parametrize("who", ["sysadmin", "teacher", "outsider", "student", "parent"])
async def test_nobody_else_enrolls_students(world: World, who: str) -> None:
    before = await table_counts(world.db)

    response = await world.client.post("/students", headers=world.auth(who), json=student(world))

    assert response.status_code == 403
    assert problem_type(response) == "forbidden"
    assert await table_counts(world.db) == before


async def test_a_class_teacher_cannot_enroll_into_another_class(world: World) -> None:
    response = await world.client.post(
        "/students",
        headers=world.auth("class_teacher"),
        json=student(world, class_id=str(world.ids["parallel_class"])),
    )

    assert response.status_code == 403


async def test_enrolling_into_another_schools_class_is_not_found(
    world: World, other: World
) -> None:
    before = await table_counts(world.db)

    response = await world.client.post(
        "/students", headers=world.auth("deputy"), json=student(world, class_id=str(other.class_id))
    )

    assert response.status_code == 404
    assert problem_type(response) == "not-found"
    assert await table_counts(world.db) == before


@pytest.mark.parametrize(
    "overrides",
    [
        {"birth_date": "2999-01-01"},
        {"birth_date": "14.03.2015"},
        {"last_name": ""},
        {"first_name": None},
        {"class_id": "5А"},
        {"snils": "123-456-789 00"},
    ],
)
async def test_an_invalid_student_is_refused_and_nothing_is_written(
    world: World, overrides: dict[str, Any]
) -> None:
    before = await table_counts(world.db)

    response = await world.client.post(
        "/students", headers=world.auth("deputy"), json=student(world, **overrides)
    )

    assert response.status_code == 422
    assert problem_type(response) == "validation-error"
    assert await table_counts(world.db) == before


# --- guardians -------------------------------------------------------------------------


def guardian(*student_ids: uuid.UUID, **overrides: Any) -> dict[str, Any]:
    return {
        "last_name": "Андреева",
        "first_name": "Мария",
        "middle_name": "Петровна",
        "phone": "+7 (812) 555-12-34",
        "email": "andreeva@example.ru",
        "student_ids": [str(s) for s in student_ids],
        **overrides,
    }


@pytest.mark.parametrize("who", ["director", "deputy", "class_teacher"])
async def test_the_administration_or_the_class_teacher_links_a_parent_to_children(
    world: World, who: str
) -> None:
    children = (world.student_id, world.classmate_id)

    response = await world.client.post(
        "/guardians", headers=world.auth(who), json=guardian(*children)
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert body == {
        "guardian_id": body["guardian_id"],
        "last_name": "Андреева",
        "first_name": "Мария",
        "middle_name": "Петровна",
        "phone": "+7 (812) 555-12-34",
        "email": "andreeva@example.ru",
        "address": None,
        "student_ids": [str(c) for c in children],
    }
    events = [
        e
        for e in await outbox(world.db, "journal.guardian.linked.v1")
        if e["data"]["guardian_id"] == body["guardian_id"]
    ]
    assert sorted(e["data"]["student_id"] for e in events) == sorted(str(c) for c in children)
    assert all(set(e["data"]) == {"guardian_id", "student_id"} for e in events)
    assert (
        await count(
            world.db, "guardianships", "guardian_id = :id", id=uuid.UUID(body["guardian_id"])
        )
        == 2
    )


async def test_a_repeated_child_is_linked_once(world: World) -> None:
    body = await world.post("deputy", "/guardians", guardian(world.student_id, world.student_id))

    assert body["student_ids"] == [str(world.student_id)]


async def test_a_class_teacher_cannot_link_a_parent_to_another_classs_child(
    world: World,
) -> None:
    before = await table_counts(world.db)

    response = await world.client.post(
        "/guardians",
        headers=world.auth("class_teacher"),
        json=guardian(world.student_id, world.ids["parallel_student"]),
    )

    assert response.status_code == 403
    assert await table_counts(world.db) == before


@pytest.mark.parametrize("who", ["sysadmin", "teacher", "outsider", "student", "parent"])
async def test_nobody_else_links_parents(world: World, who: str) -> None:
    response = await world.client.post(
        "/guardians", headers=world.auth(who), json=guardian(world.student_id)
    )

    assert response.status_code == 403


async def test_linking_another_schools_child_is_not_found(world: World, other: World) -> None:
    before = await table_counts(world.db)

    response = await world.client.post(
        "/guardians",
        headers=world.auth("deputy"),
        json=guardian(world.student_id, other.student_id),
    )

    assert response.status_code == 404
    assert await table_counts(world.db) == before


@pytest.mark.parametrize(
    "overrides",
    [
        {"student_ids": []},
        {"student_ids": ["not-a-uuid"]},
        {"email": "not-an-email"},
        {"phone": "call me"},
        {"last_name": " "},
        {"passport": "4010 123456"},
    ],
)
async def test_an_invalid_guardian_is_refused_and_nothing_is_written(
    world: World, overrides: dict[str, Any]
) -> None:
    before = await table_counts(world.db)

    response = await world.client.post(
        "/guardians", headers=world.auth("deputy"), json=guardian(world.student_id, **overrides)
    )

    assert response.status_code == 422
    assert problem_type(response) == "validation-error"
    assert await table_counts(world.db) == before
