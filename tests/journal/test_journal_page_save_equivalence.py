"""A bulk save of the journal page leaves exactly what the single-cell endpoints leave for
the same changes: the same marks, cells and lessons, the same history rows, the same
versions and one event per change with the same content (ids and times aside).

Two schools built alike: one makes the changes one request at a time, the other in one
save of mixed changes (a new mark, a changed and a removed mark, attendance set on a new
cell, changed and cleared, a lesson's topic with homework due by default, a homework
cleared), which the save writes one statement per kind."""

import re
import uuid
from typing import Any

from journal_world import World, outbox, rows
from page_samples import open_second_quarter, save

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TIMES = {"id", "time", "occurred_at", "changed_at", "marked_at", "removed_at", "posted_at"}
KEYS = (
    "journal.mark.posted.v1",
    "journal.mark.changed.v1",
    "journal.mark.removed.v1",
    "journal.attendance.marked.v1",
    "journal.attendance.cleared.v1",
    "journal.lesson.topic_set.v1",
    "journal.homework.set.v1",
    "journal.homework.cleared.v1",
)


async def given(world: World) -> tuple[uuid.UUID, dict[str, str]]:
    """Two marks and two attendance cells to correct, made one by one; the page's quarter
    and the names of the school's ids (for comparing one school with the other)."""
    _, quarter = await open_second_quarter(world)
    first = await world.mark("student", 3)
    second = await world.mark("classmate", 2)
    for lesson, student, code in (
        ("math_lesson", "classmate", "Н"),
        ("math_lesson_tuesday", "student", "П"),
    ):
        response = await world.client.put(
            f"/lessons/{world.ids[lesson]}/attendance/{world.ids[student]}",
            json={"code": code, "version": 0},
            headers=world.auth("class_teacher"),
        )
        assert response.status_code == 200, response.text
    names = {str(value): name for name, value in world.ids.items()}
    names |= {
        str(world.school_id): "school",
        str(world.class_teacher): "class_teacher",
        first["mark_id"]: "first_mark",
        second["mark_id"]: "second_mark",
    }
    return quarter, names


def changes(world: World, names: dict[str, str]) -> list[dict[str, Any]]:
    mark = {name: mark_id for mark_id, name in names.items() if name.endswith("_mark")}
    math, tuesday = str(world.math_lesson_id), str(world.ids["math_lesson_tuesday"])
    student, classmate = str(world.student_id), str(world.classmate_id)
    return [
        {
            "op": "add_mark",
            "lesson_id": tuesday,
            "student_id": classmate,
            "value": 4,
            "work_type": "answer",
        },
        {
            "op": "change_mark",
            "mark_id": mark["first_mark"],
            "value": 5,
            "reason": "Пересдача",
            "version": 1,
        },
        {"op": "remove_mark", "mark_id": mark["second_mark"], "reason": "Ошибка", "version": 1},
        {
            "op": "set_attendance",
            "lesson_id": math,
            "student_id": student,
            "code": "Н",
            "version": 0,
        },
        {
            "op": "set_attendance",
            "lesson_id": math,
            "student_id": classmate,
            "code": "Б",
            "reason": "Справка",
            "version": 1,
        },
        {
            "op": "clear_attendance",
            "lesson_id": tuesday,
            "student_id": student,
            "reason": "Был на уроке",
            "version": 1,
        },
        {
            "op": "edit_lesson",
            "lesson_id": math,
            "topic": "Обыкновенные дроби",
            "homework": {"text": "№ 101, 102"},
            "version": 1,
        },
        {"op": "edit_lesson", "lesson_id": tuesday, "homework": None, "version": 1},
    ]


async def one_by_one(world: World, names: dict[str, str]) -> dict[str, str]:
    """The changes through the single-cell endpoints; the new mark's id named."""
    headers = world.auth("class_teacher")
    client = world.client
    new_mark: dict[str, str] = {}
    for change in changes(world, names):
        op = change.pop("op")
        if op == "add_mark":
            lesson = change.pop("lesson_id")
            response = await client.post(f"/lessons/{lesson}/marks", json=change, headers=headers)
            new_mark = {response.json()["mark_id"]: "new_mark"}
        elif op == "change_mark":
            response = await client.patch(
                f"/marks/{change.pop('mark_id')}", json=change, headers=headers
            )
        elif op == "remove_mark":
            response = await client.request(
                "DELETE", f"/marks/{change.pop('mark_id')}", json=change, headers=headers
            )
        elif op in ("set_attendance", "clear_attendance"):
            path = f"/lessons/{change.pop('lesson_id')}/attendance/{change.pop('student_id')}"
            method = "PUT" if op == "set_attendance" else "DELETE"
            response = await client.request(method, path, json=change, headers=headers)
        else:
            lesson = change.pop("lesson_id")
            if "topic" in change:
                response = await client.patch(
                    f"/lessons/{lesson}",
                    json={"topic": change["topic"], "version": change["version"]},
                    headers=headers,
                )
                assert response.status_code == 200, response.text
                change["version"] = response.json()["version"]
            homework = change["homework"]
            response = await client.request(
                "DELETE" if homework is None else "PUT",
                f"/lessons/{lesson}/homework",
                json={"version": change["version"], **(homework or {})},
                headers=headers,
            )
        assert response.status_code in (200, 201), (op, response.text)
    return new_mark


def normal(value: Any, names: dict[str, str]) -> Any:
    """`value` with the school's ids named and times and row ids left out."""
    if isinstance(value, dict):
        return {k: normal(v, names) for k, v in sorted(value.items()) if k not in TIMES}
    if isinstance(value, list | tuple):
        return [normal(v, names) for v in value]
    if isinstance(value, uuid.UUID):
        value = str(value)
    if isinstance(value, str):
        return UUID.sub(lambda m: names.get(m.group(0), "?"), value)
    return value


async def left_behind(world: World, names: dict[str, str]) -> dict[str, Any]:
    """What the changes left: marks, cells and lessons, their history rows and events."""
    school = {"school": world.school_id}
    tables = {
        "marks": """
            SELECT marks.*, work_types.code FROM marks
            JOIN work_types ON work_types.id = marks.work_type_id
            WHERE marks.school_id = :school""",
        "mark_history": """
            SELECT mark_history.*, old_type.code AS old_code, new_type.code AS new_code
            FROM mark_history
            LEFT OUTER JOIN work_types AS old_type ON old_type.id = old_work_type_id
            LEFT OUTER JOIN work_types AS new_type ON new_type.id = new_work_type_id
            WHERE mark_history.school_id = :school""",
        "attendance": "SELECT * FROM attendance WHERE school_id = :school",
        "attendance_history": "SELECT * FROM attendance_history WHERE school_id = :school",
        "lessons": "SELECT * FROM lessons WHERE school_id = :school",
        "lesson_history": """
            SELECT lesson_history.* FROM lesson_history
            JOIN lessons ON lessons.id = lesson_history.lesson_id
            WHERE lessons.school_id = :school""",
        "homework_attachments": "SELECT * FROM homework_attachments WHERE school_id = :school",
    }
    found: dict[str, Any] = {}
    for table, sql in tables.items():
        listed = [
            normal({k: v for k, v in row.items() if not k.endswith("work_type_id")}, names)
            for row in await rows(world.db, sql, **school)
        ]
        found[table] = sorted(listed, key=repr)
    events = [
        envelope for key in KEYS for envelope in await outbox(world.db, key, world.school_id)
    ]  # a bulk save's inside its bundle, each as it would travel alone
    found["events"] = sorted((normal(e, names) for e in events), key=repr)
    return found


async def test_a_save_of_mixed_changes_leaves_what_the_single_cell_endpoints_leave(
    world: World, other: World
) -> None:
    _, single_names = await given(world)
    quarter, bulk_names = await given(other)
    single_names |= await one_by_one(world, single_names)

    response = await save(other, quarter, changes(other, bulk_names))

    assert response.status_code == 200, response.text
    saved = response.json()["saved"]
    bulk_names[saved[0]["result"]["mark_id"]] = "new_mark"
    single = await left_behind(world, single_names)
    bulk = await left_behind(other, bulk_names)
    assert "?" not in repr(single["events"])  # every id in the events is named
    assert len(bulk["events"]) == len(single["events"]) == 13  # 4 given, 9 by the changes
    assert [len(single[t]) for t in ("mark_history", "attendance_history")] == [5, 5]
    for part in single:
        assert bulk[part] == single[part], part
