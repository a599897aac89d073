"""Every dated write of the journal is refused inside a closed period (409 `period-closed`,
nothing written), for everyone, the deputy included, and accepted again once the deputy
reopens the period: posting a mark, correcting and removing it, setting and clearing
attendance, creating a lesson. Which period holds a day depends on the class: its grade
uses quarters or halves (the school's `half_year_grades`)."""

import asyncio
import uuid
from typing import Any

import httpx
import pytest
from journal_world import MONDAY, World, problem_type, rows, table_counts
from period_closing import close, closed, open_year, period_id, reopen
from sqlalchemy import text

from journal.calendar import closing

QUARTER_CLOSED = "Период «2 четверть» закрыт: изменения не принимаются."


async def post_mark(
    world: World, lesson: uuid.UUID | None = None, student: uuid.UUID | None = None, **headers: str
) -> httpx.Response:
    return await world.client.post(
        f"/lessons/{lesson or world.math_lesson_id}/marks",
        json={"student_id": str(student or world.student_id), "value": 5, "work_type": "answer"},
        headers={**world.auth("class_teacher"), **headers},
    )


async def patch_mark(world: World, mark: dict[str, Any], who: str) -> httpx.Response:
    return await world.client.patch(
        f"/marks/{mark['mark_id']}",
        json={"value": 3, "reason": "Пересчёт", "version": mark["version"]},
        headers=world.auth(who),
    )


async def remove_mark(world: World, mark: dict[str, Any], who: str) -> httpx.Response:
    return await world.client.request(
        "DELETE",
        f"/marks/{mark['mark_id']}",
        json={"reason": "Ошибка", "version": mark["version"]},
        headers=world.auth(who),
    )


def cell_path(world: World) -> str:
    return f"/lessons/{world.math_lesson_id}/attendance/{world.student_id}"


async def set_attendance(world: World, who: str, body: dict[str, Any]) -> httpx.Response:
    return await world.client.put(cell_path(world), json=body, headers=world.auth(who))


async def clear_attendance(world: World, who: str, version: int) -> httpx.Response:
    return await world.client.request(
        "DELETE",
        cell_path(world),
        json={"reason": "Был на уроке", "version": version},
        headers=world.auth(who),
    )


async def create_lesson(world: World, day: str, assignment: str = "math_assignment") -> Any:
    return await world.client.post(
        "/lessons",
        json={"assignment_id": str(world.ids[assignment]), "date": day, "topic": "Повторение"},
        headers=world.auth("class_teacher"),
    )


def assert_closed(response: httpx.Response, detail: str = QUARTER_CLOSED) -> None:
    assert response.status_code == 409, response.text
    assert problem_type(response) == "period-closed"
    assert response.json()["detail"] == detail


async def test_no_mark_is_posted_in_a_closed_quarter(world: World) -> None:
    quarter = await closed(world)
    before = await table_counts(world.db)

    response = await post_mark(world)

    assert_closed(response)
    assert response.json()["title"] == "Период закрыт"
    assert (response.json()["period_id"], response.json()["number"]) == (str(quarter), 2)
    assert await table_counts(world.db) == before


async def test_a_refused_post_stores_no_idempotency_key(world: World) -> None:
    quarter = await closed(world)
    before = await table_counts(world.db)

    refused = await post_mark(world, **{"Idempotency-Key": "q2-mark"})
    assert_closed(refused)
    assert await table_counts(world.db) == before

    await reopen(world, quarter)
    accepted = await post_mark(world, **{"Idempotency-Key": "q2-mark"})
    assert accepted.status_code == 201, accepted.text
    assert "Idempotent-Replayed" not in accepted.headers


@pytest.mark.parametrize("who", ["class_teacher", "deputy"])
async def test_no_mark_is_corrected_or_removed_in_a_closed_quarter(world: World, who: str) -> None:
    mark = await world.mark("student", 4)
    await closed(world)
    before = await table_counts(world.db)

    assert_closed(await patch_mark(world, mark, who))
    assert_closed(await remove_mark(world, mark, who))
    assert await table_counts(world.db) == before


@pytest.mark.parametrize("who", ["class_teacher", "deputy"])
async def test_no_attendance_is_set_or_cleared_in_a_closed_quarter(world: World, who: str) -> None:
    assert (await set_attendance(world, "class_teacher", {"code": "Н"})).status_code == 200
    await closed(world)
    before = await table_counts(world.db)

    assert_closed(
        await set_attendance(world, who, {"code": "Б", "reason": "Справка", "version": 1})
    )
    assert_closed(await clear_attendance(world, who, 1))
    assert await table_counts(world.db) == before


async def test_no_lesson_is_created_in_a_closed_quarter(world: World) -> None:
    await closed(world)
    before = await table_counts(world.db)

    response = await create_lesson(world, "2026-12-01")

    assert_closed(response)
    assert await table_counts(world.db) == before
    # The next quarter is open.
    assert (await create_lesson(world, "2027-01-15")).status_code == 201


async def test_everything_is_accepted_again_after_the_deputy_reopens(world: World) -> None:
    mark = await world.mark("student", 4)
    quarter = await closed(world)
    assert_closed(await post_mark(world))

    reopened = await reopen(world, quarter)
    assert reopened.status_code == 200, reopened.text

    assert (await post_mark(world)).status_code == 201
    changed = await patch_mark(world, mark, "class_teacher")
    assert changed.status_code == 200, changed.text
    assert (await remove_mark(world, changed.json(), "deputy")).status_code == 200
    assert (await set_attendance(world, "class_teacher", {"code": "Н"})).status_code == 200
    assert (await clear_attendance(world, "class_teacher", 1)).status_code == 200
    assert (await create_lesson(world, "2026-12-01")).status_code == 201


async def class_in_grade(world: World, name: str, grade: int) -> tuple[uuid.UUID, uuid.UUID]:
    """A class of the grade, taught mathematics by the class teacher, with a student and a
    lesson on Monday: (lesson, student)."""
    class_id = uuid.UUID(
        (await world.post("deputy", "/classes", {"name": name, "grade": grade}))["class_id"]
    )
    assignment = await world.post(
        "deputy",
        "/assignments",
        {
            "teacher_id": str(world.class_teacher),
            "class_id": str(class_id),
            "subject_id": str(world.ids["math"]),
        },
    )
    student = await world.enroll(class_id, "Егоров")
    lesson = await world.post(
        "class_teacher",
        "/lessons",
        {"assignment_id": assignment["assignment_id"], "date": MONDAY.isoformat()},
    )
    return uuid.UUID(lesson["lesson_id"]), student


async def test_a_grade_with_halves_follows_its_half_not_the_quarter(world: World) -> None:
    year = await open_year(world)
    tenth_lesson, tenth_student = await class_in_grade(world, "10А", 10)
    await close(world, period_id(year, "quarter", 2))

    assert_closed(await post_mark(world))  # 5А: quarters
    assert (await post_mark(world, tenth_lesson, tenth_student)).status_code == 201  # 10А: halves

    await close(world, period_id(year, "half", 1))
    before = await table_counts(world.db)
    assert_closed(
        await post_mark(world, tenth_lesson, tenth_student),
        "Период «1 полугодие» закрыт: изменения не принимаются.",
    )
    assert await table_counts(world.db) == before


async def test_the_schools_setting_decides_which_grades_have_halves(world: World) -> None:
    await closed(world)  # the 2nd quarter
    settings = {
        "rounding_rule": "from_0_50",
        "min_marks_per_period": 3,
        "late_entry_days": 7,
        "lock_after_days": 14,
        "half_year_grades": [5, 10, 11],
    }
    changed = await world.client.put(
        "/grading-settings", json=settings, headers=world.auth("deputy")
    )
    assert changed.status_code == 200, changed.text

    # 5А now keeps halves, and its 1st half is open.
    assert (await post_mark(world)).status_code == 201


async def test_nothing_is_written_in_a_closed_year(world: World) -> None:
    year = await open_year(world)
    mark = await world.mark("student", 4)
    # Closing the year is year-end's work; here its columns are set as it will set them.
    await rows(
        world.db,
        "UPDATE academic_years SET closed_at = now(), closed_by = :who WHERE id = :year"
        " RETURNING id",
        who=world.deputy,
        year=year["year_id"],
    )
    before = await table_counts(world.db)
    detail = "Учебный год 2026/27 закрыт: изменения не принимаются."

    assert_closed(await post_mark(world), detail)
    assert_closed(await patch_mark(world, mark, "deputy"), detail)
    assert_closed(await set_attendance(world, "class_teacher", {"code": "Н"}), detail)
    assert_closed(await create_lesson(world, "2027-02-01"), detail)
    assert await table_counts(world.db) == before


async def test_days_outside_every_closed_period_stay_open(world: World) -> None:
    await closed(world)

    # Winter holidays lie between the 2nd and the 3rd quarter, and no year holds June
    # 2027: nothing closed there. (Lessons are refused on those days all the same, by the
    # calendar's own rule, journal.lessons.service.require_school_day, not as closed.)
    holiday = await create_lesson(world, "2026-12-30")
    after_the_year = await create_lesson(world, "2027-06-15")
    assert [problem_type(r) for r in (holiday, after_the_year)] == ["holiday", "outside-periods"]


async def test_a_closing_waits_for_a_write_in_flight_and_the_next_write_sees_it(
    committed_world: World,
) -> None:
    world = committed_world
    quarter = period_id(await open_year(world), "quarter", 2)

    async with world.db.transaction() as writing:
        # A write passed the guard and has not committed yet.
        await closing.require_open(writing, world.school_id, world.class_id, MONDAY)
        closing_task = asyncio.create_task(close(world, quarter))
        await wait_for_a_waiting_closing(world)
        assert not closing_task.done()

    response = await closing_task
    assert response.status_code == 200, response.text
    assert_closed(await post_mark(world))


async def wait_for_a_waiting_closing(world: World) -> None:
    """Until a transaction waits for the school's closing lock."""
    for _ in range(500):
        found = await world.db.engine.connect()
        try:
            waiting = await found.scalar(
                text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                    " AND NOT granted AND classid = :lock_class"
                    " AND objid = hashtext(CAST(CAST(:school AS uuid) AS text))::oid"
                ),
                {"lock_class": closing.LOCK_CLASS, "school": world.school_id},
            )
        finally:
            await found.close()
        if waiting:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the closing never waited for the write in flight")


async def test_the_guard_answers_the_same_through_python_and_through_sql(world: World) -> None:
    """What later dated writes call: `closed_on`/`require_open` in an ORM transaction, or
    `journal_require_open` inside a statement, whose error `refusal` turns into the 409."""
    from sqlalchemy.exc import DBAPIError

    from shared.errors import Problem

    quarter = await closed(world)
    async with world.db.transaction() as session:
        found = await closing.closed_on(session, world.school_id, world.class_id, MONDAY)
        assert found == closing.Closed("period", quarter, kind="quarter", number=2)
        assert (
            await closing.closed_on(
                session, world.school_id, world.class_id, MONDAY.replace(month=10)
            )
            is None
        )  # 19 October: the 1st quarter is open
        with pytest.raises(Problem) as refused:
            await closing.require_open(session, world.school_id, world.class_id, MONDAY)
    assert (refused.value.status, refused.value.detail) == (409, QUARTER_CLOSED)

    with pytest.raises(DBAPIError) as failed:
        async with world.db.transaction() as session:
            await session.execute(
                text(
                    "SELECT journal_require_open(CAST(:school AS uuid), CAST(:class AS uuid),"
                    " CAST(:day AS date), CAST(:grades AS smallint[]))"
                ),
                {
                    "school": world.school_id,
                    "class": world.class_id,
                    "day": MONDAY,
                    "grades": closing.half_grades(),
                },
            )
    problem = closing.refusal(failed.value)
    assert problem is not None
    assert (problem.slug, problem.detail) == ("period-closed", QUARTER_CLOSED)
    assert closing.refusal(ValueError("unrelated")) is None
