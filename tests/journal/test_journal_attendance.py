"""Attendance of one student on one lesson (PUT, DELETE /lessons/{id}/attendance/{student},
its history), AttendanceMarked and AttendanceCleared, the lock period, who may write, and
the diary showing it."""

import datetime as dt
import uuid
from typing import Any

import httpx
import pytest
from journal_world import MONDAY, World, outbox, problem_type, rows, table_counts
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

MARKED = "journal.attendance.marked.v1"
CLEARED = "journal.attendance.cleared.v1"


def cell_path(world: World, lesson: str = "math_lesson", student: str = "student") -> str:
    return f"/lessons/{world.ids[lesson]}/attendance/{world.ids[student]}"


async def put(
    world: World, who: str, body: dict[str, Any], path: str | None = None, **headers: str
) -> httpx.Response:
    return await world.client.put(
        path or cell_path(world), json=body, headers={**world.auth(who), **headers}
    )


async def clear(
    world: World, who: str, body: dict[str, Any], path: str | None = None, **headers: str
) -> httpx.Response:
    return await world.client.request(
        "DELETE", path or cell_path(world), json=body, headers={**world.auth(who), **headers}
    )


async def history(world: World) -> list[dict[str, Any]]:
    return await rows(
        world.db,
        "SELECT version, changed_by, old_code, new_code, reason FROM attendance_history"
        " WHERE lesson_id = :lesson AND student_id = :student ORDER BY version",
        lesson=world.math_lesson_id,
        student=world.student_id,
    )


async def diary_lesson(world: World, who: str = "parent") -> dict[str, Any]:
    diary = await world.client.get(
        f"/diary/{world.student_id}", params={"from": MONDAY.isoformat()}, headers=world.auth(who)
    )
    assert diary.status_code == 200, diary.text
    [monday] = [day for day in diary.json()["days"] if day["date"] == MONDAY.isoformat()]
    [maths] = [
        lesson for lesson in monday["lessons"] if lesson["lesson_id"] == str(world.math_lesson_id)
    ]
    return maths


async def test_the_lessons_teacher_marks_a_student_absent(world: World) -> None:
    response = await put(world, "class_teacher", {"code": "Б"})

    assert response.status_code == 200, response.text
    body = response.json()
    assert body == {
        "lesson_id": str(world.math_lesson_id),
        "student_id": str(world.student_id),
        "code": "Б",
        "marked_by": str(world.class_teacher),
        "marked_at": body["marked_at"],
        "version": 1,
    }
    assert await history(world) == [
        {
            "version": 1,
            "changed_by": world.class_teacher,
            "old_code": None,
            "new_code": "Б",
            "reason": "marked",
        }
    ]


async def test_a_mark_publishes_attendance_marked(world: World) -> None:
    await put(world, "class_teacher", {"code": "Н"})

    [event] = await outbox(world.db, MARKED, world.school_id)
    assert event["version"] == 1
    assert event["subject"] == f"attendance/{world.math_lesson_id}:{world.student_id}"
    assert event["data"] == {
        "lesson_id": str(world.math_lesson_id),
        "lesson_date": MONDAY.isoformat(),
        "student_id": str(world.student_id),
        "class_id": str(world.class_id),
        "subject_id": str(world.ids["math"]),
        "subject_name": "Математика",
        "teacher_id": str(world.class_teacher),
        "code": "Н",
        "old_code": None,
    }


async def test_change_clear_and_set_again_each_make_a_version_and_a_history_row(
    world: World,
) -> None:
    assert (await put(world, "class_teacher", {"code": "Н"})).status_code == 200
    changed = await put(world, "class_teacher", {"code": "П", "reason": "Справка", "version": 1})
    cleared = await clear(
        world, "class_teacher", {"reason": "Пришёл ко второй половине"}, **{"If-Match": "2"}
    )
    again = await put(world, "class_teacher", {"code": "ОП", "version": 3})

    assert [r.status_code for r in (changed, cleared, again)] == [200, 200, 200]
    assert [r.json()["version"] for r in (changed, cleared, again)] == [2, 3, 4]
    assert cleared.json()["code"] is None
    assert await history(world) == [
        {
            "version": 1,
            "changed_by": world.class_teacher,
            "old_code": None,
            "new_code": "Н",
            "reason": "marked",
        },
        {
            "version": 2,
            "changed_by": world.class_teacher,
            "old_code": "Н",
            "new_code": "П",
            "reason": "Справка",
        },
        {
            "version": 3,
            "changed_by": world.class_teacher,
            "old_code": "П",
            "new_code": None,
            "reason": "Пришёл ко второй половине",
        },
        {
            "version": 4,
            "changed_by": world.class_teacher,
            "old_code": None,
            "new_code": "ОП",
            "reason": "marked",
        },
    ]
    [cleared_event] = await outbox(world.db, CLEARED, world.school_id)
    assert (cleared_event["version"], cleared_event["data"]["old_code"]) == (3, "П")
    assert sorted(e["version"] for e in await outbox(world.db, MARKED, world.school_id)) == [
        1,
        2,
        4,
    ]


async def test_the_diary_shows_each_lessons_attendance(world: World) -> None:
    assert (await diary_lesson(world))["attendance"] is None

    await put(world, "class_teacher", {"code": "Б"})
    assert (await diary_lesson(world))["attendance"] == "Б"
    assert (await diary_lesson(world, "student"))["attendance"] == "Б"

    await clear(world, "class_teacher", {"reason": "Ошибка", "version": 1})
    assert (await diary_lesson(world))["attendance"] is None


async def test_another_students_attendance_is_not_in_the_diary(world: World) -> None:
    await put(world, "class_teacher", {"code": "Н"}, cell_path(world, student="classmate"))

    assert (await diary_lesson(world))["attendance"] is None


async def test_a_change_needs_a_reason(world: World) -> None:
    await put(world, "class_teacher", {"code": "Н"})
    before = await table_counts(world.db)

    response = await put(world, "class_teacher", {"code": "Б", "version": 1})

    assert response.status_code == 422
    assert problem_type(response) == "reason-required"
    assert await table_counts(world.db) == before


async def test_a_stale_version_is_refused_with_the_current_cell(world: World) -> None:
    await put(world, "class_teacher", {"code": "Н"})
    before = await table_counts(world.db)

    first_again = await put(world, "deputy", {"code": "Б"})
    stale_clear = await clear(world, "class_teacher", {"reason": "Ошибка", "version": 2})

    for response in (first_again, stale_clear):
        assert response.status_code == 409
        assert problem_type(response) == "stale-version"
        assert response.json()["current"] == {
            "lesson_id": str(world.math_lesson_id),
            "student_id": str(world.student_id),
            "code": "Н",
            "version": 1,
        }
    assert await table_counts(world.db) == before


async def test_clearing_needs_a_version(world: World) -> None:
    await put(world, "class_teacher", {"code": "Н"})

    response = await clear(world, "class_teacher", {"reason": "Ошибка"})

    assert response.status_code == 428


async def test_a_cell_never_marked_cannot_be_cleared(world: World) -> None:
    before = await table_counts(world.db)

    response = await clear(world, "class_teacher", {"reason": "Ошибка", "version": 0})

    assert response.status_code == 409
    assert await table_counts(world.db) == before


async def test_a_student_not_in_the_lessons_class_is_refused(world: World, other: World) -> None:
    before = await table_counts(world.db)

    for student in (world.ids["parallel_student"], other.student_id, uuid.uuid4()):
        path = f"/lessons/{world.math_lesson_id}/attendance/{student}"
        response = await put(world, "class_teacher", {"code": "Н"}, path)
        assert response.status_code == 422
        assert problem_type(response) == "student-not-in-class"
    assert await table_counts(world.db) == before


async def test_after_the_lock_the_teacher_is_refused_and_the_deputy_writes(world: World) -> None:
    lesson = await world.post(
        "class_teacher",
        "/lessons",
        {
            "assignment_id": str(world.ids["math_assignment"]),
            "date": (await world.school_day_ago(30)).isoformat(),
            "topic": "Повторение",
        },
    )
    world.ids["old_lesson"] = uuid.UUID(lesson["lesson_id"])
    path = cell_path(world, lesson="old_lesson")
    before = await table_counts(world.db)

    refused = await put(world, "class_teacher", {"code": "Н"}, path)

    assert refused.status_code == 403
    assert problem_type(refused) == "journal-locked"
    assert await table_counts(world.db) == before
    allowed = await put(world, "deputy", {"code": "П", "reason": "Справка принесена позже"}, path)
    assert allowed.status_code == 200, allowed.text
    assert allowed.json()["marked_by"] == str(world.deputy)


@pytest.mark.parametrize(
    "who", ["teacher", "outsider", "director", "sysadmin", "student", "parent"]
)
async def test_others_may_not_write_attendance(world: World, who: str) -> None:
    await put(world, "class_teacher", {"code": "Н"}, cell_path(world, student="classmate"))
    before = await table_counts(world.db)

    marked = await put(world, who, {"code": "Н"})
    cleared = await clear(
        world, who, {"reason": "Ошибка", "version": 1}, cell_path(world, student="classmate")
    )

    assert (marked.status_code, cleared.status_code) == (403, 403)
    assert await table_counts(world.db) == before


async def test_another_schools_lesson_is_not_found(world: World, other: World) -> None:
    for lesson in (other.math_lesson_id, uuid.uuid4()):
        path = f"/lessons/{lesson}/attendance/{other.student_id}"
        marked = await put(world, "deputy", {"code": "Н"}, path)
        cleared = await clear(world, "deputy", {"reason": "Ошибка", "version": 1}, path)
        read = await world.client.get(f"{path}/history", headers=world.auth("deputy"))
        assert (marked.status_code, cleared.status_code, read.status_code) == (404, 404, 404)


async def test_attendance_needs_a_token(world: World) -> None:
    path = cell_path(world)
    responses = [
        await world.client.put(path, json={"code": "Н"}),
        await world.client.request("DELETE", path, json={"reason": "x", "version": 1}),
        await world.client.get(f"{path}/history"),
    ]

    assert [r.status_code for r in responses] == [401, 401, 401]


@pytest.mark.parametrize(
    "body",
    [
        {"code": "X"},
        {"code": "н"},
        {"code": None},
        {},
        {"code": "Н", "version": -1},
        {"code": "Н", "version": "0"},
        {"code": "Н", "reason": ""},
        {"code": "Н", "reason": "\x00"},
        {"code": "Н", "present": True},
    ],
)
async def test_bad_attendance_is_refused_and_nothing_is_written(
    world: World, body: dict[str, Any]
) -> None:
    before = await table_counts(world.db)

    response = await put(world, "class_teacher", body)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert await table_counts(world.db) == before


async def test_setting_the_same_code_again_is_refused(world: World) -> None:
    await put(world, "class_teacher", {"code": "Н"})

    response = await put(world, "class_teacher", {"code": "Н", "reason": "Ещё раз", "version": 1})

    assert response.status_code == 422
    assert problem_type(response) == "nothing-changed"


async def test_a_repeated_idempotency_key_replays_the_mark(world: World) -> None:
    first = await put(world, "class_teacher", {"code": "Б"}, **{"Idempotency-Key": "absent-1"})
    again = await put(world, "class_teacher", {"code": "Б"}, **{"Idempotency-Key": "absent-1"})

    assert (first.status_code, again.status_code) == (200, 200)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert len(await history(world)) == 1
    assert len(await outbox(world.db, MARKED, world.school_id)) == 1


@pytest.mark.parametrize("who", ["deputy", "director"])
async def test_the_administration_reads_a_cells_history(world: World, who: str) -> None:
    await put(world, "class_teacher", {"code": "Н"})
    await put(world, "class_teacher", {"code": "Б", "reason": "Справка", "version": 1})

    response = await world.client.get(f"{cell_path(world)}/history", headers=world.auth(who))

    assert response.status_code == 200, response.text
    assert [
        (c["version"], c["old_code"], c["new_code"], c["reason"])
        for c in response.json()["changes"]
    ] == [
        (1, None, "Н", "marked"),
        (2, "Н", "Б", "Справка"),
    ]


@pytest.mark.parametrize("who", ["class_teacher", "teacher", "sysadmin", "student", "parent"])
async def test_others_may_not_read_a_cells_history(world: World, who: str) -> None:
    await put(world, "class_teacher", {"code": "Н"})

    response = await world.client.get(f"{cell_path(world)}/history", headers=world.auth(who))

    assert response.status_code == 403


async def test_a_cell_never_marked_has_no_history(world: World) -> None:
    response = await world.client.get(f"{cell_path(world)}/history", headers=world.auth("deputy"))

    assert response.status_code == 404


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE attendance_history SET new_code = 'П'",
        "DELETE FROM attendance_history",
        "TRUNCATE attendance_history",
    ],
)
async def test_the_attendance_history_is_append_only(world: World, statement: str) -> None:
    await put(world, "class_teacher", {"code": "Н"})

    with pytest.raises(DBAPIError, match="append-only"):
        async with world.db.transaction() as session:
            await session.execute(text(statement))
    assert len(await history(world)) == 1


async def test_a_student_who_joined_the_class_after_the_lesson_is_refused(world: World) -> None:
    newcomer = await world.post(
        "deputy",
        "/students",
        {
            "class_id": str(world.class_id),
            "last_name": "Новиков",
            "first_name": "Пётр",
            "birth_date": "2015-05-01",
            "starts_on": (MONDAY + dt.timedelta(days=1)).isoformat(),
        },
    )
    before = await table_counts(world.db)

    response = await put(
        world,
        "class_teacher",
        {"code": "Н"},
        f"/lessons/{world.math_lesson_id}/attendance/{newcomer['student_id']}",
    )

    assert response.status_code == 422
    assert problem_type(response) == "student-not-in-class"
    assert await table_counts(world.db) == before
