"""Changes of one dated lesson: filling it (PATCH /lessons/{id}), cancelling, moving and
substituting it (the administration's), each on the lesson's version, with its history
(GET /lessons/{id}/history) and events whose version increases.

During a substitution the substitute is the lesson's teacher: they fill it, mark and take
attendance exactly as the assignment's teacher would, and the assignment's teacher may
not write that lesson until the substitution ends (one lesson, one teacher answering for
it; the deputy still corrects anything)."""

import datetime as dt
import uuid
from typing import Any

import httpx
import pytest
from journal_world import MONDAY, TUESDAY, World, outbox, problem_type, rows, table_counts
from timetable_samples import open_calendar

WEDNESDAY = MONDAY + dt.timedelta(days=2)


def lesson_path(world: World, lesson: str = "math_lesson") -> str:
    return f"/lessons/{world.ids[lesson]}"


async def change(
    world: World, who: str, action: str, body: dict[str, Any], lesson: str = "math_lesson"
) -> httpx.Response:
    method = "PUT" if action == "substitute" else "POST"
    return await world.client.request(
        method, f"{lesson_path(world, lesson)}/{action}", json=body, headers=world.auth(who)
    )


async def fill(
    world: World, who: str, body: dict[str, Any], lesson: str = "math_lesson"
) -> httpx.Response:
    return await world.client.patch(lesson_path(world, lesson), json=body, headers=world.auth(who))


async def mark(world: World, who: str, lesson: str = "math_lesson") -> httpx.Response:
    return await world.client.post(
        f"{lesson_path(world, lesson)}/marks",
        json={"student_id": str(world.student_id), "value": 5, "work_type": "answer"},
        headers=world.auth(who),
    )


async def attend(world: World, who: str, lesson: str = "math_lesson") -> httpx.Response:
    return await world.client.put(
        f"{lesson_path(world, lesson)}/attendance/{world.student_id}",
        json={"code": "Н"},
        headers=world.auth(who),
    )


async def lesson_events(world: World, lesson: str = "math_lesson") -> list[tuple[str, int]]:
    found = await rows(
        world.db,
        "SELECT routing_key, (envelope->>'version')::int AS version FROM outbox"
        " WHERE envelope->>'subject' = :subject ORDER BY (envelope->>'version')::int",
        subject=f"lesson/{world.ids[lesson]}",
    )
    return [(r["routing_key"], r["version"]) for r in found]


async def assign(world: World, teacher: uuid.UUID, class_name: str, subject: str) -> uuid.UUID:
    made = await world.post(
        "deputy",
        "/assignments",
        {
            "teacher_id": str(teacher),
            "class_id": str(world.ids[class_name]),
            "subject_id": str(world.ids[subject]),
        },
    )
    return uuid.UUID(made["assignment_id"])


async def lesson_of(
    world: World, who: str, assignment: uuid.UUID, day: dt.date, number: int
) -> uuid.UUID:
    made = await world.post(
        who,
        "/lessons",
        {"assignment_id": str(assignment), "date": day.isoformat(), "lesson_number": number},
    )
    return uuid.UUID(made["lesson_id"])


# --- filling ------------------------------------------------------------------------------


async def test_the_teacher_fills_the_topic_on_the_lessons_version(
    world: World,
) -> None:
    response = await fill(world, "class_teacher", {"topic": "Сравнение дробей", "version": 1})

    assert response.status_code == 200, response.text
    assert response.json()["topic"] == "Сравнение дробей"
    assert response.json()["version"] == 2
    assert await lesson_events(world) == [
        ("journal.lesson.scheduled.v1", 1),
        ("journal.lesson.topic_set.v1", 2),
    ]


async def test_a_stale_fill_is_refused_with_the_current_lesson(world: World) -> None:
    await fill(world, "class_teacher", {"topic": "Сравнение дробей", "version": 1})
    before = await table_counts(world.db)

    stale = await world.client.patch(
        lesson_path(world),
        json={"topic": "Другая тема"},
        headers={**world.auth("class_teacher"), "If-Match": '"1"'},
    )
    missing = await fill(world, "class_teacher", {"topic": "Другая тема"})

    assert stale.status_code == 409 and problem_type(stale) == "stale-version"
    assert stale.json()["current"]["topic"] == "Сравнение дробей"
    assert stale.json()["current"]["version"] == 2
    assert missing.status_code == 428
    assert await table_counts(world.db) == before


@pytest.mark.parametrize("who", ["teacher", "outsider", "director", "student", "parent"])
async def test_only_the_lessons_teacher_fills_it(world: World, who: str) -> None:
    response = await fill(world, who, {"topic": "Чужое", "version": 1})

    assert response.status_code == 403


# --- cancelling ---------------------------------------------------------------------------


async def test_the_deputy_cancels_a_lesson_which_stays_shown_as_cancelled(world: World) -> None:
    response = await world.client.post(
        f"{lesson_path(world)}/cancel",
        json={"reason": "Учитель на курсах"},
        headers={**world.auth("deputy"), "If-Match": "1"},
    )

    assert response.status_code == 200, response.text
    assert response.json()["cancelled"] is True
    assert response.json()["cancel_reason"] == "Учитель на курсах"
    assert response.json()["version"] == 2
    diary = await world.client.get(
        f"/diary/{world.student_id}",
        params={"from": MONDAY.isoformat()},
        headers=world.auth("parent"),
    )
    [monday] = [d for d in diary.json()["days"] if d["date"] == MONDAY.isoformat()]
    assert [(lesson["lesson_id"], lesson["cancelled"]) for lesson in monday["lessons"]] == [
        (str(world.math_lesson_id), True),
        (str(world.ids["russian_lesson"]), False),
    ]
    [event] = await outbox(world.db, "journal.lesson.cancelled.v1", world.school_id)
    assert event["version"] == 2 and event["data"]["cancelled"] is True
    assert "reason" not in event["data"] and "cancel_reason" not in event["data"]


async def test_a_cancelled_lesson_takes_no_marks_attendance_or_topic(world: World) -> None:
    await change(world, "deputy", "cancel", {"reason": "Карантин", "version": 1})
    before = await table_counts(world.db)

    responses = [
        await mark(world, "class_teacher"),
        await attend(world, "class_teacher"),
        await fill(world, "class_teacher", {"topic": "Дроби", "version": 2}),
        await change(world, "deputy", "cancel", {"reason": "Ещё раз", "version": 2}),
    ]

    assert [r.status_code for r in responses] == [409, 409, 409, 409]
    assert {problem_type(r) for r in responses} == {"lesson-cancelled"}
    assert await table_counts(world.db) == before


async def test_a_lesson_with_marks_was_held_and_is_not_cancelled_or_moved(world: World) -> None:
    await open_calendar(world)
    assert (await mark(world, "class_teacher")).status_code == 201
    before = await table_counts(world.db)

    cancel = await change(world, "deputy", "cancel", {"reason": "Ошибка", "version": 1})
    move = await change(world, "deputy", "move", {"date": WEDNESDAY.isoformat(), "version": 1})

    assert [problem_type(r) for r in (cancel, move)] == ["lesson-has-entries"] * 2
    assert await table_counts(world.db) == before


@pytest.mark.parametrize(
    "body",
    [
        {"version": 1},
        {"reason": "", "version": 1},
        {"reason": "x" * 1001, "version": 1},
        {"reason": "Болезнь\x00", "version": 1},
    ],
    ids=["no-reason", "empty", "too-long", "nul"],
)
async def test_a_cancellation_needs_a_reason(world: World, body: dict[str, Any]) -> None:
    before = await table_counts(world.db)

    response = await change(world, "deputy", "cancel", body)

    assert response.status_code == 422 and problem_type(response) == "validation-error"
    assert await table_counts(world.db) == before


async def test_a_stale_cancellation_is_refused_with_the_current_lesson(world: World) -> None:
    await fill(world, "class_teacher", {"topic": "Дроби и доли", "version": 1})
    before = await table_counts(world.db)

    stale = await change(world, "deputy", "cancel", {"reason": "Карантин", "version": 1})
    missing = await change(world, "deputy", "cancel", {"reason": "Карантин"})

    assert stale.status_code == 409 and stale.json()["current"]["version"] == 2
    assert missing.status_code == 428
    assert await table_counts(world.db) == before


# --- moving -------------------------------------------------------------------------------


async def test_the_deputy_moves_a_lesson_to_another_day_and_number(world: World) -> None:
    await open_calendar(world)

    response = await change(
        world, "deputy", "move", {"date": WEDNESDAY.isoformat(), "lesson_number": 3, "version": 1}
    )

    assert response.status_code == 200, response.text
    assert (response.json()["date"], response.json()["lesson_number"]) == (
        WEDNESDAY.isoformat(),
        3,
    )
    [event] = await outbox(world.db, "journal.lesson.moved.v1", world.school_id)
    assert event["version"] == 2
    assert event["data"]["lesson_date"] == WEDNESDAY.isoformat()
    assert (event["data"]["old_lesson_date"], event["data"]["old_lesson_number"]) == (
        MONDAY.isoformat(),
        1,
    )
    history = await world.client.get(f"{lesson_path(world)}/history", headers=world.auth("deputy"))
    assert [
        (c["kind"], c["version"], c["old_date"], c["new_date"], c["new_lesson_number"])
        for c in history.json()["changes"]
    ] == [
        ("scheduled", 1, None, MONDAY.isoformat(), 1),
        ("moved", 2, MONDAY.isoformat(), WEDNESDAY.isoformat(), 3),
    ]


@pytest.mark.parametrize(
    ("day", "problem"),
    [
        ("2026-12-30", "holiday"),
        ("2027-06-15", "outside-periods"),
        ("2026-08-20", "outside-periods"),
    ],
    ids=["winter-holidays", "after-the-year", "before-the-year"],
)
async def test_a_lesson_is_not_moved_off_the_school_calendar(
    world: World, day: str, problem: str
) -> None:
    await open_calendar(world)
    before = await table_counts(world.db)

    response = await change(world, "deputy", "move", {"date": day, "version": 1})

    assert response.status_code == 422 and problem_type(response) == problem
    assert await table_counts(world.db) == before


async def test_a_lesson_is_not_moved_into_a_taken_slot(world: World) -> None:
    await open_calendar(world)
    # Mathematics of 5Б by the same teacher, on Tuesday's second lesson.
    parallel = await assign(world, world.class_teacher, "parallel_class", "math")
    await lesson_of(world, "class_teacher", parallel, TUESDAY, 2)
    before = await table_counts(world.db)

    class_busy = await change(
        world, "deputy", "move", {"date": MONDAY.isoformat(), "lesson_number": 2, "version": 1}
    )
    own_slot = await change(
        world, "deputy", "move", {"date": TUESDAY.isoformat(), "lesson_number": 1, "version": 1}
    )
    teacher_busy = await change(
        world, "deputy", "move", {"date": TUESDAY.isoformat(), "lesson_number": 2, "version": 1}
    )
    same_place = await change(world, "deputy", "move", {"date": MONDAY.isoformat(), "version": 1})

    assert [problem_type(r) for r in (class_busy, own_slot, teacher_busy)] == [
        "slot-taken",
        "slot-taken",
        "teacher-busy",
    ]
    assert same_place.status_code == 422 and problem_type(same_place) == "nothing-changed"
    assert await table_counts(world.db) == before


# --- substituting -------------------------------------------------------------------------


async def test_the_substitute_fills_the_lesson_as_its_teacher_would(world: World) -> None:
    response = await change(
        world, "deputy", "substitute", {"teacher_id": str(world.outsider), "version": 1}
    )
    assert response.status_code == 200, response.text
    assert response.json()["substitute_id"] == str(world.outsider)
    assert response.json()["teacher_id"] == str(world.class_teacher)

    filled = await fill(world, "outsider", {"topic": "Дроби (замена)", "version": 2})
    marked = await mark(world, "outsider")
    absent = await attend(world, "outsider")
    corrected = await world.client.patch(
        f"/marks/{marked.json()['mark_id']}",
        json={"value": 4, "reason": "Описка", "version": 1},
        headers=world.auth("outsider"),
    )

    assert [r.status_code for r in (filled, marked, absent, corrected)] == [200, 201, 200, 200]
    assert marked.json()["posted_by"] == str(world.outsider)
    [posted] = [
        e
        for e in await outbox(world.db, "journal.mark.posted.v1", world.school_id)
        if e["data"]["mark_id"] == marked.json()["mark_id"]
    ]
    # Events name the assignment's teacher: the class and subject stay theirs.
    assert posted["data"]["teacher_id"] == str(world.class_teacher)
    assert await lesson_events(world) == [
        ("journal.lesson.scheduled.v1", 1),
        ("journal.lesson.substituted.v1", 2),
        ("journal.lesson.topic_set.v1", 3),
    ]


async def test_the_assignments_teacher_does_not_write_a_substituted_lesson(world: World) -> None:
    await change(world, "deputy", "substitute", {"teacher_id": str(world.outsider), "version": 1})
    before = await table_counts(world.db)

    responses = [
        await fill(world, "class_teacher", {"topic": "Дроби", "version": 2}),
        await mark(world, "class_teacher"),
        await attend(world, "class_teacher"),
    ]

    assert [r.status_code for r in responses] == [403, 403, 403]
    assert await table_counts(world.db) == before


async def test_ending_the_substitution_gives_the_lesson_back(world: World) -> None:
    await change(world, "deputy", "substitute", {"teacher_id": str(world.outsider), "version": 1})

    ended = await change(world, "director", "substitute", {"teacher_id": None, "version": 2})
    by_owner = await mark(world, "class_teacher")
    by_substitute = await mark(world, "outsider")

    assert ended.status_code == 200 and ended.json()["substitute_id"] is None
    assert (by_owner.status_code, by_substitute.status_code) == (201, 403)


async def test_a_substitute_must_be_a_free_teacher_of_the_school(
    world: World, other: World
) -> None:
    # The Russian teacher gives 5Б a lesson at the same time as 5А's Monday mathematics.
    parallel = await assign(world, world.teacher, "parallel_class", "russian")
    await lesson_of(world, "teacher", parallel, MONDAY, 1)
    before = await table_counts(world.db)

    busy = await change(
        world, "deputy", "substitute", {"teacher_id": str(world.teacher), "version": 1}
    )
    not_a_teacher = await change(
        world, "deputy", "substitute", {"teacher_id": str(world.deputy), "version": 1}
    )
    foreign = await change(
        world, "deputy", "substitute", {"teacher_id": str(other.teacher), "version": 1}
    )
    same = await change(
        world, "deputy", "substitute", {"teacher_id": str(world.class_teacher), "version": 1}
    )

    assert (busy.status_code, problem_type(busy)) == (409, "teacher-busy")
    assert (not_a_teacher.status_code, problem_type(not_a_teacher)) == (422, "not-a-teacher")
    assert foreign.status_code == 404
    assert (same.status_code, problem_type(same)) == (422, "nothing-changed")
    assert await table_counts(world.db) == before


# --- who may change lessons ---------------------------------------------------------------


@pytest.mark.parametrize(
    "who", ["class_teacher", "teacher", "outsider", "sysadmin", "student", "parent"]
)
async def test_only_the_administration_changes_lessons(world: World, who: str) -> None:
    await open_calendar(world)
    before = await table_counts(world.db)

    responses = [
        await change(world, who, "cancel", {"reason": "Нет", "version": 1}),
        await change(world, who, "move", {"date": WEDNESDAY.isoformat(), "version": 1}),
        await change(world, who, "substitute", {"teacher_id": str(world.outsider), "version": 1}),
        await world.client.get(f"{lesson_path(world)}/history", headers=world.auth(who)),
    ]

    assert [r.status_code for r in responses] == [403, 403, 403, 403]
    assert await table_counts(world.db) == before


async def test_the_director_changes_lessons_too(world: World) -> None:
    response = await change(
        world, "director", "cancel", {"reason": "Актированный день", "version": 1}
    )

    assert response.status_code == 200, response.text


async def test_another_schools_lesson_does_not_exist(world: World, other: World) -> None:
    for lesson_id in (other.math_lesson_id, uuid.uuid4()):
        path = f"/lessons/{lesson_id}"
        deputy = world.auth("deputy")
        responses = [
            await world.client.post(
                f"{path}/cancel", json={"reason": "x", "version": 1}, headers=deputy
            ),
            await world.client.post(
                f"{path}/move", json={"date": WEDNESDAY.isoformat(), "version": 1}, headers=deputy
            ),
            await world.client.put(
                f"{path}/substitute", json={"teacher_id": None, "version": 1}, headers=deputy
            ),
            await world.client.get(f"{path}/history", headers=deputy),
            await world.client.patch(
                path, json={"topic": "x", "version": 1}, headers=world.auth("class_teacher")
            ),
        ]
        assert [r.status_code for r in responses] == [404] * 5


async def test_lesson_changes_need_a_token(world: World) -> None:
    path = lesson_path(world)
    responses = [
        await world.client.post(f"{path}/cancel", json={"reason": "x", "version": 1}),
        await world.client.post(f"{path}/move", json={"date": "2026-11-25", "version": 1}),
        await world.client.put(f"{path}/substitute", json={"teacher_id": None, "version": 1}),
        await world.client.get(f"{path}/history"),
        await world.client.patch(path, json={"topic": "x", "version": 1}),
    ]

    assert [r.status_code for r in responses] == [401] * 5


async def test_the_lessons_history_is_append_only(world: World) -> None:
    from sqlalchemy.exc import DBAPIError

    with pytest.raises(DBAPIError):
        await rows(
            world.db,
            "UPDATE lesson_history SET reason = 'x' WHERE lesson_id = :id",
            id=world.math_lesson_id,
        )
