"""Input PostgreSQL or Python cannot hold is a 4xx problem, never a 500, and writes nothing:
NUL in text, dates at the ends of the calendar, bodies that are not JSON."""

from typing import Any

import pytest
from journal_world import MONDAY, World, problem_type, table_counts

NUL = "\x00"


async def refused_and_nothing_written(
    world: World, who: str, path: str, body: dict[str, Any]
) -> None:
    before = await table_counts(world.db)

    response = await world.client.post(path, json=body, headers=world.auth(who))

    assert response.status_code == 422, response.text
    assert problem_type(response) == "validation-error"
    assert await table_counts(world.db) == before


async def test_a_nul_in_a_marks_work_type_is_refused(world: World) -> None:
    await refused_and_nothing_written(
        world,
        "class_teacher",
        f"/lessons/{world.math_lesson_id}/marks",
        {"student_id": str(world.student_id), "value": 5, "work_type": f"answer{NUL}"},
    )


@pytest.mark.parametrize("field", ["topic", "homework"])
async def test_a_nul_in_a_lessons_topic_or_homework_is_refused(world: World, field: str) -> None:
    body = {
        "assignment_id": str(world.ids["math_assignment"]),
        "date": MONDAY.isoformat(),
        field: f"Дроби{NUL}",
    }
    await refused_and_nothing_written(world, "class_teacher", "/lessons", body)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/subjects", {"name": f"Музыка{NUL}"}),
        ("/classes", {"name": f"6{NUL}", "grade": 6}),
        ("/guardians", {"last_name": "Иванова", "first_name": "Ольга", "email": f"a{NUL}@b.ru"}),
    ],
    ids=["subject", "class", "guardian-email"],
)
async def test_a_nul_in_any_roster_or_teaching_text_is_refused(
    world: World, path: str, body: dict[str, Any]
) -> None:
    if path == "/guardians":
        body = {**body, "student_ids": [str(world.student_id)]}
    await refused_and_nothing_written(world, "deputy", path, body)


async def test_a_nul_in_a_students_name_is_refused(world: World) -> None:
    body = {
        "class_id": str(world.class_id),
        "last_name": f"Смирнов{NUL}",
        "first_name": "Иван",
        "birth_date": "2015-03-14",
    }
    await refused_and_nothing_written(world, "deputy", "/students", body)


async def test_a_lesson_at_the_end_of_the_calendar_is_refused(world: World) -> None:
    body = {"assignment_id": str(world.ids["math_assignment"]), "date": "9999-12-31"}
    await refused_and_nothing_written(world, "class_teacher", "/lessons", body)


@pytest.mark.parametrize(
    "params",
    [
        {"from": "9999-12-31"},
        {"to": "0001-01-01"},
        {"from": "9999-12-25", "to": "9999-12-31"},
        {"from": "0001-01-01", "to": "0001-01-07"},
    ],
    ids=["from-last-day", "to-first-day", "last-week", "first-week"],
)
async def test_a_diary_range_at_the_ends_of_the_calendar_is_refused(
    world: World, params: dict[str, str]
) -> None:
    response = await world.client.get(
        f"/diary/{world.student_id}", params=params, headers=world.auth("student")
    )

    assert response.status_code == 422, response.text
    assert problem_type(response) == "validation-error"
    assert {tuple(e["loc"]) for e in response.json()["errors"]} <= {
        ("query", "from"),
        ("query", "to"),
    }


async def test_a_diary_range_inside_the_accepted_years_is_read(world: World) -> None:
    response = await world.client.get(
        f"/diary/{world.student_id}",
        params={"from": "2999-12-25", "to": "2999-12-31"},
        headers=world.auth("student"),
    )

    assert response.status_code == 200, response.text
    assert response.json()["days"] == []


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml", None]
)
async def test_a_body_that_is_not_declared_as_json_is_refused_with_415(
    world: World, content_type: str | None
) -> None:
    before = await table_counts(world.db)
    headers = world.auth("deputy")
    if content_type is not None:
        headers["Content-Type"] = content_type

    response = await world.client.post(
        "/subjects", content='{"name": "Музыка"}'.encode(), headers=headers
    )

    assert response.status_code == 415, response.text
    assert problem_type(response) == "unsupported-media-type"
    assert await table_counts(world.db) == before


async def test_a_json_body_with_a_charset_or_a_json_suffix_is_accepted(world: World) -> None:
    for content_type, name in (
        ("application/json; charset=utf-8", "Музыка"),
        ("application/merge-patch+json", "ИЗО"),
    ):
        response = await world.client.post(
            "/subjects",
            content=f'{{"name": "{name}"}}'.encode(),
            headers={**world.auth("deputy"), "Content-Type": content_type},
        )
        assert response.status_code == 201, response.text


async def test_a_missing_body_is_a_validation_error(world: World) -> None:
    response = await world.client.post("/subjects", headers=world.auth("deputy"))

    assert response.status_code == 422
    assert problem_type(response) == "validation-error"


async def test_malformed_json_is_a_validation_error_and_writes_nothing(world: World) -> None:
    before = await table_counts(world.db)

    response = await world.client.post(
        "/subjects",
        content='{"name": "Музыка"'.encode(),
        headers={**world.auth("deputy"), "Content-Type": "application/json"},
    )

    assert response.status_code == 422
    assert problem_type(response) == "validation-error"
    assert response.json()["errors"][0]["type"] == "json_invalid"
    assert await table_counts(world.db) == before
