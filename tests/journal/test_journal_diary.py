"""GET /diary/{student_id}: a student's lessons and marks by day, for those allowed to see."""

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from asyncpg.connection import LoggedQuery
from journal_world import MONDAY, TODAY, TUESDAY, World, problem_type, rows
from sqlalchemy.ext.asyncio import AsyncConnection

SUNDAY = MONDAY + dt.timedelta(days=6)
WEEK = {"from": MONDAY.isoformat(), "to": SUNDAY.isoformat()}


async def diary(
    world: World,
    who: str,
    student_id: uuid.UUID | None = None,
    params: dict[str, str] | None = None,
) -> Any:
    return await world.client.get(
        f"/diary/{student_id or world.student_id}", params=params, headers=world.auth(who)
    )


@pytest.fixture
async def marked(world: World) -> dict[str, dict[str, Any]]:
    """The student's marks of the week, and a classmate's that must not show."""
    return {
        "control": await world.mark("student", 5, "control"),
        "answer": await world.mark("student", 4, "answer"),
        "russian": await world.mark(
            "student", 3, "homework", lesson="russian_lesson", who="teacher"
        ),
        "classmate": await world.mark("classmate", 2, "answer"),
    }


def the_week(world: World, marked: dict[str, dict[str, Any]]) -> dict[str, Any]:
    ids = world.ids
    return {
        "student_id": str(world.student_id),
        "from": MONDAY.isoformat(),
        "to": SUNDAY.isoformat(),
        "days": [
            {
                "date": MONDAY.isoformat(),
                "lessons": [
                    {
                        "lesson_id": str(ids["math_lesson"]),
                        "lesson_number": 1,
                        "cancelled": False,
                        "subject_id": str(ids["math"]),
                        "subject_name": "Математика",
                        "topic": "Дроби",
                        "homework": "№ 23",
                        "attendance": None,
                        "marks": [
                            {
                                "mark_id": marked["control"]["mark_id"],
                                "value": 5,
                                "work_type": "control",
                                "work_type_name": "Контрольная работа",
                                "weight": 3,
                            },
                            {
                                "mark_id": marked["answer"]["mark_id"],
                                "value": 4,
                                "work_type": "answer",
                                "work_type_name": "Ответ на уроке",
                                "weight": 1,
                            },
                        ],
                    },
                    {
                        "lesson_id": str(ids["russian_lesson"]),
                        "lesson_number": 2,
                        "cancelled": False,
                        "subject_id": str(ids["russian"]),
                        "subject_name": "Русский язык",
                        "topic": "Суффиксы",
                        "homework": "№ 23",
                        "attendance": None,
                        "marks": [
                            {
                                "mark_id": marked["russian"]["mark_id"],
                                "value": 3,
                                "work_type": "homework",
                                "work_type_name": "Домашняя работа",
                                "weight": 1,
                            },
                        ],
                    },
                ],
            },
            {
                "date": TUESDAY.isoformat(),
                "lessons": [
                    {
                        "lesson_id": str(ids["math_lesson_tuesday"]),
                        "lesson_number": 1,
                        "cancelled": False,
                        "subject_id": str(ids["math"]),
                        "subject_name": "Математика",
                        "topic": "Сложение дробей",
                        "homework": "№ 24",
                        "attendance": None,
                        "marks": [],
                    },
                ],
            },
        ],
    }


async def test_a_student_reads_their_own_diary_grouped_by_day(
    world: World, marked: dict[str, dict[str, Any]]
) -> None:
    response = await diary(world, "student", params=WEEK)

    assert response.status_code == 200, response.text
    assert response.json() == the_week(world, marked)


async def test_a_parent_reads_their_childs_diary(
    world: World, marked: dict[str, dict[str, Any]]
) -> None:
    response = await diary(world, "parent", params=WEEK)

    assert response.status_code == 200
    assert response.json() == the_week(world, marked)


@pytest.mark.parametrize("who", ["class_teacher", "deputy", "director"])
async def test_the_class_teachers_and_the_administration_read_the_diary(
    world: World, marked: dict[str, dict[str, Any]], who: str
) -> None:
    response = await diary(world, who, params=WEEK)

    assert response.status_code == 200
    assert response.json() == the_week(world, marked)


async def test_a_classmate_sees_only_their_own_marks(
    world: World, marked: dict[str, dict[str, Any]]
) -> None:
    response = await diary(world, "classmate", world.classmate_id, params=WEEK)

    assert response.status_code == 200
    marks = [
        m["mark_id"]
        for day in response.json()["days"]
        for lesson in day["lessons"]
        for m in lesson["marks"]
    ]
    assert marks == [marked["classmate"]["mark_id"]]


async def test_a_student_cannot_read_another_childs_diary(world: World) -> None:
    response = await diary(world, "student", world.classmate_id, params=WEEK)

    assert response.status_code == 404
    assert problem_type(response) == "not-found"


async def test_a_parent_cannot_read_another_childs_diary(world: World) -> None:
    for student_id in (world.classmate_id, world.ids["parallel_student"], uuid.uuid4()):
        response = await diary(world, "parent", student_id, params=WEEK)
        assert response.status_code == 404
        assert problem_type(response) == "not-found"


async def test_a_teacher_of_other_classes_cannot_read_the_diary(world: World) -> None:
    response = await diary(world, "outsider", params=WEEK)

    assert response.status_code == 404


async def test_another_school_cannot_read_the_diary(world: World, other: World) -> None:
    for who in ("deputy", "director", "class_teacher"):
        response = await other.client.get(
            f"/diary/{world.student_id}", params=WEEK, headers=other.auth(who)
        )
        assert response.status_code == 404, who
    # A token of another school naming our student as a child changes nothing.
    token = other.tokens.token(
        school_id=other.school_id, roles=["parent"], children=[world.student_id]
    )
    response = await other.client.get(
        f"/diary/{world.student_id}", params=WEEK, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 404


async def test_a_student_token_for_another_person_reads_nothing(world: World) -> None:
    token = world.tokens.token(school_id=world.school_id, roles=["student"])

    response = await world.client.get(
        f"/diary/{world.student_id}", headers={"Authorization": f"Bearer {token}"}
    )

    assert response.status_code == 404


async def test_the_sysadmin_does_not_read_diaries(world: World) -> None:
    response = await diary(world, "sysadmin", params=WEEK)

    assert response.status_code == 403


async def test_by_default_the_diary_shows_the_current_week_in_the_schools_time_zone(
    world: World,
) -> None:
    today = TODAY  # journal's clock, in Moscow
    monday = today - dt.timedelta(days=today.weekday())
    lesson = await world.post(
        "class_teacher",
        "/lessons",
        {
            "assignment_id": str(world.ids["math_assignment"]),
            "date": today.isoformat(),
            "topic": "Сегодня",
        },
    )

    response = await diary(world, "student")

    assert response.status_code == 200
    body = response.json()
    assert (body["from"], body["to"]) == (
        monday.isoformat(),
        (monday + dt.timedelta(days=6)).isoformat(),
    )
    assert lesson["lesson_id"] in [
        item["lesson_id"] for day in body["days"] for item in day["lessons"]
    ]


async def test_one_date_means_the_week_from_or_to_it(world: World) -> None:
    only_from = (await diary(world, "student", params={"from": TUESDAY.isoformat()})).json()
    only_to = (await diary(world, "student", params={"to": MONDAY.isoformat()})).json()

    assert (only_from["from"], only_from["to"]) == ("2026-11-24", "2026-11-30")
    assert (only_to["from"], only_to["to"]) == ("2026-11-17", "2026-11-23")
    assert [d["date"] for d in only_from["days"]] == ["2026-11-24"]
    assert [d["date"] for d in only_to["days"]] == ["2026-11-23"]


async def test_a_range_of_31_days_is_the_most_one_can_ask(world: World) -> None:
    start = MONDAY - dt.timedelta(days=15)
    ok = await diary(
        world,
        "student",
        params={"from": start.isoformat(), "to": (start + dt.timedelta(days=30)).isoformat()},
    )
    too_long = await diary(
        world,
        "student",
        params={"from": start.isoformat(), "to": (start + dt.timedelta(days=31)).isoformat()},
    )

    assert ok.status_code == 200
    assert too_long.status_code == 422
    assert problem_type(too_long) == "invalid-date-range"


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2026-11-29", "to": "2026-11-23"},
        {"from": "23.11.2026"},
        {"to": "yesterday"},
    ],
)
async def test_a_bad_range_is_refused(world: World, params: dict[str, str]) -> None:
    response = await diary(world, "student", params=params)

    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_a_week_without_lessons_has_no_days(world: World) -> None:
    response = await diary(world, "student", params={"from": "2026-09-07", "to": "2026-09-13"})

    assert response.status_code == 200
    assert response.json()["days"] == []


@asynccontextmanager
async def counting_selects(world: World) -> AsyncIterator[list[str]]:
    """The SELECTs that reach PostgreSQL on the test's connection, however they are sent
    (through SQLAlchemy or straight through asyncpg)."""
    statements: list[str] = []

    def record(query: LoggedQuery) -> None:
        if query.query.lstrip().upper().startswith(("SELECT", "WITH")):
            statements.append(query.query)

    connection: AsyncConnection = world.db.sessionmaker.kw["bind"]
    driver = (await connection.get_raw_connection()).driver_connection
    driver.add_query_logger(record)
    try:
        yield statements
    finally:
        driver.remove_query_logger(record)


@pytest.mark.parametrize("who", ["parent", "class_teacher"])
async def test_a_range_is_read_with_its_access_check_in_one_query(
    world: World, marked: dict[str, dict[str, Any]], who: str
) -> None:
    async with counting_selects(world) as statements:
        response = await diary(world, who, params={"from": "2026-11-02", "to": "2026-12-02"})

    assert response.status_code == 200
    assert len(statements) == 1, statements


async def test_the_default_week_takes_a_second_query_for_the_schools_time_zone(
    world: World, marked: dict[str, dict[str, Any]]
) -> None:
    async with counting_selects(world) as statements:
        response = await diary(world, "parent")

    assert response.status_code == 200
    assert len(statements) == 2, statements


async def test_a_teacher_not_teaching_the_student_gets_no_diary_from_the_one_query(
    world: World, marked: dict[str, dict[str, Any]]
) -> None:
    async with counting_selects(world) as statements:
        response = await diary(world, "outsider", params=WEEK)

    assert response.status_code == 404
    assert len(statements) == 1, statements


async def test_any_text_a_teacher_writes_comes_back_as_written(world: World) -> None:
    """PostgreSQL writes the diary's JSON: quotes, backslashes, line breaks, tabs, control
    characters and any script survive it, and an absent topic or homework is null."""
    topic = 'Тема "в кавычках" \\ обратная косая\nвторая строка\tтаб \x01 ✓ 数学 😀'
    day = MONDAY + dt.timedelta(days=2)
    written = await world.post(
        "class_teacher",
        "/lessons",
        {
            "assignment_id": str(world.ids["math_assignment"]),
            "date": day.isoformat(),
            "topic": topic,
            "homework": "",
        },
    )

    response = await diary(world, "student", params=WEEK)

    (lesson,) = [
        lesson
        for d in response.json()["days"]
        for lesson in d["lessons"]
        if lesson["lesson_id"] == written["lesson_id"]
    ]
    assert (lesson["topic"], lesson["homework"]) == (written["topic"], None)
    assert written["topic"] == topic.strip()
    assert response.headers["content-type"] == "application/json"


def subjects_of(body: dict[str, Any]) -> list[str]:
    return [lesson["subject_name"] for day in body["days"] for lesson in day["lessons"]]


async def test_a_subject_teacher_reads_only_the_lessons_they_teach(
    world: World, marked: dict[str, dict[str, Any]]
) -> None:
    response = await diary(world, "teacher", params=WEEK)

    assert response.status_code == 200
    assert subjects_of(response.json()) == ["Русский язык"]
    everything = (await diary(world, "class_teacher", params=WEEK)).json()
    assert sorted(set(subjects_of(everything))) == ["Математика", "Русский язык"]


async def test_the_default_week_of_a_subject_teacher_holds_only_their_lessons(
    world: World,
) -> None:
    today = TODAY  # journal's clock, in Moscow
    for who, assignment in (
        ("class_teacher", "math_assignment"),
        ("teacher", "russian_assignment"),
    ):
        await world.post(
            who,
            "/lessons",
            {"assignment_id": str(world.ids[assignment]), "date": today.isoformat()},
        )

    by_teacher = (await diary(world, "teacher")).json()
    by_parent = (await diary(world, "parent")).json()

    assert subjects_of(by_teacher) == ["Русский язык"]
    assert sorted(subjects_of(by_parent)) == ["Математика", "Русский язык"]


async def test_a_groups_lesson_shows_only_to_its_members(world: World) -> None:
    group = await world.post(
        "class_teacher", f"/classes/{world.class_id}/groups", {"name": "Английский, 2 группа"}
    )
    response = await world.client.post(
        f"/groups/{group['group_id']}/members",
        json={"student_id": str(world.classmate_id), "starts_on": "2026-09-01"},
        headers=world.auth("class_teacher"),
    )
    assert response.status_code in (200, 201), response.text
    await rows(
        world.db,
        "UPDATE lessons SET group_id = :group WHERE id = :lesson RETURNING id",
        group=group["group_id"],
        lesson=world.ids["russian_lesson"],
    )

    student = (await diary(world, "student", params=WEEK)).json()
    classmate = (await diary(world, "classmate", world.classmate_id, params=WEEK)).json()

    assert "Русский язык" not in subjects_of(student)
    assert "Русский язык" in subjects_of(classmate)
