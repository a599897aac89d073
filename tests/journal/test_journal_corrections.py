"""Correcting marks: PATCH and DELETE /marks/{id} with a reason and the version the change
is based on, the history (GET /marks/{id}/history, GET /mark-changes), MarkChanged and
MarkRemoved, the lock period and who may correct."""

import datetime as dt
import uuid
from typing import Any

import httpx
import pytest
from journal_world import MONDAY, NOW, World, outbox, problem_type, rows, table_counts

from journal import clock

MARK_CHANGED = "journal.mark.changed.v1"
MARK_REMOVED = "journal.mark.removed.v1"


async def change(
    world: World, who: str, mark_id: str, body: dict[str, Any], **headers: str
) -> httpx.Response:
    return await world.client.patch(
        f"/marks/{mark_id}", json=body, headers={**world.auth(who), **headers}
    )


async def remove(
    world: World, who: str, mark_id: str, body: dict[str, Any], **headers: str
) -> httpx.Response:
    return await world.client.request(
        "DELETE", f"/marks/{mark_id}", json=body, headers={**world.auth(who), **headers}
    )


async def history(world: World, mark_id: str | uuid.UUID) -> list[dict[str, Any]]:
    return await rows(
        world.db,
        """
        SELECT h.version, h.changed_by, h.old_value, h.new_value, o.code AS old_work_type,
               n.code AS new_work_type, h.reason
        FROM mark_history h
        LEFT JOIN work_types o ON o.id = h.old_work_type_id
        LEFT JOIN work_types n ON n.id = h.new_work_type_id
        WHERE h.mark_id = :id ORDER BY h.version
        """,
        id=uuid.UUID(str(mark_id)),
    )


async def old_lesson(world: World, days_ago: int = 30) -> uuid.UUID:
    """A maths lesson of 5А long past the default lock period (14 days)."""
    lesson = await world.post(
        "class_teacher",
        "/lessons",
        {
            "assignment_id": str(world.ids["math_assignment"]),
            "date": (await world.school_day_ago(days_ago)).isoformat(),
            "topic": "Повторение",
        },
    )
    return uuid.UUID(lesson["lesson_id"])


@pytest.fixture
async def posted(world: World) -> dict[str, Any]:
    """A 5 for a control work on Monday's maths lesson, by its teacher (the class teacher)."""
    return await world.mark("student", 5, "control")


async def test_the_lessons_teacher_changes_a_mark_with_a_reason(
    world: World, posted: dict[str, Any]
) -> None:
    response = await change(
        world, "class_teacher", posted["mark_id"], {"value": 4, "reason": "Ошибка", "version": 1}
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body == {
        "mark_id": posted["mark_id"],
        "lesson_id": str(world.math_lesson_id),
        "student_id": str(world.student_id),
        "value": 4,
        "work_type": "control",
        "work_type_name": "Контрольная работа",
        "weight": 3,
        "changed_by": str(world.class_teacher),
        "changed_at": body["changed_at"],
        "version": 2,
    }
    [mark] = await rows(
        world.db, "SELECT value, version FROM marks WHERE id = :id", id=uuid.UUID(posted["mark_id"])
    )
    assert mark == {"value": 4, "version": 2}


async def test_every_change_is_a_history_row_with_old_and_new_values(
    world: World, posted: dict[str, Any]
) -> None:
    mark_id = posted["mark_id"]
    assert (
        await change(
            world, "class_teacher", mark_id, {"value": 4, "reason": "Описка", "version": 1}
        )
    ).status_code == 200
    assert (
        await change(
            world,
            "class_teacher",
            mark_id,
            {"work_type": "test", "reason": "Не та работа", "version": 2},
        )
    ).status_code == 200
    assert (
        await remove(world, "deputy", mark_id, {"reason": "Ученик был болен", "version": 3})
    ).status_code == 200

    assert await history(world, mark_id) == [
        {
            "version": 1,
            "changed_by": world.class_teacher,
            "old_value": None,
            "new_value": 5,
            "old_work_type": None,
            "new_work_type": "control",
            "reason": "posted",
        },
        {
            "version": 2,
            "changed_by": world.class_teacher,
            "old_value": 5,
            "new_value": 4,
            "old_work_type": "control",
            "new_work_type": "control",
            "reason": "Описка",
        },
        {
            "version": 3,
            "changed_by": world.class_teacher,
            "old_value": 4,
            "new_value": 4,
            "old_work_type": "control",
            "new_work_type": "test",
            "reason": "Не та работа",
        },
        {
            "version": 4,
            "changed_by": world.deputy,
            "old_value": 4,
            "new_value": None,
            "old_work_type": "test",
            "new_work_type": None,
            "reason": "Ученик был болен",
        },
    ]


async def test_a_change_publishes_mark_changed_with_the_next_version(
    world: World, posted: dict[str, Any]
) -> None:
    await change(
        world,
        "class_teacher",
        posted["mark_id"],
        {"value": 3, "work_type": "test", "reason": "Пересчёт", "version": 1},
    )

    [event] = await outbox(world.db, MARK_CHANGED, world.school_id)
    assert event["version"] == 2
    assert event["subject"] == f"mark/{posted['mark_id']}"
    assert event["data"] == {
        "mark_id": posted["mark_id"],
        "lesson_id": str(world.math_lesson_id),
        "lesson_date": MONDAY.isoformat(),
        "student_id": str(world.student_id),
        "class_id": str(world.class_id),
        "subject_id": str(world.ids["math"]),
        "subject_name": "Математика",
        "teacher_id": str(world.class_teacher),
        "value": 3,
        "work_type": "test",
        "weight": 2,
        "work_type_name": "Проверочная работа",
        "old_value": 5,
        "old_work_type": "control",
    }


async def test_a_removal_publishes_a_tombstone_and_leaves_the_diary(
    world: World, posted: dict[str, Any]
) -> None:
    response = await remove(
        world,
        "class_teacher",
        posted["mark_id"],
        {"reason": "Не тот ученик"},
        **{"If-Match": '"1"'},
    )

    assert response.status_code == 200, response.text
    assert response.json()["version"] == 2
    assert response.json()["removed_by"] == str(world.class_teacher)
    [event] = await outbox(world.db, MARK_REMOVED, world.school_id)
    assert (event["version"], event["data"]["mark_id"], event["data"]["value"]) == (
        2,
        posted["mark_id"],
        5,
    )
    diary = await world.client.get(
        f"/diary/{world.student_id}",
        params={"from": MONDAY.isoformat()},
        headers=world.auth("parent"),
    )
    [monday] = [day for day in diary.json()["days"] if day["date"] == MONDAY.isoformat()]
    [maths] = [
        lesson for lesson in monday["lessons"] if lesson["lesson_id"] == str(world.math_lesson_id)
    ]
    assert maths["marks"] == []


async def test_the_diary_shows_the_changed_value(world: World, posted: dict[str, Any]) -> None:
    await change(
        world, "class_teacher", posted["mark_id"], {"value": 2, "reason": "Списано", "version": 1}
    )

    diary = await world.client.get(
        f"/diary/{world.student_id}",
        params={"from": MONDAY.isoformat()},
        headers=world.auth("student"),
    )
    [monday] = [day for day in diary.json()["days"] if day["date"] == MONDAY.isoformat()]
    [maths] = [
        lesson for lesson in monday["lessons"] if lesson["lesson_id"] == str(world.math_lesson_id)
    ]
    assert [(m["mark_id"], m["value"]) for m in maths["marks"]] == [(posted["mark_id"], 2)]


async def test_a_stale_version_is_refused_with_the_current_mark(
    world: World, posted: dict[str, Any]
) -> None:
    await change(
        world,
        "class_teacher",
        posted["mark_id"],
        {"value": 4, "reason": "Первая правка", "version": 1},
    )
    before = await table_counts(world.db)

    response = await change(
        world, "deputy", posted["mark_id"], {"value": 3, "reason": "Вторая правка", "version": 1}
    )

    assert response.status_code == 409
    assert problem_type(response) == "stale-version"
    assert response.json()["current"] == {
        "mark_id": posted["mark_id"],
        "value": 4,
        "work_type": "control",
        "version": 2,
        "removed": False,
    }
    assert await table_counts(world.db) == before


async def test_a_removed_mark_cannot_be_changed_or_removed_again(
    world: World, posted: dict[str, Any]
) -> None:
    await remove(world, "class_teacher", posted["mark_id"], {"reason": "Ошибка", "version": 1})
    before = await table_counts(world.db)

    changed = await change(
        world, "class_teacher", posted["mark_id"], {"value": 3, "reason": "Вернуть", "version": 2}
    )
    removed = await remove(
        world, "class_teacher", posted["mark_id"], {"reason": "Ещё раз", "version": 2}
    )

    for response in (changed, removed):
        assert response.status_code == 409
        assert response.json()["current"]["removed"] is True
    assert await table_counts(world.db) == before


async def test_a_change_without_a_version_is_refused(world: World, posted: dict[str, Any]) -> None:
    before = await table_counts(world.db)

    response = await change(
        world, "class_teacher", posted["mark_id"], {"value": 3, "reason": "Ошибка"}
    )

    assert response.status_code == 428
    assert problem_type(response) == "version-required"
    assert await table_counts(world.db) == before


async def test_if_match_and_the_body_must_name_the_same_version(
    world: World, posted: dict[str, Any]
) -> None:
    response = await change(
        world,
        "class_teacher",
        posted["mark_id"],
        {"value": 3, "reason": "Ошибка", "version": 1},
        **{"If-Match": "2"},
    )

    assert response.status_code == 400
    assert problem_type(response) == "invalid-if-match"


async def test_after_the_lock_the_teacher_is_refused_and_the_deputy_corrects(world: World) -> None:
    lesson = await old_lesson(world)
    world.ids["old_lesson"] = lesson
    posted = await world.mark("student", 2, lesson="old_lesson")
    before = await table_counts(world.db)

    refused = await change(
        world, "class_teacher", posted["mark_id"], {"value": 3, "reason": "Пересдал", "version": 1}
    )
    refused_removal = await remove(
        world, "class_teacher", posted["mark_id"], {"reason": "Ошибка", "version": 1}
    )

    for response in (refused, refused_removal):
        assert response.status_code == 403
        assert problem_type(response) == "journal-locked"
    assert await table_counts(world.db) == before
    allowed = await change(
        world, "deputy", posted["mark_id"], {"value": 3, "reason": "Пересдал", "version": 1}
    )
    assert allowed.status_code == 200, allowed.text
    assert allowed.json()["changed_by"] == str(world.deputy)


async def test_the_schools_lock_period_decides(world: World) -> None:
    world.ids["old_lesson"] = await old_lesson(world, days_ago=5)
    posted = await world.mark("student", 2, lesson="old_lesson")
    settings = await world.client.get("/grading-settings", headers=world.auth("deputy"))
    assert settings.status_code == 200, settings.text
    body = {
        k: v for k, v in settings.json().items() if k not in ("version", "updated_at", "updated_by")
    }
    put = await world.client.put(
        "/grading-settings", json={**body, "lock_after_days": 3}, headers=world.auth("deputy")
    )
    assert put.status_code == 200, put.text

    response = await change(
        world, "class_teacher", posted["mark_id"], {"value": 3, "reason": "Пересдал", "version": 1}
    )

    assert response.status_code == 403
    assert problem_type(response) == "journal-locked"


@pytest.mark.parametrize(
    "who", ["teacher", "outsider", "director", "sysadmin", "student", "parent"]
)
async def test_others_may_not_correct_a_mark(
    world: World, posted: dict[str, Any], who: str
) -> None:
    before = await table_counts(world.db)

    changed = await change(
        world, who, posted["mark_id"], {"value": 3, "reason": "Ошибка", "version": 1}
    )
    removed = await remove(world, who, posted["mark_id"], {"reason": "Ошибка", "version": 1})

    assert (changed.status_code, removed.status_code) == (403, 403)
    assert await table_counts(world.db) == before


async def test_the_deputy_corrects_before_the_lock_too(
    world: World, posted: dict[str, Any]
) -> None:
    response = await change(
        world, "deputy", posted["mark_id"], {"value": 4, "reason": "Апелляция", "version": 1}
    )

    assert response.status_code == 200, response.text


async def test_another_schools_mark_is_not_found(world: World, other: World) -> None:
    theirs = await other.mark("student", 5)

    for mark_id in (theirs["mark_id"], str(uuid.uuid4())):
        changed = await change(
            world, "deputy", mark_id, {"value": 3, "reason": "Ошибка", "version": 1}
        )
        removed = await remove(world, "deputy", mark_id, {"reason": "Ошибка", "version": 1})
        read = await world.client.get(f"/marks/{mark_id}/history", headers=world.auth("deputy"))
        assert (changed.status_code, removed.status_code, read.status_code) == (404, 404, 404)


async def test_corrections_need_a_token(world: World, posted: dict[str, Any]) -> None:
    mark_id = posted["mark_id"]
    responses = [
        await world.client.patch(
            f"/marks/{mark_id}", json={"value": 3, "reason": "x", "version": 1}
        ),
        await world.client.request(
            "DELETE", f"/marks/{mark_id}", json={"reason": "x", "version": 1}
        ),
        await world.client.get(f"/marks/{mark_id}/history"),
        await world.client.get("/mark-changes", params={"from": "2026-11-01", "to": "2026-11-30"}),
    ]

    assert [response.status_code for response in responses] == [401, 401, 401, 401]


@pytest.mark.parametrize(
    "body",
    [
        {"value": 6, "reason": "Ошибка", "version": 1},
        {"value": "4", "reason": "Ошибка", "version": 1},
        {"value": 4, "reason": "", "version": 1},
        {"value": 4, "reason": "   ", "version": 1},
        {"value": 4, "version": 1},
        {"reason": "Ошибка", "version": 1},
        {"value": 4, "reason": "Ошибка", "version": 0},
        {"value": 4, "reason": "Ошибка\x00", "version": 1},
        {"value": 4, "reason": "Ошибка", "version": 1, "extra": 1},
        {"work_type": "no-such-type", "reason": "Ошибка", "version": 1},
        {"value": 5, "reason": "Ошибка", "version": 1},
    ],
)
async def test_bad_changes_are_refused_and_nothing_is_written(
    world: World, posted: dict[str, Any], body: dict[str, Any]
) -> None:
    before = await table_counts(world.db)

    response = await change(world, "class_teacher", posted["mark_id"], body)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert await table_counts(world.db) == before


async def test_a_removal_needs_a_reason(world: World, posted: dict[str, Any]) -> None:
    before = await table_counts(world.db)

    response = await remove(world, "class_teacher", posted["mark_id"], {"version": 1})

    assert response.status_code == 422
    assert await table_counts(world.db) == before


async def test_a_repeated_idempotency_key_replays_the_change(
    world: World, posted: dict[str, Any]
) -> None:
    body = {"value": 4, "reason": "Ошибка", "version": 1}
    first = await change(
        world, "class_teacher", posted["mark_id"], body, **{"Idempotency-Key": "fix-1"}
    )
    again = await change(
        world, "class_teacher", posted["mark_id"], body, **{"Idempotency-Key": "fix-1"}
    )

    assert (first.status_code, again.status_code) == (200, 200)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert len(await history(world, posted["mark_id"])) == 2
    assert len(await outbox(world.db, MARK_CHANGED, world.school_id)) == 1


@pytest.mark.parametrize("who", ["deputy", "director"])
async def test_the_administration_reads_a_marks_history(
    world: World, posted: dict[str, Any], who: str
) -> None:
    await change(
        world, "class_teacher", posted["mark_id"], {"value": 4, "reason": "Описка", "version": 1}
    )

    response = await world.client.get(
        f"/marks/{posted['mark_id']}/history", headers=world.auth(who)
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["mark_id"] == posted["mark_id"]
    assert body["removed"] is False
    assert [
        (
            c["version"],
            c["old_value"],
            c["new_value"],
            c["old_work_type"],
            c["new_work_type"],
            c["reason"],
            c["changed_by"],
        )
        for c in body["changes"]
    ] == [
        (1, None, 5, None, "control", "posted", str(world.class_teacher)),
        (2, 5, 4, "control", "control", "Описка", str(world.class_teacher)),
    ]


@pytest.mark.parametrize("who", ["class_teacher", "teacher", "sysadmin", "student", "parent"])
async def test_others_may_not_read_a_marks_history(
    world: World, posted: dict[str, Any], who: str
) -> None:
    response = await world.client.get(
        f"/marks/{posted['mark_id']}/history", headers=world.auth(who)
    )

    assert response.status_code == 403


async def test_the_deputy_lists_the_schools_changes_by_teacher_and_class(
    world: World, posted: dict[str, Any], other: World
) -> None:
    russian = await world.mark("student", 3, "homework", lesson="russian_lesson", who="teacher")
    await change(
        world, "class_teacher", posted["mark_id"], {"value": 4, "reason": "Описка", "version": 1}
    )
    await remove(world, "teacher", russian["mark_id"], {"reason": "Не тот ученик", "version": 1})
    theirs = await other.mark("student", 5)
    await change(
        other, "class_teacher", theirs["mark_id"], {"value": 4, "reason": "Чужая", "version": 1}
    )
    today = dt.datetime.now(dt.UTC).date().isoformat()
    period = {"from": today, "to": today}

    async def listed(**filters: str) -> list[tuple[str, int, int | None]]:
        response = await world.client.get(
            "/mark-changes", params={**period, **filters}, headers=world.auth("deputy")
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["total"] == len(body["items"])
        return sorted(
            (item["mark_id"], item["version"], item["new_value"]) for item in body["items"]
        )

    assert await listed() == sorted([(posted["mark_id"], 2, 4), (russian["mark_id"], 2, None)])
    assert await listed(teacher_id=str(world.teacher)) == [(russian["mark_id"], 2, None)]
    assert await listed(class_id=str(world.class_id), teacher_id=str(world.class_teacher)) == [
        (posted["mark_id"], 2, 4)
    ]
    assert await listed(class_id=str(world.ids["parallel_class"])) == []
    yesterday = (dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)).isoformat()
    assert (
        await world.client.get(
            "/mark-changes",
            params={"from": yesterday, "to": yesterday},
            headers=world.auth("deputy"),
        )
    ).json()["items"] == []


@pytest.mark.parametrize("who", ["class_teacher", "teacher", "sysadmin", "student", "parent"])
async def test_others_may_not_list_the_schools_changes(world: World, who: str) -> None:
    response = await world.client.get(
        "/mark-changes", params={"from": "2026-11-01", "to": "2026-11-30"}, headers=world.auth(who)
    )

    assert response.status_code == 403


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2026-11-30", "to": "2026-11-01"},
        {"from": "2026-11-01"},
        {"from": "2026-11-01", "to": "2026-11-30", "teacher_id": "nope"},
        {"from": "2026-11-01", "to": "2026-11-30", "limit": "0"},
    ],
)
async def test_a_bad_changes_query_is_refused(world: World, params: dict[str, str]) -> None:
    response = await world.client.get("/mark-changes", params=params, headers=world.auth("deputy"))

    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_a_lesson_locks_by_journals_clock_not_the_machines(
    world: World, posted: dict[str, Any]
) -> None:
    # The world's clock stands a week after MONDAY; a month on, the lesson is past the
    # default lock period of 14 days and only the deputy may correct its marks.
    with clock.standing_at(NOW + dt.timedelta(days=30)):
        fix = {"value": 3, "reason": "Описка", "version": 1}
        refused = await change(world, "class_teacher", posted["mark_id"], fix)
        allowed = await change(world, "deputy", posted["mark_id"], fix)

    assert refused.status_code == 403
    assert problem_type(refused) == "journal-locked"
    assert allowed.status_code == 200, allowed.text
