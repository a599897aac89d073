"""The teacher's journal page read: one request holds the students enrolled during the
period with their spells, the lessons in order, each cell's marks and attendance with
versions, the work types and the thematic plan; who may read it."""

import datetime as dt
import uuid

from curriculum_samples import PLAN_ITEMS, put_plan
from journal_world import MONDAY, TUESDAY, World, problem_type
from page_samples import cell, open_second_quarter, page_path, read
from sqlalchemy import text


async def test_the_page_holds_the_grid_of_the_assignment_in_the_period(world: World) -> None:
    year_id, quarter = await open_second_quarter(world)
    plan = await put_plan(world, year_id)
    mark = await world.mark("student", 5, "control")
    absent = await world.client.put(
        f"/lessons/{world.math_lesson_id}/attendance/{world.classmate_id}",
        json={"code": "Б"},
        headers=world.auth("class_teacher"),
    )
    assert absent.status_code == 200, absent.text

    page = await read(world, quarter)

    assert page["assignment"]["class_name"] == "5А"
    assert page["assignment"]["subject_name"] == "Математика"
    assert page["period"] == {
        "period_id": str(quarter),
        "kind": "quarter",
        "number": 2,
        "starts_on": "2026-11-05",
        "ends_on": "2026-12-28",
        "closed": False,
    }
    # Alphabetical: Андреев before Смирнов; the parallel class's student is not here.
    assert [s["last_name"] for s in page["students"]] == ["Андреев", "Смирнов"]
    assert page["students"][0]["enrollments"] == [{"starts_on": "2026-09-01", "ends_on": None}]
    # Only mathematics: Monday's and Tuesday's lessons, not Russian.
    assert [lesson["date"] for lesson in page["lessons"]] == [
        MONDAY.isoformat(),
        TUESDAY.isoformat(),
    ]
    monday = page["lessons"][0]
    assert monday["topic"] == "Дроби"
    assert monday["homework"] == {"text": "№ 23", "due_on": None, "attachments": 0}
    assert monday["version"] == 1
    assert monday["locked"] is False
    assert cell(page, world.math_lesson_id, world.student_id)["marks"] == [
        {"mark_id": mark["mark_id"], "work_type": "control", "value": 5, "version": 1}
    ]
    assert cell(page, world.math_lesson_id, world.classmate_id)["attendance"] == {
        "code": "Б",
        "version": 1,
    }
    assert {"code": "control", "name": "Контрольная работа", "weight": 3} in page["work_types"]
    assert [item["topic"] for item in page["plan_items"]] == [i["topic"] for i in PLAN_ITEMS]
    assert page["plan_items"][0]["plan_item_id"] == plan["items"][0]["item_id"]


async def test_lessons_of_a_day_are_ordered_by_number_with_unnumbered_last(
    world: World,
) -> None:
    _, quarter = await open_second_quarter(world)
    thursday = MONDAY + dt.timedelta(days=3)
    created = []
    for topic in ("Без номера", "Второй", "Первый"):
        lesson = await world.post(
            "class_teacher",
            "/lessons",
            {
                "assignment_id": str(world.ids["math_assignment"]),
                "date": thursday.isoformat(),
                "topic": topic,
            },
        )
        created.append(uuid.UUID(lesson["lesson_id"]))
    # The timetable numbers lessons; lessons recorded one by one have no number.
    async with world.db.transaction() as session:
        await session.execute(
            text("UPDATE lessons SET lesson_number = :n WHERE id = :id"),
            [{"n": 2, "id": created[1]}, {"n": 1, "id": created[2]}],
        )

    page = await read(world, quarter)

    assert [lesson["topic"] for lesson in page["lessons"]] == [
        "Дроби",
        "Сложение дробей",
        "Первый",
        "Второй",
        "Без номера",
    ]


async def test_a_student_enrolled_midway_shows_the_spell_that_bounds_their_cells(
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
    after_the_quarter = await world.post(
        "deputy",
        "/students",
        {
            "class_id": str(world.class_id),
            "last_name": "Поздний",
            "first_name": "Олег",
            "birth_date": "2015-05-01",
            "starts_on": "2027-01-20",
        },
    )

    page = await read(world, quarter)

    by_id = {s["student_id"]: s for s in page["students"]}
    assert by_id[newcomer["student_id"]]["enrollments"] == [
        {"starts_on": TUESDAY.isoformat(), "ends_on": None}
    ]
    assert after_the_quarter["student_id"] not in by_id


async def test_who_reads_the_page(world: World, other: World) -> None:
    _, quarter = await open_second_quarter(world)
    path = page_path(world, quarter)

    for who in ("class_teacher", "deputy", "director"):
        response = await world.client.get(path, headers=world.auth(who))
        assert response.status_code == 200, (who, response.text)
    # The class teacher of 5А reads the Russian page too (all marks of the class).
    russian = page_path(world, quarter, "russian_assignment")
    assert (await world.client.get(russian, headers=world.auth("class_teacher"))).status_code == 200
    # A teacher of another assignment: 404, as if it did not exist.
    for who, on in (("teacher", path), ("outsider", path), ("outsider", russian)):
        response = await world.client.get(on, headers=world.auth(who))
        assert response.status_code == 404, (who, response.text)
    for who in ("student", "parent", "sysadmin"):
        response = await world.client.get(path, headers=world.auth(who))
        assert response.status_code == 403, (who, response.text)
    assert (await world.client.get(path)).status_code == 401
    # Another school's teacher sees neither the assignment nor the period.
    response = await world.client.get(path, headers=other.auth("class_teacher"))
    assert response.status_code == 404
    assert problem_type(response) == "not-found"
    unknown = f"/assignments/{world.ids['math_assignment']}/periods/{uuid.uuid4()}/page"
    assert (await world.client.get(unknown, headers=world.auth("deputy"))).status_code == 404
