"""Bad input on lessons and what hangs off them: a lesson only on a school day of the
calendar and in a free slot; a mark only for a student in the lesson's class (or group)
on the lesson's date, of an active work type, on a lesson not cancelled. Each refusal is
problem+json and writes nothing."""

import datetime as dt
import uuid
from typing import Any

import httpx
import pytest
from journal_world import MONDAY, World, build_world, problem_type, rows, table_counts
from timetable_samples import A_TUESDAY_IN_Q3, add_entry, open_calendar

from shared.db import Database
from shared.testing import TokenFactory


async def post_lesson(world: World, who: str, **fields: Any) -> httpx.Response:
    body = {"assignment_id": str(world.ids["math_assignment"]), "date": "2026-11-25", **fields}
    return await world.client.post("/lessons", json=body, headers=world.auth(who))


async def post_mark(
    world: World,
    student_id: uuid.UUID,
    lesson_id: uuid.UUID | None = None,
    work_type: str = "answer",
    who: str = "class_teacher",
    **headers: str,
) -> httpx.Response:
    return await world.client.post(
        f"/lessons/{lesson_id or world.math_lesson_id}/marks",
        json={"student_id": str(student_id), "value": 4, "work_type": work_type},
        headers={**world.auth(who), **headers},
    )


async def refused(world: World, request: Any, status: int, problem: str) -> httpx.Response:
    before = await table_counts(world.db)
    response: httpx.Response = await request
    assert response.status_code == status, response.text
    assert problem_type(response) == problem
    assert await table_counts(world.db) == before
    return response


# --- a lesson's date and slot -------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "problem"),
    [
        ("2026-10-28", "holiday"),  # the autumn holidays
        ("2027-02-23", "holiday"),  # a single day off
        ("2026-08-31", "outside-periods"),  # before the year
        ("2027-06-10", "outside-periods"),  # after it
    ],
)
async def test_a_lesson_off_the_school_calendar_is_refused(
    world: World, day: str, problem: str
) -> None:
    await open_calendar(world)

    response = await refused(world, post_lesson(world, "class_teacher", date=day), 422, problem)

    assert response.json()["date"] == day
    assert day in response.json()["detail"]


async def test_a_class_keeping_halves_has_lessons_through_its_half(world: World) -> None:
    await open_calendar(world)
    senior = await world.post("deputy", "/classes", {"name": "10А", "grade": 10})
    assignment = await world.post(
        "deputy",
        "/assignments",
        {
            "teacher_id": str(world.class_teacher),
            "class_id": senior["class_id"],
            "subject_id": str(world.ids["math"]),
        },
    )

    response = await world.client.post(
        "/lessons",
        json={"assignment_id": assignment["assignment_id"], "date": "2026-12-01"},
        headers=world.auth("class_teacher"),
    )

    assert response.status_code == 201, response.text


@pytest.mark.parametrize("day", ["2026-11-25", "2026-08-15"])
async def test_a_school_keeping_no_calendar_yet_records_no_lessons(
    client: httpx.AsyncClient, tokens: TokenFactory, db: Database, day: str
) -> None:
    world = await build_world(client, tokens, db, calendar=False)

    response = await refused(
        world, post_lesson(world, "class_teacher", date=day), 422, "outside-periods"
    )

    assert response.json()["date"] == day
    assert response.json()["detail"] == (
        f"The school has no academic year covering {day}: "
        "enter the year's calendar before its lessons."
    )


# 2027/28 in quarters only (no halves entered for it yet).
QUARTERS_2027: dict[str, Any] = {
    "starts_on": "2027-09-01",
    "ends_on": "2028-05-31",
    "periods": [
        {"kind": "quarter", "number": 1, "starts_on": "2027-09-01", "ends_on": "2027-10-24"},
        {"kind": "quarter", "number": 2, "starts_on": "2027-11-05", "ends_on": "2027-12-28"},
        {"kind": "quarter", "number": 3, "starts_on": "2028-01-11", "ends_on": "2028-03-20"},
        {"kind": "quarter", "number": 4, "starts_on": "2028-03-30", "ends_on": "2028-05-31"},
    ],
    "holidays": [
        {"name": "Осенние каникулы", "starts_on": "2027-10-25", "ends_on": "2027-11-04"},
        {"name": "Зимние каникулы", "starts_on": "2027-12-29", "ends_on": "2028-01-10"},
        {"name": "Весенние каникулы", "starts_on": "2028-03-21", "ends_on": "2028-03-29"},
    ],
}


async def test_a_lesson_between_two_years_is_refused(world: World) -> None:
    # 2026/27 ends on 31 May, 2027/28 starts on 1 September: the summer is in no year.
    await world.post("deputy", "/years", QUARTERS_2027)

    summer = await refused(
        world, post_lesson(world, "class_teacher", date="2027-07-14"), 422, "outside-periods"
    )
    autumn = await post_lesson(world, "class_teacher", date="2027-09-15")

    assert "no academic year covering 2027-07-14" in summer.json()["detail"]
    assert autumn.status_code == 201, autumn.text


async def test_a_lesson_in_a_year_without_its_levels_periods_is_refused(world: World) -> None:
    # 10А keeps halves; 2027/28 has none entered yet.
    await world.post("deputy", "/years", QUARTERS_2027)
    senior = await world.post("deputy", "/classes", {"name": "10А", "grade": 10})
    assignment = await world.post(
        "deputy",
        "/assignments",
        {
            "teacher_id": str(world.class_teacher),
            "class_id": senior["class_id"],
            "subject_id": str(world.ids["math"]),
        },
    )

    response = await refused(
        world,
        post_lesson(
            world, "class_teacher", assignment_id=assignment["assignment_id"], date="2027-11-10"
        ),
        422,
        "outside-periods",
    )

    assert "lies in no quarter or half" in response.json()["detail"]


async def test_a_lesson_of_another_teachers_assignment_is_refused(world: World) -> None:
    await refused(world, post_lesson(world, "teacher"), 403, "forbidden")
    await refused(
        world,
        post_lesson(world, "class_teacher", assignment_id=str(uuid.uuid4())),
        404,
        "not-found",
    )


async def test_a_lesson_in_a_taken_slot_is_refused(world: World) -> None:
    # Monday's lesson 2 is 5А's Russian; lesson 1 the teacher's own mathematics.
    taken = await refused(
        world,
        post_lesson(world, "class_teacher", date=MONDAY.isoformat(), lesson_number=2),
        409,
        "slot-taken",
    )
    assert taken.json()["lesson_id"] == str(world.ids["russian_lesson"])
    await refused(
        world,
        post_lesson(world, "class_teacher", date=MONDAY.isoformat(), lesson_number=1),
        409,
        "slot-taken",
    )


@pytest.mark.parametrize("number", [0, 13, "1", 1.5])
async def test_a_lesson_number_outside_the_day_is_refused(world: World, number: Any) -> None:
    await refused(
        world, post_lesson(world, "class_teacher", lesson_number=number), 422, "validation-error"
    )


# --- marks --------------------------------------------------------------------------------


async def test_a_student_enrolled_after_the_lesson_gets_no_mark_on_it(world: World) -> None:
    newcomer = await world.post(
        "deputy",
        "/students",
        {
            "class_id": str(world.class_id),
            "last_name": "Новиков",
            "first_name": "Пётр",
            "birth_date": "2015-06-01",
            "starts_on": (MONDAY + dt.timedelta(days=1)).isoformat(),
        },
    )
    newcomer_id = uuid.UUID(newcomer["student_id"])

    await refused(world, post_mark(world, newcomer_id), 422, "student-not-in-class")
    tuesday = await post_mark(world, newcomer_id, world.ids["math_lesson_tuesday"])
    assert tuesday.status_code == 201, tuesday.text


async def test_a_student_who_left_before_the_lesson_gets_no_mark_on_it(world: World) -> None:
    left = await world.client.post(
        f"/students/{world.classmate_id}/leave",
        json={"last_day": (MONDAY - dt.timedelta(days=1)).isoformat()},
        headers=world.auth("deputy"),
    )
    assert left.status_code in (200, 201), left.text

    await refused(world, post_mark(world, world.classmate_id), 422, "student-not-in-class")


async def test_a_student_of_another_class_gets_no_mark(world: World) -> None:
    await refused(
        world, post_mark(world, world.ids["parallel_student"]), 422, "student-not-in-class"
    )


async def test_a_deactivated_work_type_takes_no_new_marks(world: World) -> None:
    await world.patch_work_type("homework", {"active": False})

    response = await refused(
        world, post_mark(world, world.student_id, work_type="homework"), 422, "inactive-work-type"
    )
    assert response.json()["work_type"] == "homework"
    await refused(
        world,
        post_mark(world, world.student_id, work_type="homework", **{"Idempotency-Key": "k-1"}),
        422,
        "inactive-work-type",
    )


async def test_a_cancelled_lesson_takes_no_marks_even_with_an_idempotency_key(
    world: World,
) -> None:
    cancelled = await world.client.post(
        f"/lessons/{world.math_lesson_id}/cancel",
        json={"reason": "Карантин", "version": 1},
        headers=world.auth("deputy"),
    )
    assert cancelled.status_code == 200

    await refused(world, post_mark(world, world.student_id), 409, "lesson-cancelled")
    await refused(
        world,
        post_mark(world, world.student_id, **{"Idempotency-Key": "k-2"}),
        409,
        "lesson-cancelled",
    )


async def test_a_group_lesson_takes_marks_and_attendance_of_its_members_only(
    world: World,
) -> None:
    periods = await open_calendar(world)
    made = await world.post("deputy", f"/classes/{world.class_id}/groups", {"name": "Группа 1"})
    group_id = uuid.UUID(made["group_id"])
    await world.post(
        "deputy",
        f"/groups/{group_id}/members",
        {"student_id": str(world.student_id), "starts_on": "2026-09-01"},
    )
    await add_entry(world, "math_assignment", 2, 3, group=group_id)
    generated = await world.client.post(
        "/timetable/generate",
        json={"period_id": str(periods["q3"]), "class_id": str(world.class_id)},
        headers=world.auth("deputy"),
    )
    assert generated.json()["created"] > 0
    [lesson] = [
        r["id"]
        for r in await rows(
            world.db,
            "SELECT id FROM lessons WHERE class_id = :c AND date = :d AND group_id = :g",
            c=world.class_id,
            d=A_TUESDAY_IN_Q3,
            g=group_id,
        )
    ]

    member = await post_mark(world, world.student_id, lesson)
    await refused(world, post_mark(world, world.classmate_id, lesson), 422, "student-not-in-class")
    await refused(
        world,
        world.client.put(
            f"/lessons/{lesson}/attendance/{world.classmate_id}",
            json={"code": "Н"},
            headers=world.auth("class_teacher"),
        ),
        422,
        "student-not-in-class",
    )
    assert member.status_code == 201, member.text
