"""The bell schedule (GET, PUT /bell-schedule), weekly timetable entries (POST, PATCH
/timetable/entries), a class's week (GET /classes/{id}/timetable), and generating a
period's lessons from it (POST /timetable/generate): conflicts, who may do what, events."""

import datetime as dt
import uuid
from typing import Any

import pytest
from journal_world import World, count, outbox, problem_type, rows, table_counts
from sqlalchemy.exc import IntegrityError
from timetable_samples import (
    A_TUESDAY_IN_Q3,
    BELLS,
    DAY_OFF,
    Q3_END,
    Q3_START,
    add_entry,
    open_calendar,
    weekdays_between,
)

SCHEDULED = "journal.lesson.scheduled.v1"


async def put_bells(world: World, who: str, body: dict[str, Any]) -> Any:
    return await world.client.put("/bell-schedule", json=body, headers=world.auth(who))


async def post_entry(world: World, who: str, body: dict[str, Any]) -> Any:
    return await world.client.post("/timetable/entries", json=body, headers=world.auth(who))


def entry_body(world: World, assignment: str = "math_assignment", **changes: Any) -> dict[str, Any]:
    return {
        "assignment_id": str(world.ids[assignment]),
        "weekday": 2,
        "lesson_number": 1,
        "valid_from": "2026-09-01",
        **changes,
    }


async def group(world: World, name: str) -> uuid.UUID:
    made = await world.post("deputy", f"/classes/{world.class_id}/groups", {"name": name})
    return uuid.UUID(made["group_id"])


async def generate(world: World, body: dict[str, Any], who: str = "deputy") -> Any:
    return await world.client.post("/timetable/generate", json=body, headers=world.auth(who))


# --- the bell schedule --------------------------------------------------------------------


async def test_the_deputy_sets_the_bell_schedule_and_everyone_reads_it(world: World) -> None:
    response = await put_bells(world, "deputy", {"version": 0, "lessons": BELLS})

    assert response.status_code == 200, response.text
    assert response.json() == {"version": 1, "lessons": BELLS}
    for who in ("director", "teacher", "student", "parent"):
        read = await world.client.get("/bell-schedule", headers=world.auth(who))
        assert read.status_code == 200 and read.json() == response.json()
    [event] = await outbox(world.db, "journal.bell_schedule.changed.v1", world.school_id)
    assert event["version"] == 1
    assert event["data"]["lessons"][0] == {
        "lesson_number": 1,
        "starts_at": "08:30",
        "ends_at": "09:15",
    }


async def test_a_school_without_bells_reads_version_zero(world: World) -> None:
    read = await world.client.get("/bell-schedule", headers=world.auth("teacher"))

    assert read.json() == {"version": 0, "lessons": []}


async def test_the_same_bells_again_change_nothing_and_a_stale_version_is_refused(
    world: World,
) -> None:
    await put_bells(world, "deputy", {"version": 0, "lessons": BELLS})

    again = await put_bells(world, "director", {"version": 1, "lessons": BELLS})
    stale = await put_bells(world, "deputy", {"version": 0, "lessons": BELLS[:2]})

    assert again.status_code == 200 and again.json()["version"] == 1
    assert stale.status_code == 409 and problem_type(stale) == "stale-version"
    assert stale.json()["current"]["version"] == 1
    assert len(await outbox(world.db, "journal.bell_schedule.changed.v1", world.school_id)) == 1


@pytest.mark.parametrize(
    ("lessons", "problem"),
    [
        (
            [
                {"lesson_number": 1, "starts_at": "08:30", "ends_at": "09:15"},
                {"lesson_number": 2, "starts_at": "09:10", "ends_at": "09:55"},
            ],
            "overlap",
        ),
        ([{"lesson_number": 1, "starts_at": "09:15", "ends_at": "08:30"}], "time_order"),
        (
            [
                {"lesson_number": 1, "starts_at": "08:30", "ends_at": "09:15"},
                {"lesson_number": 1, "starts_at": "09:25", "ends_at": "10:10"},
            ],
            "duplicate",
        ),
        (
            [
                {"lesson_number": 2, "starts_at": "08:30", "ends_at": "09:15"},
                {"lesson_number": 1, "starts_at": "09:25", "ends_at": "10:10"},
            ],
            "overlap",
        ),
    ],
    ids=["overlapping", "ends-before-start", "number-twice", "out-of-order"],
)
async def test_an_inconsistent_bell_schedule_is_refused_whole(
    world: World, lessons: list[dict[str, Any]], problem: str
) -> None:
    before = await table_counts(world.db)

    response = await put_bells(world, "deputy", {"version": 0, "lessons": lessons})

    assert response.status_code == 422, response.text
    assert problem_type(response) == "validation-error"
    assert problem in {e["type"] for e in response.json()["errors"]}
    assert await table_counts(world.db) == before


@pytest.mark.parametrize(
    "lessons",
    [
        [],
        [{"lesson_number": 13, "starts_at": "08:30", "ends_at": "09:15"}],
        [{"lesson_number": 1, "starts_at": "8:30", "ends_at": "09:15"}],
        [{"lesson_number": 1, "starts_at": "24:00", "ends_at": "09:15"}],
        [{"lesson_number": 1, "starts_at": "08:30:00Z", "ends_at": "09:15"}],
    ],
    ids=["none", "number-13", "one-digit-hour", "hour-24", "with-seconds"],
)
async def test_a_bell_schedule_out_of_bounds_is_refused(
    world: World, lessons: list[dict[str, Any]]
) -> None:
    before = await table_counts(world.db)

    response = await put_bells(world, "deputy", {"version": 0, "lessons": lessons})

    assert response.status_code == 422 and problem_type(response) == "validation-error"
    assert await table_counts(world.db) == before


@pytest.mark.parametrize("who", ["class_teacher", "teacher", "sysadmin", "student", "parent"])
async def test_only_the_administration_sets_the_bells(world: World, who: str) -> None:
    response = await put_bells(world, who, {"version": 0, "lessons": BELLS})

    assert response.status_code == 403
    assert await count(world.db, "bell_schedules", "school_id = :id", id=world.school_id) == 0


async def test_the_bells_need_a_token(world: World) -> None:
    assert (await world.client.get("/bell-schedule")).status_code == 401
    put = await world.client.put("/bell-schedule", json={"version": 0, "lessons": BELLS})
    assert put.status_code == 401


async def test_each_school_has_its_own_bells(world: World, other: World) -> None:
    await put_bells(other, "deputy", {"version": 0, "lessons": BELLS})

    read = await world.client.get("/bell-schedule", headers=world.auth("deputy"))

    assert read.json()["version"] == 0


# --- entries ------------------------------------------------------------------------------


async def test_the_deputy_puts_an_assignment_into_a_weekly_slot(world: World) -> None:
    await open_calendar(world)

    response = await post_entry(world, "deputy", entry_body(world))

    assert response.status_code == 201, response.text
    body = response.json()
    assert body == {
        "entry_id": body["entry_id"],
        "assignment_id": str(world.ids["math_assignment"]),
        "class_id": str(world.class_id),
        "group_id": None,
        "subject_id": str(world.ids["math"]),
        "subject_name": "Математика",
        "teacher_id": str(world.class_teacher),
        "weekday": 2,
        "lesson_number": 1,
        "starts_at": "08:30",
        "ends_at": "09:15",
        "valid_from": "2026-09-01",
        "valid_to": None,
        "version": 1,
    }
    [event] = await outbox(world.db, "journal.timetable_entry.changed.v1", world.school_id)
    assert event["subject"] == f"timetable_entry/{body['entry_id']}"
    assert event["data"]["teacher_id"] == str(world.class_teacher)


async def test_the_director_may_keep_the_timetable_too(world: World) -> None:
    await open_calendar(world)

    response = await post_entry(world, "director", entry_body(world))

    assert response.status_code == 201, response.text


async def test_a_class_cannot_have_two_lessons_in_one_slot(world: World) -> None:
    await open_calendar(world)
    first = await add_entry(world, "math_assignment", 2, 1)
    before = await table_counts(world.db)

    response = await post_entry(world, "deputy", entry_body(world, "russian_assignment"))

    assert response.status_code == 409, response.text
    assert problem_type(response) == "slot-taken"
    assert response.json()["entry_id"] == first["entry_id"]
    assert await table_counts(world.db) == before


async def test_two_groups_of_a_class_share_a_slot_but_not_with_the_whole_class(
    world: World,
) -> None:
    await open_calendar(world)
    english_1, english_2 = await group(world, "Английский 1"), await group(world, "Английский 2")

    first = await post_entry(world, "deputy", entry_body(world, group_id=str(english_1)))
    second = await post_entry(
        world, "deputy", entry_body(world, "russian_assignment", group_id=str(english_2))
    )
    same_group = await post_entry(
        world,
        "deputy",
        entry_body(
            world, "russian_assignment", group_id=str(english_1), lesson_number=1, weekday=2
        ),
    )
    whole_class = await post_entry(
        world, "deputy", entry_body(world, "russian_assignment", weekday=2)
    )

    assert (first.status_code, second.status_code) == (201, 201), second.text
    assert [problem_type(r) for r in (same_group, whole_class)] == ["slot-taken", "slot-taken"]


async def test_a_teacher_cannot_teach_two_classes_in_one_slot(world: World) -> None:
    await open_calendar(world)
    world.ids["parallel_math"] = uuid.UUID(
        (
            await world.post(
                "deputy",
                "/assignments",
                {
                    "teacher_id": str(world.class_teacher),
                    "class_id": str(world.ids["parallel_class"]),
                    "subject_id": str(world.ids["math"]),
                },
            )
        )["assignment_id"]
    )
    await add_entry(world, "math_assignment", 2, 1)

    clash = await post_entry(world, "deputy", entry_body(world, "parallel_math"))
    other_slot = await post_entry(world, "deputy", entry_body(world, "parallel_math", weekday=3))

    assert clash.status_code == 409 and problem_type(clash) == "teacher-busy"
    assert other_slot.status_code == 201


async def test_a_timetable_changes_mid_year_by_ending_an_entry(world: World) -> None:
    await open_calendar(world)
    old = await add_entry(world, "math_assignment", 2, 1)

    overlapping = await post_entry(
        world, "deputy", entry_body(world, "russian_assignment", valid_from="2027-01-12")
    )
    ended = await world.client.patch(
        f"/timetable/entries/{old['entry_id']}",
        json={"valid_to": "2027-01-11"},
        headers={**world.auth("deputy"), "If-Match": "1"},
    )
    replacing = await post_entry(
        world, "deputy", entry_body(world, "russian_assignment", valid_from="2027-01-12")
    )

    assert problem_type(overlapping) == "slot-taken"
    assert ended.status_code == 200, ended.text
    assert ended.json()["valid_to"] == "2027-01-11" and ended.json()["version"] == 2
    assert replacing.status_code == 201, replacing.text
    events = await outbox(world.db, "journal.timetable_entry.changed.v1", world.school_id)
    ended_events = [e for e in events if e["subject"] == f"timetable_entry/{old['entry_id']}"]
    assert [(e["version"], e["data"]["valid_to"]) for e in ended_events] == [
        (1, None),
        (2, "2027-01-11"),
    ]


async def test_ending_an_entry_needs_its_current_version(world: World) -> None:
    await open_calendar(world)
    entry = await add_entry(world, "math_assignment", 2, 1)
    path = f"/timetable/entries/{entry['entry_id']}"

    missing = await world.client.patch(
        path, json={"valid_to": "2027-01-11"}, headers=world.auth("deputy")
    )
    stale = await world.client.patch(
        path, json={"valid_to": "2027-01-11", "version": 7}, headers=world.auth("deputy")
    )
    before_start = await world.client.patch(
        path, json={"valid_to": "2026-08-31", "version": 1}, headers=world.auth("deputy")
    )

    assert missing.status_code == 428
    assert stale.status_code == 409 and stale.json()["current"]["version"] == 1
    assert before_start.status_code == 422 and problem_type(before_start) == "invalid-date-range"


async def test_an_entry_made_by_mistake_is_removed_and_its_lessons_stay(world: World) -> None:
    periods = await open_calendar(world)
    entry = await add_entry(world, "math_assignment", 2, 1)
    made = (await generate(world, {"period_id": str(periods["q3"])})).json()["created"]
    path = f"/timetable/entries/{entry['entry_id']}"

    stale = await world.client.delete(path, params={"version": 2}, headers=world.auth("deputy"))
    missing = await world.client.delete(path, headers=world.auth("deputy"))
    teacher = await world.client.delete(path, params={"version": 1}, headers=world.auth("teacher"))
    removed = await world.client.delete(path, headers={**world.auth("deputy"), "If-Match": "1"})
    again = await world.client.delete(path, params={"version": 1}, headers=world.auth("deputy"))

    assert [r.status_code for r in (stale, missing, teacher, removed, again)] == [
        409,
        428,
        403,
        204,
        404,
    ]
    assert await count(world.db, "timetable_entries", "id = :id", id=entry["entry_id"]) == 0
    lessons = await count(
        world.db,
        "lessons",
        "assignment_id = :a AND date >= :d",
        a=world.ids["math_assignment"],
        d=Q3_START,
    )
    assert lessons == made
    [tombstone] = await outbox(world.db, "journal.timetable_entry.removed.v1", world.school_id)
    assert (
        tombstone["version"] == 2 and tombstone["subject"] == f"timetable_entry/{entry['entry_id']}"
    )


@pytest.mark.parametrize(
    ("changes", "status", "problem"),
    [
        ({"lesson_number": 7}, 422, "unknown-lesson-number"),
        ({"weekday": 7}, 422, "validation-error"),
        ({"weekday": 0}, 422, "validation-error"),
        ({"lesson_number": 0}, 422, "validation-error"),
        ({"valid_to": "2026-08-31"}, 422, "invalid-date-range"),
        ({"valid_from": "9999-12-31"}, 422, "validation-error"),
        ({"weekday": "2"}, 422, "validation-error"),
        ({"room": "12"}, 422, "validation-error"),
    ],
    ids=["not-in-bells", "sunday", "weekday-0", "number-0", "ends-before", "far", "str", "extra"],
)
async def test_a_bad_entry_is_refused_and_nothing_is_written(
    world: World, changes: dict[str, Any], status: int, problem: str
) -> None:
    await open_calendar(world)
    before = await table_counts(world.db)

    response = await post_entry(world, "deputy", entry_body(world, **changes))

    assert response.status_code == status, response.text
    assert problem_type(response) == problem
    assert await table_counts(world.db) == before


async def test_a_group_of_another_class_is_refused(world: World) -> None:
    await open_calendar(world)
    made = await world.post(
        "deputy", f"/classes/{world.ids['parallel_class']}/groups", {"name": "Группа 1"}
    )
    before = await table_counts(world.db)

    response = await post_entry(world, "deputy", entry_body(world, group_id=made["group_id"]))

    assert response.status_code == 422 and problem_type(response) == "group-not-in-class"
    assert await table_counts(world.db) == before


@pytest.mark.parametrize("who", ["class_teacher", "teacher", "sysadmin", "student", "parent"])
async def test_only_the_administration_keeps_the_timetable(world: World, who: str) -> None:
    await open_calendar(world)
    entry = await add_entry(world, "math_assignment", 2, 1)
    before = await table_counts(world.db)

    added = await post_entry(world, who, entry_body(world, weekday=4))
    ended = await world.client.patch(
        f"/timetable/entries/{entry['entry_id']}",
        json={"valid_to": "2027-01-11", "version": 1},
        headers=world.auth(who),
    )
    generated = await generate(world, {"period_id": str(uuid.uuid4())}, who)
    removed = await world.client.delete(
        f"/timetable/entries/{entry['entry_id']}", params={"version": 1}, headers=world.auth(who)
    )

    assert [r.status_code for r in (added, ended, generated, removed)] == [403] * 4
    assert await table_counts(world.db) == before


async def test_another_schools_timetable_does_not_exist(world: World, other: World) -> None:
    await open_calendar(world)
    periods = await open_calendar(other)
    theirs = await add_entry(other, "math_assignment", 2, 1)

    added = await post_entry(world, "deputy", entry_body(other))
    ended = await world.client.patch(
        f"/timetable/entries/{theirs['entry_id']}",
        json={"valid_to": "2027-01-11", "version": 1},
        headers=world.auth("deputy"),
    )
    week = await world.client.get(
        f"/classes/{other.class_id}/timetable", headers=world.auth("deputy")
    )
    generated = await generate(world, {"period_id": str(periods["q3"])})
    removed = await world.client.delete(
        f"/timetable/entries/{theirs['entry_id']}",
        params={"version": 1},
        headers=world.auth("deputy"),
    )

    assert [r.status_code for r in (added, ended, week, generated, removed)] == [404] * 5


async def test_the_timetable_needs_a_token(world: World) -> None:
    responses = [
        await world.client.post("/timetable/entries", json=entry_body(world)),
        await world.client.patch(
            f"/timetable/entries/{uuid.uuid4()}", json={"valid_to": "2027-01-01"}
        ),
        await world.client.get(f"/classes/{world.class_id}/timetable"),
        await world.client.post("/timetable/generate", json={"period_id": str(uuid.uuid4())}),
        await world.client.delete(f"/timetable/entries/{uuid.uuid4()}", params={"version": 1}),
    ]

    assert [r.status_code for r in responses] == [401] * 5


# --- reading a class's week ---------------------------------------------------------------


@pytest.mark.parametrize(
    "who", ["deputy", "director", "class_teacher", "teacher", "student", "parent"]
)
async def test_the_class_its_teachers_and_families_read_its_week(world: World, who: str) -> None:
    await open_calendar(world)
    await add_entry(world, "russian_assignment", 3, 2)
    await add_entry(world, "math_assignment", 2, 1, valid_to=dt.date(2026, 12, 31))
    await add_entry(world, "math_assignment", 4, 1, valid_from=dt.date(2027, 1, 12))

    response = await world.client.get(
        f"/classes/{world.class_id}/timetable",
        params={"on": "2026-11-24"},
        headers=world.auth(who),
    )

    assert response.status_code == 200, response.text
    assert [
        (e["weekday"], e["lesson_number"], e["subject_name"]) for e in response.json()["items"]
    ] == [(2, 1, "Математика"), (3, 2, "Русский язык")]


@pytest.mark.parametrize("who", ["outsider", "sysadmin"])
async def test_others_do_not_read_a_class_week(world: World, who: str) -> None:
    response = await world.client.get(
        f"/classes/{world.class_id}/timetable", headers=world.auth(who)
    )

    assert response.status_code == 403


async def test_a_student_of_another_class_does_not_read_its_week(world: World) -> None:
    token = world.tokens.token(
        school_id=world.school_id, roles=["student"], person_id=world.ids["parallel_student"]
    )

    response = await world.client.get(
        f"/classes/{world.class_id}/timetable", headers={"Authorization": f"Bearer {token}"}
    )

    assert response.status_code == 403


# --- generating a period's lessons --------------------------------------------------------


async def test_a_period_is_generated_from_the_timetable_skipping_days_off(world: World) -> None:
    periods = await open_calendar(world)
    await add_entry(world, "math_assignment", 2, 1)  # Tuesdays, lesson 1, all year
    # Russian on Wednesdays until February, then on Thursdays (a mid-year change).
    await add_entry(world, "russian_assignment", 3, 2, valid_to=dt.date(2027, 2, 28))
    await add_entry(world, "russian_assignment", 4, 3, valid_from=dt.date(2027, 3, 1))

    response = await generate(
        world, {"period_id": str(periods["q3"]), "class_id": str(world.class_id)}
    )

    tuesdays = [d for d in weekdays_between(Q3_START, Q3_END, 2) if d != DAY_OFF]
    wednesdays = weekdays_between(Q3_START, dt.date(2027, 2, 28), 3)
    thursdays = weekdays_between(dt.date(2027, 3, 1), Q3_END, 4)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "period_id": str(periods["q3"]),
        "classes": 1,
        "school_days": response.json()["school_days"],
        "holidays_skipped": 1,
        "created": len(tuesdays) + len(wednesdays) + len(thursdays),
        "already_there": 0,
    }
    made = await rows(
        world.db,
        "SELECT assignment_id, date, lesson_number, version FROM lessons"
        " WHERE class_id = :class AND date BETWEEN :first AND :last ORDER BY date",
        **{"class": world.class_id, "first": Q3_START, "last": Q3_END},
    )
    assert [(r["date"], r["lesson_number"]) for r in made] == sorted(
        [(d, 1) for d in tuesdays] + [(d, 2) for d in wednesdays] + [(d, 3) for d in thursdays]
    )
    assert DAY_OFF not in {r["date"] for r in made}
    events = [
        e
        for e in await outbox(world.db, SCHEDULED, world.school_id)
        if e["data"]["lesson_date"] >= Q3_START.isoformat()
    ]
    assert len(events) == len(made) and {e["version"] for e in events} == {1}
    assert events[0]["data"]["lesson_number"] is not None


async def test_generating_again_adds_only_what_is_missing(world: World) -> None:
    periods = await open_calendar(world)
    await add_entry(world, "math_assignment", 2, 1)
    body = {"period_id": str(periods["q3"])}
    first = (await generate(world, body)).json()
    await add_entry(world, "russian_assignment", 3, 2)
    lessons_before = await count(world.db, "lessons", "school_id = :id", id=world.school_id)

    second = await generate(world, body)
    third = await generate(world, body)

    wednesdays = len(weekdays_between(Q3_START, Q3_END, 3))
    assert second.json()["created"] == wednesdays
    assert second.json()["already_there"] == first["created"]
    assert third.json()["created"] == 0
    assert third.json()["already_there"] == first["created"] + wednesdays
    assert (
        await count(world.db, "lessons", "school_id = :id", id=world.school_id)
        == lessons_before + wednesdays
    )


async def test_generation_keeps_cancelled_lessons_and_leaves_moved_away_slots(
    world: World,
) -> None:
    periods = await open_calendar(world)
    await add_entry(world, "math_assignment", 2, 1)
    body = {"period_id": str(periods["q3"])}
    await generate(world, body)
    [cancelled, moved] = await rows(
        world.db,
        "SELECT id FROM lessons WHERE assignment_id = :a AND date IN (:d1, :d2) ORDER BY date",
        a=world.ids["math_assignment"],
        d1=A_TUESDAY_IN_Q3,
        d2=A_TUESDAY_IN_Q3 + dt.timedelta(days=7),
    )
    deputy = world.auth("deputy")
    cancel = await world.client.post(
        f"/lessons/{cancelled['id']}/cancel",
        json={"reason": "Карантин", "version": 1},
        headers=deputy,
    )
    move = await world.client.post(
        f"/lessons/{moved['id']}/move",
        json={"date": (A_TUESDAY_IN_Q3 + dt.timedelta(days=8)).isoformat(), "version": 1},
        headers=deputy,
    )
    assert (cancel.status_code, move.status_code) == (200, 200), move.text

    again = await generate(world, body)

    assert again.json()["created"] == 0


async def test_a_class_keeping_halves_is_not_generated_for_a_quarter(world: World) -> None:
    periods = await open_calendar(world)
    senior = await world.post("deputy", "/classes", {"name": "10А", "grade": 10})
    before = await table_counts(world.db)

    response = await generate(
        world, {"period_id": str(periods["q3"]), "class_id": senior["class_id"]}
    )
    school_wide = await generate(world, {"period_id": str(periods["h2"])})

    assert response.status_code == 422 and problem_type(response) == "period-kind-mismatch"
    assert school_wide.json()["classes"] == 1 and school_wide.json()["created"] == 0
    assert await table_counts(world.db) == before


async def test_the_database_refuses_a_second_lesson_of_an_assignment_in_a_slot(
    world: World,
) -> None:
    # The world's Monday lesson of mathematics is lesson 1.
    with pytest.raises(IntegrityError):
        await rows(
            world.db,
            "INSERT INTO lessons (id, school_id, assignment_id, class_id, subject_id, date,"
            " lesson_number, created_by) SELECT :id, school_id, assignment_id, class_id,"
            " subject_id, date, lesson_number, created_by FROM lessons WHERE id = :lesson",
            id=uuid.uuid4(),
            lesson=world.math_lesson_id,
        )
