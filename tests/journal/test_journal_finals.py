"""Final marks of periods and years (GET/PUT/DELETE /assignments/{id}/periods/{id}/finals,
.../years/{id}/finals): the suggestion from the weighted average and the school's rounding
rule, setting and changing with a reason and a version, the whole class at once (all or
nothing), a closed period, who may read and write, bad input, the events, the history and
`finals_of_student` for the diary."""

import datetime as dt
import uuid
from typing import Any

import httpx
import pytest
from calendar_samples import YEAR_2026
from journal_world import World, count, outbox, problem_type, rows, table_counts
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from journal.finals.service import finals_of_student

SET = "journal.final_mark.set.v1"
REMOVED = "journal.final_mark.removed.v1"


async def open_year(world: World) -> dict[str, Any]:
    """The 2026/27 year with its quarters and halves; `quarter2` holds the world's lessons."""
    year = world.year
    periods = {f"{p['kind']}{p['number']}": uuid.UUID(p["period_id"]) for p in year["periods"]}
    world.ids.update(year=uuid.UUID(year["year_id"]), **periods)
    return year


@pytest.fixture
async def graded(world: World) -> World:
    await open_year(world)
    return world


def period_path(
    world: World, assignment: str = "russian_assignment", period: str = "quarter2"
) -> str:
    return f"/assignments/{world.ids[assignment]}/periods/{world.ids[period]}/finals"


def year_path(world: World, assignment: str = "russian_assignment") -> str:
    return f"/assignments/{world.ids[assignment]}/years/{world.ids['year']}/finals"


async def put_one(
    world: World,
    who: str,
    body: dict[str, Any],
    student: str = "student",
    path: str | None = None,
    **headers: str,
) -> httpx.Response:
    return await world.client.put(
        f"{path or period_path(world)}/{world.ids[student]}",
        json=body,
        headers={**world.auth(who), **headers},
    )


async def put_all(
    world: World, who: str, items: list[dict[str, Any]], path: str | None = None
) -> httpx.Response:
    return await world.client.put(
        path or period_path(world), json={"items": items}, headers=world.auth(who)
    )


async def remove_one(
    world: World, who: str, body: dict[str, Any], student: str = "student", **headers: str
) -> httpx.Response:
    return await world.client.request(
        "DELETE",
        f"{period_path(world)}/{world.ids[student]}",
        json=body,
        headers={**world.auth(who), **headers},
    )


async def column(world: World, who: str = "teacher", path: str | None = None) -> dict[str, Any]:
    response = await world.client.get(path or period_path(world), headers=world.auth(who))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def row_of(body: dict[str, Any], world: World, student: str = "student") -> dict[str, Any]:
    [found] = [i for i in body["items"] if i["student_id"] == str(world.ids[student])]
    return found


async def lesson(world: World, day: dt.date, assignment: str = "math_assignment") -> uuid.UUID:
    who = "class_teacher" if assignment == "math_assignment" else "teacher"
    created = await world.post(
        who, "/lessons", {"assignment_id": str(world.ids[assignment]), "date": day.isoformat()}
    )
    return uuid.UUID(created["lesson_id"])


async def history(world: World, student: str = "student") -> list[dict[str, Any]]:
    return await rows(
        world.db,
        "SELECT h.version, h.changed_by, h.old_value, h.new_value, h.reason"
        " FROM final_mark_history h JOIN final_marks f ON f.id = h.final_mark_id"
        " WHERE f.student_id = :student ORDER BY h.version",
        student=world.ids[student],
    )


def student_items(world: World) -> list[dict[str, Any]]:
    return [
        {"student_id": str(world.student_id), "value": 5},
        {"student_id": str(world.classmate_id), "value": "н/а"},
    ]


# --- the suggestion -------------------------------------------------------------------


async def test_the_suggestion_is_the_weighted_average_rounded_by_the_school_rule(
    graded: World,
) -> None:
    world = graded
    # Смирнов: a control work (weight 3) of 5 and two answers of 2: (15 + 4) / 5 = 3.80,
    # where the plain mean would be 3.00. Андреев: 4, 4, 3, 3 answers: exactly 3.50.
    for value, work_type in ((5, "control"), (2, "answer"), (2, "answer")):
        await world.mark("student", value, work_type)
    for value in (4, 4, 3, 3):
        await world.mark("classmate", value)
    # Left out: a removed mark, and a mark of the first quarter.
    removed = await world.mark("student", 1)
    deleted = await world.client.request(
        "DELETE",
        f"/marks/{removed['mark_id']}",
        json={"reason": "Ошибка", "version": 1},
        headers=world.auth("class_teacher"),
    )
    assert deleted.status_code == 200, deleted.text
    world.ids["october"] = await lesson(world, dt.date(2026, 10, 1))
    await world.mark("student", 1, lesson="october")

    body = await column(world, "class_teacher", period_path(world, "math_assignment"))

    assert (body["kind"], body["number"], body["closed"]) == ("quarter", 2, False)
    assert (body["rounding_rule"], body["min_marks_per_period"]) == ("from_0_50", 3)
    assert [i["last_name"] for i in body["items"]] == ["Андреев", "Смирнов"]
    student = row_of(body, world)
    assert (student["average"], student["marks_counted"], student["suggested"]) == (3.8, 3, 4)
    assert student["final"] == {"value": None, "version": 0, "set_by": None, "set_at": None}
    assert student["differs_from_suggestion"] is False
    classmate = row_of(body, world, "classmate")
    assert (classmate["average"], classmate["suggested"]) == (3.5, 4)

    settings = await world.client.put(
        "/grading-settings",
        json={
            "rounding_rule": "from_0_60",
            "min_marks_per_period": 3,
            "late_entry_days": 7,
            "lock_after_days": 14,
            "half_year_grades": [10, 11],
        },
        headers=world.auth("deputy"),
    )
    assert settings.status_code == 200, settings.text
    stricter = await column(world, "class_teacher", period_path(world, "math_assignment"))
    assert row_of(stricter, world, "classmate")["suggested"] == 3
    assert row_of(stricter, world)["suggested"] == 4


async def test_a_changed_weight_applies_to_the_suggestion(graded: World) -> None:
    world = graded
    for value, work_type in ((5, "control"), (2, "answer"), (2, "answer")):
        await world.mark("student", value, work_type)

    await world.patch_work_type("control", {"weight": 1})

    student = row_of(
        await column(world, "class_teacher", period_path(world, "math_assignment")), world
    )
    assert (student["average"], student["suggested"]) == (3.0, 3)


async def test_fewer_marks_than_the_schools_minimum_suggest_nothing(graded: World) -> None:
    world = graded
    await world.mark("student", 5)
    await world.mark("student", 5, lesson="math_lesson_tuesday")

    body = await column(world, "class_teacher", period_path(world, "math_assignment"))

    student = row_of(body, world)
    assert (student["average"], student["marks_counted"], student["suggested"]) == (5.0, 2, None)
    classmate = row_of(body, world, "classmate")
    assert (classmate["average"], classmate["marks_counted"], classmate["suggested"]) == (
        None,
        0,
        None,
    )


async def test_a_period_the_class_level_does_not_have_is_refused(graded: World) -> None:
    response = await graded.client.get(
        period_path(graded, period="half1"), headers=graded.auth("teacher")
    )

    assert response.status_code == 422
    assert problem_type(response) == "period-not-of-class"


# --- setting, changing, removing --------------------------------------------------------


async def test_the_assignments_teacher_sets_a_final_mark(graded: World) -> None:
    world = graded
    response = await put_one(world, "teacher", {"value": 4})

    assert response.status_code == 200, response.text
    body = response.json()
    assert body == {
        "final_mark_id": body["final_mark_id"],
        "student_id": str(world.student_id),
        "subject_id": str(world.ids["russian"]),
        "class_id": str(world.class_id),
        "year_id": str(world.ids["year"]),
        "period_id": str(world.ids["quarter2"]),
        "value": 4,
        "version": 1,
        "set_by": str(world.teacher),
        "set_at": body["set_at"],
        "removed_at": None,
    }
    assert await history(world) == [
        {
            "version": 1,
            "changed_by": world.teacher,
            "old_value": None,
            "new_value": "4",
            "reason": "set",
        }
    ]
    [event] = await outbox(world.db, SET, world.school_id)
    assert event["version"] == 1
    assert event["subject"] == f"final_mark/{body['final_mark_id']}"
    assert event["data"] == {
        "final_mark_id": body["final_mark_id"],
        "student_id": str(world.student_id),
        "class_id": str(world.class_id),
        "subject_id": str(world.ids["russian"]),
        "subject_name": "Русский язык",
        "assignment_id": str(world.ids["russian_assignment"]),
        "teacher_id": str(world.teacher),
        "year_id": str(world.ids["year"]),
        "period_id": str(world.ids["quarter2"]),
        "value": 4,
        "old_value": None,
    }
    shown = row_of(await column(world), world)
    assert shown["final"]["value"] == 4 and shown["final"]["version"] == 1


async def test_a_final_mark_may_differ_from_the_suggestion(graded: World) -> None:
    world = graded
    for value in (3, 3, 3):
        await world.mark("student", value, lesson="russian_lesson", who="teacher")

    assert (await put_one(world, "teacher", {"value": 4})).status_code == 200

    shown = row_of(await column(world), world)
    assert (shown["suggested"], shown["final"]["value"], shown["differs_from_suggestion"]) == (
        3,
        4,
        True,
    )


async def test_a_change_needs_its_version_and_a_reason(graded: World) -> None:
    world = graded
    assert (await put_one(world, "teacher", {"value": 4})).status_code == 200
    before = await table_counts(world.db)

    no_version = await put_one(world, "teacher", {"value": 5, "reason": "Исправил контрольную"})
    no_reason = await put_one(world, "teacher", {"value": 5, "version": 1})
    stale = await put_one(world, "teacher", {"value": 5, "reason": "Исправил", "version": 0})
    same = await put_one(world, "teacher", {"value": 4, "reason": "Ещё раз", "version": 1})

    assert (no_version.status_code, problem_type(no_version)) == (428, "version-required")
    assert (no_reason.status_code, problem_type(no_reason)) == (422, "reason-required")
    assert (stale.status_code, problem_type(stale)) == (409, "stale-version")
    assert stale.json()["current"] == {
        "student_id": str(world.student_id),
        "value": 4,
        "version": 1,
        "set_by": str(world.teacher),
        "set_at": stale.json()["current"]["set_at"],
    }
    assert (same.status_code, problem_type(same)) == (422, "nothing-changed")
    assert await table_counts(world.db) == before

    changed = await put_one(
        world, "teacher", {"value": 5, "reason": "Исправил контрольную"}, **{"If-Match": '"1"'}
    )

    assert changed.status_code == 200, changed.text
    assert (changed.json()["value"], changed.json()["version"]) == (5, 2)
    assert [(h["old_value"], h["new_value"], h["reason"]) for h in await history(world)] == [
        (None, "4", "set"),
        ("4", "5", "Исправил контрольную"),
    ]
    events = await outbox(world.db, SET, world.school_id)
    assert [(e["version"], e["data"]["value"], e["data"]["old_value"]) for e in events] == [
        (1, 4, None),
        (2, 5, 4),
    ]


async def test_a_removal_is_a_tombstone_and_a_new_mark_continues_its_version(
    graded: World,
) -> None:
    world = graded
    first = (await put_one(world, "teacher", {"value": "н/а"})).json()
    no_version = await remove_one(world, "teacher", {"reason": "Аттестован"})
    assert (no_version.status_code, problem_type(no_version)) == (428, "version-required")

    removed = await remove_one(world, "teacher", {"reason": "Аттестован", "version": 1})

    assert removed.status_code == 200, removed.text
    assert (removed.json()["value"], removed.json()["version"]) == (None, 2)
    assert removed.json()["removed_at"] is not None
    [tombstone] = await outbox(world.db, REMOVED, world.school_id)
    assert tombstone["version"] == 2
    assert tombstone["data"]["old_value"] == "н/а"
    assert tombstone["subject"] == f"final_mark/{first['final_mark_id']}"
    assert row_of(await column(world), world)["final"]["value"] is None
    again = await remove_one(world, "teacher", {"reason": "Ещё раз", "version": 2})
    assert (again.status_code, problem_type(again)) == (409, "stale-version")

    set_again = await put_one(world, "teacher", {"value": 3, "version": 2})

    assert set_again.status_code == 200, set_again.text
    assert set_again.json()["version"] == 3
    assert set_again.json()["final_mark_id"] == first["final_mark_id"]
    assert [(h["version"], h["new_value"]) for h in await history(world)] == [
        (1, "н/а"),
        (2, None),
        (3, "3"),
    ]


async def test_removing_a_final_mark_never_set_is_not_found(graded: World) -> None:
    response = await remove_one(graded, "teacher", {"reason": "Ошибка", "version": 1})

    assert response.status_code == 404


@pytest.mark.parametrize("value", ["н/а", "осв", "зч", 1, 2, 3, 4, 5])
async def test_every_final_value_is_accepted_in_any_subject(graded: World, value: Any) -> None:
    response = await put_one(graded, "teacher", {"value": value})

    assert response.status_code == 200, response.text
    assert response.json()["value"] == value


async def test_a_student_not_in_the_class_during_the_period_is_refused(graded: World) -> None:
    world = graded
    before = await table_counts(world.db)

    response = await put_one(world, "teacher", {"value": 5}, student="parallel_student")

    assert (response.status_code, problem_type(response)) == (422, "student-not-in-class")
    assert await table_counts(world.db) == before


# --- the whole class at once ---------------------------------------------------------


async def test_the_teacher_sets_the_whole_class_in_one_request(graded: World) -> None:
    world = graded

    response = await put_all(world, "teacher", student_items(world))

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["changed"] == 2
    assert [(i["student_id"], i["value"], i["version"]) for i in body["items"]] == [
        (str(world.student_id), 5, 1),
        (str(world.classmate_id), "н/а", 1),
    ]
    assert len(await outbox(world.db, SET, world.school_id)) == 2

    again = await put_all(
        world,
        "teacher",
        [
            {"student_id": str(world.student_id), "value": 5, "version": 1},
            {"student_id": str(world.classmate_id), "value": 3, "version": 1, "reason": "Досдал"},
        ],
    )

    assert again.status_code == 200, again.text
    assert again.json()["changed"] == 1
    assert [i["version"] for i in again.json()["items"]] == [1, 2]
    assert len(await outbox(world.db, SET, world.school_id)) == 3


async def test_the_whole_class_is_all_or_nothing_and_every_bad_entry_is_named(
    graded: World,
) -> None:
    world = graded
    assert (await put_one(world, "teacher", {"value": 4}, student="classmate")).status_code == 200
    before = await table_counts(world.db)

    response = await put_all(
        world,
        "teacher",
        [
            {"student_id": str(world.student_id), "value": 5},
            {"student_id": str(world.ids["parallel_student"]), "value": 5},
            {"student_id": str(world.classmate_id), "value": 5, "version": 1},
            {"student_id": str(world.student_id), "value": 4},
        ],
    )

    assert (response.status_code, problem_type(response)) == (422, "invalid-final-marks")
    assert [(e["loc"], e["type"]) for e in response.json()["errors"]] == [
        (["body", "items", 1], "student-not-in-class"),
        (["body", "items", 2], "reason-required"),
        (["body", "items", 3], "duplicate"),
    ]
    assert await table_counts(world.db) == before


async def test_stale_entries_of_the_whole_class_answer_409_with_their_current_marks(
    graded: World,
) -> None:
    world = graded
    assert (await put_all(world, "teacher", student_items(world))).status_code == 200
    before = await table_counts(world.db)

    response = await put_all(
        world,
        "teacher",
        [
            {"student_id": str(world.student_id), "value": 4, "version": 0, "reason": "x"},
            {"student_id": str(world.classmate_id), "value": 4, "version": 1, "reason": "x"},
        ],
    )

    assert (response.status_code, problem_type(response)) == (409, "stale-version")
    [error] = response.json()["errors"]
    assert error["loc"] == ["body", "items", 0]
    assert (error["student_id"], error["current"]["value"]) == (str(world.student_id), 5)
    assert error["current"]["version"] == 1
    assert await table_counts(world.db) == before


# --- the year --------------------------------------------------------------------------


async def test_the_year_suggests_the_rounded_mean_of_the_period_finals(graded: World) -> None:
    world = graded
    path = period_path
    for quarter, (mine, theirs) in zip(
        ("quarter1", "quarter2", "quarter3"), ((5, "осв"), (4, "осв"), (4, "осв")), strict=True
    ):
        written = await put_all(
            world,
            "teacher",
            [
                {"student_id": str(world.student_id), "value": mine},
                {"student_id": str(world.classmate_id), "value": theirs},
            ],
            path(world, period=quarter),
        )
        assert written.status_code == 200, written.text

    incomplete = await column(world, "teacher", year_path(world))
    assert row_of(incomplete, world)["suggested"] is None
    assert [p["value"] for p in row_of(incomplete, world)["periods"]] == [5, 4, 4, None]

    await put_all(
        world,
        "teacher",
        [
            {"student_id": str(world.student_id), "value": "н/а"},
            {"student_id": str(world.classmate_id), "value": "осв"},
        ],
        path(world, period="quarter4"),
    )
    body = await column(world, "teacher", year_path(world))

    assert (body["kind"], body["closed"]) == ("quarter", False)
    assert row_of(body, world)["suggested"] == 4  # (5 + 4 + 4) / 3 = 4.33; н/а left out
    assert row_of(body, world, "classmate")["suggested"] == "осв"

    year_mark = await put_one(world, "teacher", {"value": 5}, path=year_path(world))
    assert year_mark.status_code == 200, year_mark.text
    assert year_mark.json()["period_id"] is None
    shown = row_of(await column(world, "teacher", year_path(world)), world)
    assert (shown["final"]["value"], shown["differs_from_suggestion"]) == (5, True)
    [*_, event] = await outbox(world.db, SET, world.school_id)
    assert event["data"]["period_id"] is None and event["data"]["value"] == 5


async def test_finals_of_a_student_for_the_diary(graded: World) -> None:
    world = graded
    await put_one(world, "teacher", {"value": 5})
    await put_one(world, "teacher", {"value": 4}, path=period_path(world, period="quarter1"))
    await put_one(world, "teacher", {"value": 5}, path=year_path(world))
    await put_one(
        world, "class_teacher", {"value": "зч"}, path=period_path(world, "math_assignment")
    )
    await put_one(world, "teacher", {"value": 3}, student="classmate")

    async with world.db.transaction() as session:
        finals = await finals_of_student(session, world.student_id, world.ids["year"])

    assert [(f.subject_name, f.period_kind, f.period_number, f.value) for f in finals] == [
        ("Математика", "quarter", 2, "зч"),
        ("Русский язык", "quarter", 1, 4),
        ("Русский язык", "quarter", 2, 5),
        ("Русский язык", None, None, 5),
    ]


# --- closed periods ----------------------------------------------------------------------


async def test_a_closed_period_refuses_final_marks(graded: World) -> None:
    world = graded
    assert (await put_one(world, "teacher", {"value": 4})).status_code == 200
    await rows(
        world.db,
        "UPDATE periods SET closed_at = now(), closed_by = :who WHERE id = :id RETURNING id",
        who=world.deputy,
        id=world.ids["quarter2"],
    )
    before = await table_counts(world.db)

    responses = [
        await put_one(world, "teacher", {"value": 5, "reason": "Пересдал", "version": 1}),
        await put_one(world, "teacher", {"value": 5}, student="classmate"),
        await put_all(world, "teacher", student_items(world)),
        await remove_one(world, "teacher", {"reason": "Ошибка", "version": 1}),
    ]

    for response in responses:
        assert (response.status_code, problem_type(response)) == (409, "period-closed")
        assert response.json()["detail"].startswith("Период закрыт")
    assert await table_counts(world.db) == before
    assert (await column(world))["closed"] is True
    other_quarter = await put_one(
        world, "teacher", {"value": 5}, path=period_path(world, period="quarter3")
    )
    assert other_quarter.status_code == 200


async def test_a_closed_year_refuses_its_final_marks(graded: World) -> None:
    world = graded
    await rows(
        world.db,
        "UPDATE academic_years SET closed_at = now() WHERE id = :id RETURNING id",
        id=world.ids["year"],
    )
    before = await table_counts(world.db)

    year_mark = await put_one(world, "teacher", {"value": 5}, path=year_path(world))
    period_mark = await put_one(world, "teacher", {"value": 5})

    assert (year_mark.status_code, problem_type(year_mark)) == (409, "year-closed")
    assert (period_mark.status_code, problem_type(period_mark)) == (409, "year-closed")
    assert await table_counts(world.db) == before


# --- who may ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("teacher", 200),
        ("class_teacher", 200),
        ("deputy", 200),
        ("director", 200),
        ("outsider", 404),
        ("sysadmin", 403),
        ("student", 403),
        ("parent", 403),
    ],
)
async def test_who_reads_a_column(graded: World, who: str, status: int) -> None:
    for path in (period_path(graded), year_path(graded)):
        response = await graded.client.get(path, headers=graded.auth(who))
        assert response.status_code == status, (path, response.text)


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("class_teacher", 403),
        ("deputy", 403),
        ("director", 403),
        ("outsider", 404),
        ("sysadmin", 403),
        ("student", 403),
        ("parent", 403),
    ],
)
async def test_only_the_assignments_teacher_writes(graded: World, who: str, status: int) -> None:
    world = graded
    assert (await put_one(world, "teacher", {"value": 4}, student="classmate")).status_code == 200
    before = await table_counts(world.db)

    responses = [
        await put_one(world, who, {"value": 5}),
        await put_one(world, who, {"value": 5}, path=year_path(world)),
        await put_all(world, who, student_items(world)),
        await remove_one(world, who, {"reason": "Ошибка", "version": 1}, student="classmate"),
    ]

    assert [r.status_code for r in responses] == [status] * 4
    assert await table_counts(world.db) == before


async def test_another_schools_assignment_and_period_are_not_found(
    graded: World, other: World
) -> None:
    world = graded
    await open_year(other)
    before = await table_counts(world.db)
    paths = [
        period_path(other),  # another school's assignment and period
        f"/assignments/{world.ids['russian_assignment']}/periods/{other.ids['quarter2']}/finals",
        f"/assignments/{world.ids['russian_assignment']}/years/{other.ids['year']}/finals",
        f"/assignments/{uuid.uuid4()}/periods/{world.ids['quarter2']}/finals",
    ]

    for path in paths:
        read = await world.client.get(path, headers=world.auth("deputy"))
        one = await world.client.put(
            f"{path}/{world.student_id}", json={"value": 5}, headers=world.auth("teacher")
        )
        many = await put_all(world, "teacher", student_items(world), path)
        assert (read.status_code, one.status_code, many.status_code) == (404, 404, 404), path
    assert await table_counts(world.db) == before


async def test_final_marks_need_a_token(graded: World) -> None:
    path = period_path(graded)
    responses = [
        await graded.client.get(path),
        await graded.client.put(path, json={"items": student_items(graded)}),
        await graded.client.put(f"{path}/{graded.student_id}", json={"value": 5}),
        await graded.client.request(
            "DELETE", f"{path}/{graded.student_id}", json={"reason": "x", "version": 1}
        ),
        await graded.client.get(year_path(graded)),
        await graded.client.get(f"{year_path(graded)}/{graded.student_id}/history"),
    ]

    assert [r.status_code for r in responses] == [401] * 6


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"value": 0},
        {"value": 6},
        {"value": "5"},
        {"value": True},
        {"value": 4.5},
        {"value": 4.0},
        {"value": "зачёт"},
        {"value": "Н/А"},
        {"value": ""},
        {"value": None},
        {},
        {"value": 5, "version": -1},
        {"value": 5, "version": "1"},
        {"value": 5, "reason": ""},
        {"value": 5, "reason": "\x00"},
        {"value": 5, "comment": "лишнее"},
    ],
)
async def test_bad_final_marks_are_refused_and_nothing_is_written(
    graded: World, body: dict[str, Any]
) -> None:
    world = graded
    before = await table_counts(world.db)

    one = await put_one(world, "teacher", body)
    many = await put_all(
        world,
        "teacher",
        [
            {"student_id": str(world.classmate_id), "value": 5},
            {"student_id": str(world.student_id), **body},
        ],
    )

    for response in (one, many):
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
    assert await table_counts(world.db) == before


@pytest.mark.parametrize(
    "body",
    [{"items": []}, {"items": "всё"}, {}, {"items": [{"value": 5}]}],
)
async def test_a_bad_class_request_is_refused(graded: World, body: dict[str, Any]) -> None:
    before = await table_counts(graded.db)

    response = await graded.client.put(
        period_path(graded), json=body, headers=graded.auth("teacher")
    )

    assert response.status_code == 422, response.text
    assert await table_counts(graded.db) == before


async def test_a_class_request_holds_at_most_a_hundred_entries(graded: World) -> None:
    items = [{"student_id": str(uuid.uuid4()), "value": 5} for _ in range(101)]

    response = await put_all(graded, "teacher", items)

    assert response.status_code == 422


# --- history and the calendar --------------------------------------------------------------


@pytest.mark.parametrize("who", ["deputy", "director"])
async def test_the_administration_reads_a_final_marks_history(graded: World, who: str) -> None:
    world = graded
    await put_one(world, "teacher", {"value": 4})
    await put_one(world, "teacher", {"value": 5, "reason": "Пересдал", "version": 1})
    await remove_one(world, "teacher", {"reason": "Перевёлся", "version": 2})

    response = await world.client.get(
        f"{period_path(world)}/{world.student_id}/history", headers=world.auth(who)
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["removed"] is True
    assert [
        (c["version"], c["old_value"], c["new_value"], c["reason"], c["changed_by"])
        for c in body["changes"]
    ] == [
        (1, None, 4, "set", str(world.teacher)),
        (2, 4, 5, "Пересдал", str(world.teacher)),
        (3, 5, None, "Перевёлся", str(world.teacher)),
    ]


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("teacher", 403),
        ("class_teacher", 403),
        ("outsider", 403),
        ("student", 403),
        ("parent", 403),
    ],
)
async def test_others_may_not_read_a_final_marks_history(
    graded: World, who: str, status: int
) -> None:
    await put_one(graded, "teacher", {"value": 4}, path=year_path(graded))

    response = await graded.client.get(
        f"{year_path(graded)}/{graded.student_id}/history", headers=graded.auth(who)
    )

    assert response.status_code == status


async def test_a_final_mark_never_set_has_no_history(graded: World, other: World) -> None:
    await open_year(other)
    never = await graded.client.get(
        f"{period_path(graded)}/{graded.student_id}/history", headers=graded.auth("deputy")
    )
    foreign = await graded.client.get(
        f"{period_path(other)}/{other.student_id}/history", headers=graded.auth("deputy")
    )

    assert (never.status_code, foreign.status_code) == (404, 404)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE final_mark_history SET reason = 'x'",
        "DELETE FROM final_mark_history",
        "TRUNCATE final_mark_history CASCADE",
    ],
)
async def test_the_final_mark_history_is_append_only(graded: World, statement: str) -> None:
    assert (await put_one(graded, "teacher", {"value": 5})).status_code == 200

    with pytest.raises(DBAPIError, match="append-only"):
        async with graded.db.transaction() as session:
            await session.execute(text(statement))


async def test_a_period_holding_final_marks_stays_in_the_calendar(graded: World) -> None:
    world = graded
    assert (
        await put_one(world, "teacher", {"value": 5}, path=period_path(world, period="quarter4"))
    ).status_code == 200
    without_quarters = {
        **YEAR_2026,
        "periods": [p for p in YEAR_2026["periods"] if p["kind"] == "half"],
    }

    response = await world.client.put(
        f"/years/{world.ids['year']}", json=without_quarters, headers=world.auth("deputy")
    )

    assert (response.status_code, problem_type(response)) == (409, "period-has-final-marks")
    assert await count(world.db, "periods", "year_id = :y", y=world.ids["year"]) == 6
