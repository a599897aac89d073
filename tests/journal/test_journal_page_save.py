"""The journal page's bulk save: all or nothing, by the single-cell rules, idempotent with
a key, every bad change named (422), every stale one with its current state (409)."""

import asyncio
import uuid
from typing import Any

from journal_world import TUESDAY, World, count, outbox, problem_type, rows, table_counts
from page_samples import cell, open_second_quarter, read, save
from sqlalchemy import text


async def test_a_save_writes_every_change_with_its_history_and_events(world: World) -> None:
    _, quarter = await open_second_quarter(world)
    posted = await world.mark("student", 3)
    tuesday = world.ids["math_lesson_tuesday"]

    response = await save(
        world,
        quarter,
        [
            {
                "op": "add_mark",
                "lesson_id": str(world.math_lesson_id),
                "student_id": str(world.classmate_id),
                "value": 4,
                "work_type": "answer",
            },
            {
                "op": "change_mark",
                "mark_id": posted["mark_id"],
                "value": 4,
                "reason": "Ошибка при вводе",
                "version": 1,
            },
            {
                "op": "set_attendance",
                "lesson_id": str(tuesday),
                "student_id": str(world.student_id),
                "code": "Н",
                "version": 0,
            },
            {
                "op": "edit_lesson",
                "lesson_id": str(world.math_lesson_id),
                "topic": "Обыкновенные дроби",
                "homework": {"text": "№ 101, 102"},
                "version": 1,
            },
        ],
    )

    assert response.status_code == 200, response.text
    saved = response.json()["saved"]
    assert [s["op"] for s in saved] == ["add_mark", "change_mark", "set_attendance", "edit_lesson"]
    assert saved[1]["result"]["version"] == 2
    # Topic and homework each bump the lesson's version; the due date is the next lesson.
    assert saved[3]["result"] == {
        "lesson_id": str(world.math_lesson_id),
        "date": "2026-11-23",
        "topic": "Обыкновенные дроби",
        "plan_item_id": None,
        "homework": "№ 101, 102",
        "homework_due_on": TUESDAY.isoformat(),
        "version": 3,
    }
    page = await read(world, quarter)
    assert [m["value"] for m in cell(page, world.math_lesson_id, world.classmate_id)["marks"]] == [
        4
    ]
    assert cell(page, world.math_lesson_id, world.student_id)["marks"][0]["version"] == 2
    assert cell(page, tuesday, world.student_id)["attendance"] == {"code": "Н", "version": 1}
    mark_id = uuid.UUID(posted["mark_id"])
    assert await count(world.db, "mark_history", "mark_id = :id", id=mark_id) == 2
    new_mark = uuid.UUID(saved[0]["result"]["mark_id"])
    assert await count(world.db, "mark_history", "mark_id = :id", id=new_mark) == 1
    changed = await outbox(world.db, "journal.mark.changed.v1", world.school_id)
    assert [e["version"] for e in changed] == [2]
    assert len(await outbox(world.db, "journal.mark.posted.v1", world.school_id)) == 2
    assert len(await outbox(world.db, "journal.attendance.marked.v1", world.school_id)) == 1
    (topic,) = await outbox(world.db, "journal.lesson.topic_set.v1", world.school_id)
    (homework,) = await outbox(world.db, "journal.homework.set.v1", world.school_id)
    assert (topic["version"], homework["version"]) == (2, 3)
    assert topic["subject"] == f"lesson/{world.math_lesson_id}"
    assert homework["data"]["due_on"] == TUESDAY.isoformat()
    # The save's five events left in one message: the page's bundle, one outbox row.
    (bundle,) = await outbox(world.db, "journal.page.saved.v1", world.school_id)
    assignment = world.ids["math_assignment"]
    assert bundle["subject"] == f"page/{assignment}:{quarter}"
    assert bundle["data"]["saved_by"] == str(world.class_teacher)
    assert sorted(e["type"] for e in bundle["data"]["events"]) == [
        "journal.attendance.marked.v1",
        "journal.homework.set.v1",
        "journal.lesson.topic_set.v1",
        "journal.mark.changed.v1",
        "journal.mark.posted.v1",
    ]
    alone = await rows(
        world.db,
        "SELECT routing_key FROM outbox WHERE envelope->>'schoolid' = :school "
        "AND routing_key LIKE 'journal.mark.%'",
        school=str(world.school_id),
    )
    assert [r["routing_key"] for r in alone] == ["journal.mark.posted.v1"]  # the single post


async def test_a_repeated_save_with_its_key_answers_the_same_and_writes_once(
    world: World,
) -> None:
    _, quarter = await open_second_quarter(world)
    changes = [
        {
            "op": "add_mark",
            "lesson_id": str(world.math_lesson_id),
            "student_id": str(world.student_id),
            "value": 5,
            "work_type": "answer",
        }
    ]
    first = await save(world, quarter, changes, key="page-save-1")
    assert first.status_code == 200, first.text
    before = await table_counts(world.db)

    again = await save(world, quarter, changes, key="page-save-1")

    assert again.status_code == 200
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert await table_counts(world.db) == before
    other = await save(world, quarter, [{**changes[0], "value": 4}], key="page-save-1")
    assert other.status_code == 422
    assert problem_type(other) == "idempotency-key-reused"


async def test_one_bad_change_among_many_refuses_the_save_naming_every_bad_one(
    world: World,
) -> None:
    _, quarter = await open_second_quarter(world)
    newcomer = await world.post(
        "deputy",
        "/students",
        {
            "class_id": str(world.class_id),
            "last_name": "Новиков",
            "first_name": "Пётр",
            "birth_date": "2015-05-01",
            "starts_on": TUESDAY.isoformat(),
        },
    )
    good = {
        "op": "add_mark",
        "lesson_id": str(world.math_lesson_id),
        "student_id": str(world.student_id),
        "value": 5,
        "work_type": "answer",
    }
    before = await table_counts(world.db)

    response = await save(
        world,
        quarter,
        [
            good,
            {**good, "work_type": "no-such-type"},
            {**good, "student_id": newcomer["student_id"]},  # enrolled from Tuesday
            {
                "op": "set_attendance",
                "lesson_id": str(world.ids["russian_lesson"]),  # another assignment's
                "student_id": str(world.student_id),
                "code": "Н",
                "version": 0,
            },
            {
                "op": "set_attendance",
                "lesson_id": str(world.math_lesson_id),
                "student_id": str(world.classmate_id),
                "code": "Н",
                "version": 0,
            },
            {
                "op": "clear_attendance",
                "lesson_id": str(world.math_lesson_id),
                "student_id": str(world.classmate_id),
                "reason": "Ошибка",
                "version": 1,
            },
            {"op": "remove_mark", "mark_id": str(uuid.uuid4()), "reason": "x", "version": 1},
        ],
    )

    assert response.status_code == 422, response.text
    assert problem_type(response) == "invalid-changes"
    errors = {e["index"]: e["type"] for e in response.json()["refused"]}
    assert errors == {
        1: "unknown-work-type",
        2: "student-not-in-class",
        3: "not-on-page",
        5: "duplicate-change",
        6: "not-on-page",
    }
    assert await table_counts(world.db) == before


async def test_values_out_of_range_are_refused_by_validation_with_nothing_written(
    world: World,
) -> None:
    _, quarter = await open_second_quarter(world)
    before = await table_counts(world.db)
    base = {
        "op": "add_mark",
        "lesson_id": str(world.math_lesson_id),
        "student_id": str(world.student_id),
        "work_type": "answer",
    }
    for changes in (
        [{**base, "value": 6}, {**base, "value": 0}],
        [{**base, "value": "5"}],
        [
            {
                "op": "set_attendance",
                **{k: base[k] for k in ("lesson_id", "student_id")},
                "code": "X",
                "version": 0,
            }
        ],
        [{"op": "change_mark", "mark_id": str(uuid.uuid4()), "reason": "x", "version": 1}],
        [{"op": "edit_lesson", "lesson_id": str(world.math_lesson_id), "version": 1}],
        [{"op": "nonsense"}],
        [],
    ):
        response = await save(world, quarter, changes)
        assert response.status_code == 422, (changes, response.text)
    response = await save(world, quarter, [{**base, "value": 6}, {**base, "value": 0}])
    bad = {tuple(e["loc"][:3]) for e in response.json()["errors"]}
    assert bad == {("body", "changes", 0), ("body", "changes", 1)}
    assert await table_counts(world.db) == before


async def test_a_stale_version_refuses_the_save_with_every_conflict_and_its_state(
    world: World,
) -> None:
    _, quarter = await open_second_quarter(world)
    posted = await world.mark("student", 3)
    changed = await world.client.patch(
        f"/marks/{posted['mark_id']}",
        json={"value": 5, "reason": "Пересдача", "version": 1},
        headers=world.auth("class_teacher"),
    )
    assert changed.status_code == 200
    before = await table_counts(world.db)

    response = await save(
        world,
        quarter,
        [
            {
                "op": "add_mark",
                "lesson_id": str(world.math_lesson_id),
                "student_id": str(world.classmate_id),
                "value": 4,
                "work_type": "answer",
            },
            {
                "op": "change_mark",
                "mark_id": posted["mark_id"],
                "value": 4,
                "reason": "Ошибка",
                "version": 1,
            },
            {
                "op": "edit_lesson",
                "lesson_id": str(world.math_lesson_id),
                "topic": "Новая тема",
                "version": 7,
            },
        ],
    )

    assert response.status_code == 409, response.text
    assert problem_type(response) == "stale-changes"
    conflicts = response.json()["conflicts"]
    assert [(c["index"], c["current"]["version"]) for c in conflicts] == [(1, 2), (2, 1)]
    assert conflicts[0]["current"]["value"] == 5
    assert conflicts[1]["current"]["topic"] == "Дроби"
    assert await table_counts(world.db) == before


async def test_who_saves_the_page(world: World, other: World) -> None:
    _, quarter = await open_second_quarter(world)
    change: dict[str, Any] = {
        "op": "set_attendance",
        "lesson_id": str(world.math_lesson_id),
        "student_id": str(world.student_id),
        "code": "ОП",
        "version": 0,
    }
    before = await table_counts(world.db)
    for who, status in (
        ("teacher", 404),
        ("outsider", 404),
        ("director", 403),
        ("student", 403),
        ("parent", 403),
        ("sysadmin", 403),
    ):
        response = await save(world, quarter, [change], who=who)
        assert response.status_code == status, (who, response.text)
    response = await world.client.post(
        f"/assignments/{world.ids['math_assignment']}/periods/{quarter}/page",
        json={"changes": [change]},
    )
    assert response.status_code == 401
    response = await world.client.post(
        f"/assignments/{world.ids['math_assignment']}/periods/{quarter}/page",
        json={"changes": [change]},
        headers=other.auth("class_teacher"),
    )
    assert response.status_code == 404
    assert await table_counts(world.db) == before
    # The deputy corrects attendance, but gives no marks (the teacher's, as one by one).
    response = await save(world, quarter, [change], who="deputy")
    assert response.status_code == 200, response.text
    response = await save(
        world,
        quarter,
        [
            {
                "op": "add_mark",
                "lesson_id": str(world.math_lesson_id),
                "student_id": str(world.student_id),
                "value": 4,
                "work_type": "answer",
            }
        ],
        who="deputy",
    )
    assert response.status_code == 422
    assert response.json()["refused"][0]["type"] == "forbidden"


async def test_concurrent_saves_of_one_cell_let_one_win_and_tell_the_other(
    committed_world: World,
) -> None:
    world = committed_world
    _, quarter = await open_second_quarter(world)
    posted = await world.mark("student", 3)

    responses = await asyncio.gather(
        *(
            save(
                world,
                quarter,
                [
                    {
                        "op": "change_mark",
                        "mark_id": posted["mark_id"],
                        "value": value,
                        "reason": f"Правка {value}",
                        "version": 1,
                    }
                ],
            )
            for value in (4, 5)
        )
    )

    assert sorted(r.status_code for r in responses) == [200, 409]
    (winner,) = [r.json() for r in responses if r.status_code == 200]
    (loser,) = [r.json() for r in responses if r.status_code == 409]
    (conflict,) = loser["conflicts"]
    assert conflict["mark_id"] == posted["mark_id"]
    assert conflict["current"]["version"] == 2
    assert conflict["current"]["value"] == winner["saved"][0]["result"]["value"]
    mark_id = uuid.UUID(posted["mark_id"])
    assert await count(world.db, "mark_history", "mark_id = :id", id=mark_id) == 2
    changed = [
        e
        for e in await outbox(world.db, "journal.mark.changed.v1", world.school_id)
        if e["data"]["mark_id"] == posted["mark_id"]
    ]
    assert [e["version"] for e in changed] == [2]


async def test_locked_lessons_are_the_deputys_and_closed_periods_nobodys(world: World) -> None:
    _, quarter = await open_second_quarter(world)
    old = await world.post(
        "class_teacher",
        "/lessons",
        {"assignment_id": str(world.ids["math_assignment"]), "date": "2026-11-05"},
    )
    world.ids["old_lesson"] = uuid.UUID(old["lesson_id"])
    posted = await world.mark("student", 3, lesson="old_lesson")  # past the 14 days' lock
    correction = {
        "op": "change_mark",
        "mark_id": posted["mark_id"],
        "value": 4,
        "reason": "Исправление",
        "version": 1,
    }
    before = await table_counts(world.db)

    by_teacher = await save(world, quarter, [correction])

    assert by_teacher.status_code == 422
    assert by_teacher.json()["refused"][0]["type"] == "journal-locked"
    assert await table_counts(world.db) == before
    by_deputy = await save(world, quarter, [correction], who="deputy")
    assert by_deputy.status_code == 200, by_deputy.text

    async with world.db.transaction() as session:
        await session.execute(
            text("UPDATE periods SET closed_at = now() WHERE id = :id"), {"id": quarter}
        )
    before = await table_counts(world.db)
    closed = await save(
        world,
        quarter,
        [
            {
                "op": "add_mark",
                "lesson_id": str(world.math_lesson_id),
                "student_id": str(world.student_id),
                "value": 5,
                "work_type": "answer",
            },
            {
                "op": "edit_lesson",
                "lesson_id": str(world.math_lesson_id),
                "topic": "Поздняя тема",
                "version": 1,
            },
        ],
        who="deputy",
    )
    assert closed.status_code == 422
    assert [e["type"] for e in closed.json()["refused"]] == ["forbidden", "period-closed"]
    closed = await save(
        world,
        quarter,
        [
            {
                "op": "set_attendance",
                "lesson_id": str(world.math_lesson_id),
                "student_id": str(world.student_id),
                "code": "Н",
                "version": 0,
            }
        ],
    )
    assert closed.json()["refused"][0]["type"] == "period-closed"
    assert await table_counts(world.db) == before
    assert (await read(world, quarter))["period"]["closed"] is True


async def test_concurrent_first_marks_of_one_attendance_cell_let_one_save_win(
    committed_world: World,
) -> None:
    world = committed_world
    _, quarter = await open_second_quarter(world)

    responses = await asyncio.gather(
        *(
            save(
                world,
                quarter,
                [
                    {
                        "op": "set_attendance",
                        "lesson_id": str(world.math_lesson_id),
                        "student_id": str(world.classmate_id),
                        "code": code,
                        "version": 0,
                    }
                ],
                who=who,
            )
            for code, who in (("Н", "class_teacher"), ("Б", "deputy"))
        )
    )

    assert sorted(r.status_code for r in responses) == [200, 409], [r.text for r in responses]
    (winner,) = [r.json() for r in responses if r.status_code == 200]
    (loser,) = [r.json() for r in responses if r.status_code == 409]
    (conflict,) = loser["conflicts"]
    assert conflict["student_id"] == str(world.classmate_id)
    assert conflict["current"] == {
        "lesson_id": str(world.math_lesson_id),
        "student_id": str(world.classmate_id),
        "code": winner["saved"][0]["result"]["code"],
        "version": 1,
    }
    history = await count(
        world.db,
        "attendance_history",
        "lesson_id = :lesson AND student_id = :student",
        lesson=world.math_lesson_id,
        student=world.classmate_id,
    )
    assert history == 1
