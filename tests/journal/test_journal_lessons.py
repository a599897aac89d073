"""POST /lessons: a teacher records lessons of their own assignments only."""

import uuid
from typing import Any

import pytest
from journal_world import World, problem_type, table_counts


def lesson(world: World, assignment: str = "math_assignment", **overrides: Any) -> dict[str, Any]:
    return {
        "assignment_id": str(world.ids[assignment]),
        "date": "2026-11-25",
        "topic": "Десятичные дроби",
        "homework": "№ 512, 514",
        **overrides,
    }


async def test_the_teacher_of_the_assignment_records_a_lesson(world: World) -> None:
    response = await world.client.post(
        "/lessons", headers=world.auth("class_teacher"), json=lesson(world)
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert body == {
        "lesson_id": body["lesson_id"],
        "assignment_id": str(world.ids["math_assignment"]),
        "class_id": str(world.class_id),
        "group_id": None,
        "subject_id": str(world.ids["math"]),
        "teacher_id": str(world.class_teacher),
        "substitute_id": None,
        "date": "2026-11-25",
        "lesson_number": None,
        "topic": "Десятичные дроби",
        "homework": "№ 512, 514",
        "cancelled": False,
        "cancel_reason": None,
        "version": 1,
    }


async def test_topic_and_homework_are_optional(world: World) -> None:
    body = await world.post(
        "teacher",
        "/lessons",
        {
            "assignment_id": str(world.ids["russian_assignment"]),
            "date": "2026-11-26",
        },
    )

    assert body["topic"] is None and body["homework"] is None


@pytest.mark.parametrize("who", ["teacher", "outsider"])
async def test_a_teacher_cannot_record_a_lesson_of_anothers_assignment(
    world: World, who: str
) -> None:
    before = await table_counts(world.db)

    response = await world.client.post("/lessons", headers=world.auth(who), json=lesson(world))

    assert response.status_code == 403
    assert problem_type(response) == "forbidden"
    assert await table_counts(world.db) == before


@pytest.mark.parametrize("who", ["deputy", "director", "student", "parent"])
async def test_only_teachers_record_lessons(world: World, who: str) -> None:
    response = await world.client.post("/lessons", headers=world.auth(who), json=lesson(world))

    assert response.status_code == 403


async def test_another_schools_assignment_is_not_found(world: World, other: World) -> None:
    for assignment_id in (other.ids["math_assignment"], uuid.uuid4()):
        response = await world.client.post(
            "/lessons",
            headers=world.auth("class_teacher"),
            json=lesson(world, assignment_id=str(assignment_id)),
        )
        assert response.status_code == 404
        assert problem_type(response) == "not-found"


@pytest.mark.parametrize(
    "overrides",
    [
        {"date": "2026-02-30"},
        {"date": None},
        {"assignment_id": "math"},
        {"topic": "x" * 201},
        {"room": "214"},
    ],
)
async def test_an_invalid_lesson_is_refused_and_nothing_is_written(
    world: World, overrides: dict[str, Any]
) -> None:
    before = await table_counts(world.db)

    response = await world.client.post(
        "/lessons", headers=world.auth("class_teacher"), json=lesson(world, **overrides)
    )

    assert response.status_code == 422
    assert problem_type(response) == "validation-error"
    assert await table_counts(world.db) == before
