"""Class levels taught without marks (безотметочное обучение; `unmarked_grades` of the
grading settings, the first grade by default): set by the deputy or the director, checked,
published; journal refuses a mark 1-5 there, one by one and in a page save, and a numeric
final mark, while зч, осв and н/а stay possible and attendance is kept as anywhere."""

import uuid
from typing import Any

import httpx
import pytest
from journal_world import World, count, outbox, problem_type, table_counts
from page_samples import open_second_quarter, save

CHANGED = "journal.grading.changed.v1"
DEFAULTS: dict[str, Any] = {
    "rounding_rule": "from_0_50",
    "min_marks_per_period": 3,
    "late_entry_days": 7,
    "lock_after_days": 14,
    "half_year_grades": [10, 11],
}
NOT_WRITERS = ["sysadmin", "teacher", "class_teacher", "student", "parent"]


async def put_settings(world: World, who: str = "deputy", **changes: Any) -> httpx.Response:
    return await world.client.put(
        "/grading-settings", json={**DEFAULTS, **changes}, headers=world.auth(who)
    )


async def without_marks(world: World) -> None:
    """The world's 5А (grade 5) becomes a class taught without marks."""
    response = await put_settings(world, unmarked_grades=[5, 1])
    assert response.status_code == 200, response.text


# --- the setting -------------------------------------------------------------------------


async def test_the_first_grade_is_taught_without_marks_by_default(world: World) -> None:
    response = await world.client.get("/grading-settings", headers=world.auth("teacher"))

    assert response.status_code == 200
    assert response.json()["unmarked_grades"] == [1]


@pytest.mark.parametrize("who", ["deputy", "director"])
async def test_the_administration_sets_the_levels_and_they_are_published(
    world: World, who: str
) -> None:
    response = await put_settings(world, who, unmarked_grades=[2, 1])

    assert response.status_code == 200, response.text
    assert (response.json()["unmarked_grades"], response.json()["version"]) == ([1, 2], 1)
    read = await world.client.get("/grading-settings", headers=world.auth("parent"))
    assert read.json()["unmarked_grades"] == [1, 2]
    [event] = await outbox(world.db, CHANGED, world.school_id)
    assert event["data"]["unmarked_grades"] == [1, 2]


async def test_levels_left_out_of_a_change_are_kept_and_none_at_all_is_allowed(
    world: World,
) -> None:
    await put_settings(world, unmarked_grades=[1, 2])

    kept = await put_settings(world, min_marks_per_period=4)
    cleared = await put_settings(world, unmarked_grades=[])

    assert (kept.json()["unmarked_grades"], kept.json()["version"]) == ([1, 2], 2)
    assert (cleared.json()["unmarked_grades"], cleared.json()["version"]) == ([], 3)
    events = sorted(await outbox(world.db, CHANGED, world.school_id), key=lambda e: e["version"])
    assert [e["data"]["unmarked_grades"] for e in events] == [[1, 2], [1, 2], []]


async def test_the_same_levels_again_change_nothing(world: World) -> None:
    await put_settings(world, unmarked_grades=[1])  # the defaults: nothing to change

    response = await put_settings(world, unmarked_grades=[1])

    assert response.json()["version"] == 0
    assert await outbox(world.db, CHANGED, world.school_id) == []


@pytest.mark.parametrize(
    ("levels", "loc"),
    [
        ([0], ["body", "unmarked_grades", 0]),
        ([12], ["body", "unmarked_grades", 0]),
        ([1, 1], ["body", "unmarked_grades"]),
        ("1", ["body", "unmarked_grades"]),
        ([1, "first"], ["body", "unmarked_grades", 1]),
        ([*range(1, 12), 1], ["body", "unmarked_grades"]),
    ],
)
async def test_bad_levels_are_refused_with_the_field_named(
    world: World, levels: Any, loc: list[Any]
) -> None:
    before = await table_counts(world.db)

    response = await put_settings(world, unmarked_grades=levels)

    assert response.status_code == 422, response.text
    assert problem_type(response) == "validation-error"
    assert loc in [e["loc"] for e in response.json()["errors"]]
    assert await table_counts(world.db) == before


@pytest.mark.parametrize("who", NOT_WRITERS)
async def test_only_the_deputy_and_the_director_change_them(world: World, who: str) -> None:
    before = await table_counts(world.db)

    response = await put_settings(world, who, unmarked_grades=[1, 2, 3, 4])

    assert response.status_code == 403
    assert problem_type(response) == "forbidden"
    assert await table_counts(world.db) == before


async def test_another_schools_levels_are_its_own(world: World, other: World) -> None:
    # The settings are always the caller's school's (no school in the path to name another).
    await put_settings(other, unmarked_grades=[5])

    mine = await world.client.get("/grading-settings", headers=world.auth("deputy"))
    posted = await world.mark("student", 5)

    assert mine.json()["unmarked_grades"] == [1]
    assert posted["value"] == 5


# --- marks refused -------------------------------------------------------------------------


async def test_a_mark_is_refused_in_a_class_taught_without_marks(world: World) -> None:
    await without_marks(world)
    before = await table_counts(world.db)

    response = await world.client.post(
        f"/lessons/{world.math_lesson_id}/marks",
        json={"student_id": str(world.student_id), "value": 5, "work_type": "answer"},
        headers=world.auth("class_teacher"),
    )

    assert response.status_code == 422, response.text
    assert problem_type(response) == "marks-not-given"
    assert "без отметок" in response.json()["detail"]
    assert await table_counts(world.db) == before


async def test_a_bad_mark_is_still_a_validation_error_first(world: World) -> None:
    await without_marks(world)
    before = await table_counts(world.db)

    response = await world.client.post(
        f"/lessons/{world.math_lesson_id}/marks",
        json={"student_id": str(world.student_id), "value": 6, "work_type": "answer"},
        headers=world.auth("class_teacher"),
    )

    assert response.status_code == 422
    assert problem_type(response) == "validation-error"
    assert await table_counts(world.db) == before


async def test_the_first_grade_refuses_marks_with_no_settings_at_all(world: World) -> None:
    first = uuid.UUID(
        (await world.post("deputy", "/classes", {"name": "1А", "grade": 1}))["class_id"]
    )
    pupil = await world.enroll(first, "Первоклассник")
    assignment = await world.post(
        "deputy",
        "/assignments",
        {
            "teacher_id": str(world.teacher),
            "class_id": str(first),
            "subject_id": str(world.ids["math"]),
        },
    )
    lesson = await world.post(
        "teacher",
        "/lessons",
        {"assignment_id": assignment["assignment_id"], "date": "2026-11-23", "topic": "Счёт"},
    )
    marks_before = await count(world.db, "marks")

    response = await world.client.post(
        f"/lessons/{lesson['lesson_id']}/marks",
        json={"student_id": str(pupil), "value": 4, "work_type": "answer"},
        headers=world.auth("teacher"),
    )
    absent = await world.client.put(
        f"/lessons/{lesson['lesson_id']}/attendance/{pupil}",
        json={"code": "Б", "version": 0},
        headers=world.auth("teacher"),
    )

    assert response.status_code == 422, response.text
    assert problem_type(response) == "marks-not-given"
    assert await count(world.db, "marks") == marks_before
    assert absent.status_code == 200, absent.text  # attendance is kept as anywhere


async def test_a_page_save_with_a_new_mark_is_refused_whole(world: World) -> None:
    await without_marks(world)
    _, quarter = await open_second_quarter(world)
    before = await table_counts(world.db)

    response = await save(
        world,
        quarter,
        [
            {
                "op": "set_attendance",
                "lesson_id": str(world.math_lesson_id),
                "student_id": str(world.classmate_id),
                "code": "Н",
                "version": 0,
            },
            {
                "op": "add_mark",
                "lesson_id": str(world.math_lesson_id),
                "student_id": str(world.student_id),
                "value": 5,
                "work_type": "answer",
            },
        ],
    )

    assert response.status_code == 422, response.text
    assert problem_type(response) == "invalid-changes"
    [refused] = response.json()["refused"]
    assert (refused["index"], refused["type"]) == (1, "marks-not-given")
    assert await table_counts(world.db) == before


async def test_a_page_save_of_attendance_alone_is_kept(world: World) -> None:
    await without_marks(world)
    _, quarter = await open_second_quarter(world)

    response = await save(
        world,
        quarter,
        [
            {
                "op": "set_attendance",
                "lesson_id": str(world.math_lesson_id),
                "student_id": str(world.classmate_id),
                "code": "Н",
                "version": 0,
            }
        ],
    )

    assert response.status_code == 200, response.text


# --- final marks ---------------------------------------------------------------------------


def finals_path(world: World, quarter: uuid.UUID) -> str:
    return f"/assignments/{world.ids['russian_assignment']}/periods/{quarter}/finals"


async def test_a_numeric_final_mark_is_refused_and_the_others_are_given(world: World) -> None:
    await without_marks(world)
    _, quarter = await open_second_quarter(world)
    path = finals_path(world, quarter)
    before = await table_counts(world.db)

    refused = await world.client.put(
        f"{path}/{world.student_id}", json={"value": 5}, headers=world.auth("teacher")
    )
    assert refused.status_code == 422, refused.text
    assert problem_type(refused) == "marks-not-given"
    assert await table_counts(world.db) == before

    for value in ("зч", "осв", "н/а"):
        given = await world.client.put(
            f"{path}/{world.classmate_id}",
            json={
                "value": value,
                "reason": "итог",
                "version": {"зч": 0, "осв": 1, "н/а": 2}[value],
            },
            headers=world.auth("teacher"),
        )
        assert given.status_code == 200, given.text
        assert given.json()["value"] == value


async def test_the_whole_column_names_every_numeric_entry(world: World) -> None:
    await without_marks(world)
    _, quarter = await open_second_quarter(world)
    before = await table_counts(world.db)

    response = await world.client.put(
        finals_path(world, quarter),
        json={
            "items": [
                {"student_id": str(world.student_id), "value": "зч"},
                {"student_id": str(world.classmate_id), "value": 4},
            ]
        },
        headers=world.auth("teacher"),
    )

    assert response.status_code == 422, response.text
    assert problem_type(response) == "invalid-final-marks"
    [error] = response.json()["errors"]
    assert (error["loc"], error["type"]) == (["body", "items", 1], "marks-not-given")
    assert error["student_id"] == str(world.classmate_id)
    assert await table_counts(world.db) == before


async def test_numeric_final_marks_are_given_where_marks_are(world: World) -> None:
    _, quarter = await open_second_quarter(world)

    response = await world.client.put(
        f"{finals_path(world, quarter)}/{world.student_id}",
        json={"value": 5},
        headers=world.auth("teacher"),
    )

    assert response.status_code == 200, response.text
