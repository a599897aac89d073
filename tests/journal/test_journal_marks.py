"""POST /lessons/{lesson_id}/marks: marks 1–5, their history, MarkPosted, Idempotency-Key."""

import uuid
from typing import Any

import pytest
from journal_world import MONDAY, World, count, outbox, problem_type, rows, table_counts
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

MARK_POSTED = "journal.mark.posted.v1"


def marks_path(world: World, lesson: str = "math_lesson") -> str:
    return f"/lessons/{world.ids[lesson]}/marks"


def mark(world: World, **overrides: Any) -> dict[str, Any]:
    return {"student_id": str(world.student_id), "value": 5, "work_type": "control", **overrides}


async def nothing_written(world: World, before: dict[str, int]) -> None:
    after = await table_counts(world.db)
    assert after["marks"] == before["marks"]
    assert after["outbox"] == before["outbox"]
    assert after == before


async def test_the_lessons_teacher_posts_a_mark(world: World) -> None:
    response = await world.client.post(
        marks_path(world), headers=world.auth("class_teacher"), json=mark(world)
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert body == {
        "mark_id": body["mark_id"],
        "lesson_id": str(world.math_lesson_id),
        "student_id": str(world.student_id),
        "value": 5,
        "work_type": "control",
        "work_type_name": "Контрольная работа",
        "weight": 3,
        "posted_by": str(world.class_teacher),
        "posted_at": body["posted_at"],
        "version": 1,
    }


async def test_a_posted_mark_publishes_mark_posted_version_1(world: World) -> None:
    body = await world.mark("student", 4, "test")

    (event,) = [
        e for e in await outbox(world.db, MARK_POSTED) if e["data"]["mark_id"] == body["mark_id"]
    ]
    assert event["data"] == {
        "mark_id": body["mark_id"],
        "lesson_id": str(world.math_lesson_id),
        "lesson_date": MONDAY.isoformat(),
        "student_id": str(world.student_id),
        "class_id": str(world.class_id),
        "subject_id": str(world.ids["math"]),
        "subject_name": "Математика",
        "teacher_id": str(world.class_teacher),
        "value": 4,
        "work_type": "test",
        "weight": 2,
        "work_type_name": "Проверочная работа",
    }
    assert event["type"] == MARK_POSTED
    assert event["source"] == "/journal"
    assert event["subject"] == f"mark/{body['mark_id']}"
    assert event["schoolid"] == str(world.school_id)
    assert event["version"] == 1


async def test_a_posted_mark_is_recorded_in_the_history(world: World) -> None:
    body = await world.mark("student", 3)

    history = await rows(
        world.db,
        """
        SELECT h.version, h.changed_by, h.old_value, h.new_value, h.reason,
               h.old_work_type_id, w.code AS new_work_type
        FROM mark_history h JOIN work_types w ON w.id = h.new_work_type_id
        WHERE h.mark_id = :id
    """,
        id=uuid.UUID(body["mark_id"]),
    )
    assert history == [
        {
            "version": 1,
            "changed_by": world.class_teacher,
            "old_value": None,
            "new_value": 3,
            "reason": "posted",
            "old_work_type_id": None,
            "new_work_type": "answer",
        }
    ]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE mark_history SET new_value = 5 WHERE mark_id = :id",
        "DELETE FROM mark_history WHERE mark_id = :id",
        "TRUNCATE mark_history",
    ],
)
async def test_the_mark_history_is_append_only(world: World, statement: str) -> None:
    body = await world.mark("student", 2)

    with pytest.raises(DBAPIError, match="append-only"):
        async with world.db.transaction() as session:
            await session.execute(
                text(statement), {"id": uuid.UUID(body["mark_id"])} if ":id" in statement else {}
            )
    assert (
        await count(world.db, "mark_history", "mark_id = :id", id=uuid.UUID(body["mark_id"])) == 1
    )


async def test_a_lesson_holds_several_marks_for_one_student(world: World) -> None:
    first = await world.mark("student", 5, "answer")
    second = await world.mark("student", 3, "independent")

    assert first["mark_id"] != second["mark_id"]
    assert (
        await count(
            world.db,
            "marks",
            "lesson_id = :lesson AND student_id = :student",
            lesson=world.math_lesson_id,
            student=world.student_id,
        )
        == 2
    )


@pytest.mark.parametrize("who", ["teacher", "outsider"])
async def test_a_teacher_cannot_post_to_another_teachers_lesson(world: World, who: str) -> None:
    # 403, not 404: within one's own school the timetable is no secret, so hiding the
    # lesson protects nothing, while "not your lesson" tells the teacher what is wrong.
    before = await table_counts(world.db)

    response = await world.client.post(marks_path(world), headers=world.auth(who), json=mark(world))

    assert response.status_code == 403
    assert problem_type(response) == "forbidden"
    await nothing_written(world, before)


@pytest.mark.parametrize("who", ["deputy", "director", "student", "parent"])
async def test_only_the_lessons_teacher_posts_marks(world: World, who: str) -> None:
    before = await table_counts(world.db)

    response = await world.client.post(marks_path(world), headers=world.auth(who), json=mark(world))

    assert response.status_code == 403
    await nothing_written(world, before)


async def test_another_schools_lesson_is_not_found(world: World, other: World) -> None:
    before = await table_counts(world.db)
    for lesson_id in (other.math_lesson_id, uuid.uuid4()):
        response = await world.client.post(
            f"/lessons/{lesson_id}/marks",
            headers=world.auth("class_teacher"),
            json=mark(world, student_id=str(other.student_id)),
        )
        assert response.status_code == 404
        assert problem_type(response) == "not-found"
    await nothing_written(world, before)


@pytest.mark.parametrize(
    "overrides",
    [
        {"value": 0},
        {"value": 6},
        {"value": -1},
        {"value": "5"},
        {"value": True},
        {"value": 4.5},
        {"value": None},
        {"value": "н/а"},
        {"student_id": "Смирнов"},
        {"work_type": ""},
        {"comment": "молодец"},
    ],
)
async def test_an_invalid_mark_is_refused_and_nothing_is_written(
    world: World, overrides: dict[str, Any]
) -> None:
    before = await table_counts(world.db)

    response = await world.client.post(
        marks_path(world), headers=world.auth("class_teacher"), json=mark(world, **overrides)
    )

    assert response.status_code == 422
    assert problem_type(response) == "validation-error"
    await nothing_written(world, before)


async def test_a_mark_without_a_value_is_refused(world: World) -> None:
    body = mark(world)
    del body["value"]

    response = await world.client.post(
        marks_path(world), headers=world.auth("class_teacher"), json=body
    )

    assert response.status_code == 422


async def test_malformed_json_is_refused_and_nothing_is_written(world: World) -> None:
    before = await table_counts(world.db)

    response = await world.client.post(
        marks_path(world),
        content=b'{"student_id": ',
        headers={**world.auth("class_teacher"), "Content-Type": "application/json"},
    )

    assert response.status_code == 422
    assert problem_type(response) == "validation-error"
    await nothing_written(world, before)


async def test_an_unknown_work_type_is_refused_and_nothing_is_written(world: World) -> None:
    before = await table_counts(world.db)

    response = await world.client.post(
        marks_path(world),
        headers=world.auth("class_teacher"),
        json=mark(world, work_type="olympiad"),
    )

    assert response.status_code == 422
    assert problem_type(response) == "unknown-work-type"
    await nothing_written(world, before)


async def test_another_schools_work_type_code_is_not_ours(world: World, other: World) -> None:
    async with world.db.transaction() as session:
        await session.execute(
            text(
                "INSERT INTO work_types (id, school_id, code, name, weight) "
                "VALUES (gen_random_uuid(), :school, 'project', 'Проект', 2)"
            ),
            {"school": other.school_id},
        )

    response = await world.client.post(
        marks_path(world),
        headers=world.auth("class_teacher"),
        json=mark(world, work_type="project"),
    )

    assert response.status_code == 422
    assert problem_type(response) == "unknown-work-type"


async def test_a_student_not_in_the_lessons_class_is_refused_and_nothing_is_written(
    world: World, other: World
) -> None:
    before = await table_counts(world.db)
    for student_id in (world.ids["parallel_student"], other.student_id, uuid.uuid4()):
        response = await world.client.post(
            marks_path(world),
            headers=world.auth("class_teacher"),
            json=mark(world, student_id=str(student_id)),
        )
        assert response.status_code == 422
        assert problem_type(response) == "student-not-in-class"
    await nothing_written(world, before)


# --- Idempotency-Key -------------------------------------------------------------------


async def post_with_key(
    world: World,
    key: str,
    body: dict[str, Any],
    lesson: str = "math_lesson",
    who: str = "class_teacher",
) -> Any:
    return await world.client.post(
        marks_path(world, lesson), headers={**world.auth(who), "Idempotency-Key": key}, json=body
    )


async def test_a_retry_with_the_same_key_gets_the_same_answer_and_posts_nothing(
    world: World,
) -> None:
    key = str(uuid.uuid4())
    first = await post_with_key(world, key, mark(world))
    before_retry = await table_counts(world.db)

    retry = await post_with_key(world, key, mark(world))

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["idempotent-replayed"] == "true"
    assert await table_counts(world.db) == before_retry
    assert await count(world.db, "marks", "id = :id", id=uuid.UUID(first.json()["mark_id"])) == 1
    assert (
        len(
            [
                e
                for e in await outbox(world.db, MARK_POSTED)
                if e["data"]["mark_id"] == first.json()["mark_id"]
            ]
        )
        == 1
    )


async def test_the_same_body_in_another_key_order_is_the_same_request(world: World) -> None:
    key = str(uuid.uuid4())
    first = await post_with_key(world, key, mark(world))

    reordered = dict(reversed(list(mark(world).items())))
    retry = await post_with_key(world, key, reordered)

    assert retry.status_code == 201
    assert retry.json()["mark_id"] == first.json()["mark_id"]


@pytest.mark.parametrize("change", [{"value": 4}, {"work_type": "answer"}, {"lesson": "other"}])
async def test_a_key_reused_for_a_different_request_is_refused(
    world: World, change: dict[str, Any]
) -> None:
    key = str(uuid.uuid4())
    await post_with_key(world, key, mark(world))
    before = await table_counts(world.db)

    if "lesson" in change:
        response = await post_with_key(world, key, mark(world), lesson="math_lesson_tuesday")
    else:
        response = await post_with_key(world, key, mark(world, **change))

    assert response.status_code == 422
    assert problem_type(response) == "idempotency-key-reused"
    await nothing_written(world, before)


async def test_different_keys_post_different_marks(world: World) -> None:
    first = await post_with_key(world, "key-1-" + uuid.uuid4().hex, mark(world))
    second = await post_with_key(world, "key-2-" + uuid.uuid4().hex, mark(world))

    assert first.json()["mark_id"] != second.json()["mark_id"]


async def test_keys_belong_to_the_account_that_used_them(world: World) -> None:
    key = str(uuid.uuid4())
    mine = await post_with_key(world, key, mark(world))

    theirs = await post_with_key(world, key, mark(world), lesson="russian_lesson", who="teacher")

    assert theirs.status_code == 201
    assert theirs.json()["mark_id"] != mine.json()["mark_id"]


async def test_a_refused_request_does_not_use_up_its_key(world: World) -> None:
    key = str(uuid.uuid4())
    refused = await post_with_key(world, key, mark(world, work_type="olympiad"))

    corrected = await post_with_key(world, key, mark(world))

    assert refused.status_code == 422
    assert corrected.status_code == 201


async def test_a_replay_still_needs_the_lessons_teacher(world: World) -> None:
    key = str(uuid.uuid4())
    await post_with_key(world, key, mark(world))

    response = await post_with_key(world, key, mark(world), who="outsider")

    assert response.status_code == 403


@pytest.mark.parametrize("key", ["", "k" * 201])
async def test_an_unusable_key_is_refused(world: World, key: str) -> None:
    before = await table_counts(world.db)

    response = await post_with_key(world, key, mark(world))

    assert response.status_code == 422
    await nothing_written(world, before)
