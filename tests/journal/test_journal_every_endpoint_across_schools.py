"""A safety net over every journal route: the people of another school, in every role, never
read or change this school's objects, whatever the route.

Each route's path is filled with the ids of real objects of one school (its student, lesson,
mark, class, group, guardian, assignment, year, period, plan item...), then called with the
token of each role of another school: reads answer 403 or 404 and show nothing; writes
answer 403, 404 or 422 and write nothing (every table's row count unchanged). A new route
whose path has a parameter not listed in `ids_of` fails here until it is added, so no
endpoint escapes the matrix. The per-domain tests cover the finer cases (another class,
another teacher's assignment, another child)."""

import re
import uuid
from typing import Any

import pytest
from curriculum_samples import open_year, put_plan
from fastapi import FastAPI
from journal_world import World, table_counts

ROLES = ("director", "deputy", "sysadmin", "class_teacher", "teacher", "outsider", "student")
ROLES_WITH_FAMILY = (*ROLES, "parent")
# Routes that are not about any school's objects.
OUTSIDE_THE_MATRIX = {"/api/journal/health", "/api/journal/ready", "/api/journal/metrics"}
PREFIX = "/api/journal"
# Path parameters that name no object of a school: a route with only these (or none) is
# about the caller's own school, and may answer them, with nothing of the other school.
SCHOOL_FREE_PARAMETERS = {"code", "grade"}
PARAMETER = re.compile(r"{(\w+)(?::[^}]*)?}")


def journal_routes(app: FastAPI) -> list[tuple[str, str]]:
    """Every operation of journal's OpenAPI document (what clients are told exists)."""
    found = []
    for path, operations in app.openapi()["paths"].items():
        if path in OUTSIDE_THE_MATRIX:
            continue
        assert path.startswith(PREFIX), path
        found += [(method.upper(), path) for method in operations]
    return sorted(found)


async def ids_of(world: World) -> dict[str, str]:
    """A real object of `world` for every path parameter journal's routes have."""
    year_id = await open_year(world)
    response = await world.client.get(f"/years/{year_id}", headers=world.auth("deputy"))
    period_id = response.json()["periods"][0]["period_id"]
    plan = await put_plan(world, year_id)
    mark = await world.mark("student", 4)
    group = await world.post(
        "class_teacher", f"/classes/{world.class_id}/groups", {"name": "Английский, 1 группа"}
    )
    bells = await world.client.put(
        "/bell-schedule",
        json={
            "version": 0,
            "lessons": [{"lesson_number": 1, "starts_at": "08:30", "ends_at": "09:15"}],
        },
        headers=world.auth("deputy"),
    )
    assert bells.status_code == 200, bells.text
    entry = await world.post(
        "deputy",
        "/timetable/entries",
        {
            "assignment_id": str(world.ids["math_assignment"]),
            "weekday": 3,
            "lesson_number": 1,
            "valid_from": "2026-09-01",
        },
    )
    attachment = await world.client.post(
        f"/lessons/{world.math_lesson_id}/homework/attachments",
        files={"file": ("задание.txt", "Решить № 5".encode(), "text/plain")},
        headers=world.auth("class_teacher"),
    )
    assert attachment.status_code == 201, attachment.text
    return {
        "entry_id": entry["entry_id"],
        "student_id": str(world.student_id),
        "lesson_id": str(world.math_lesson_id),
        "mark_id": mark["mark_id"],
        "class_id": str(world.class_id),
        "group_id": group["group_id"],
        "guardian_id": str(world.ids["guardian"]),
        "assignment_id": str(world.ids["math_assignment"]),
        "year_id": str(year_id),
        "period_id": period_id,
        "item_id": plan["items"][0]["item_id"],
        "attachment_id": attachment.json()["attachments"][0]["attachment_id"],
        "code": "answer",
        "grade": "5",
    }


SCHOOL_FREE_VALUES = {"answer", "5"}


def filled(path: str, ids: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in ids, f"add the path parameter {{{name}}} of {path} to ids_of"
        return ids[name]

    return PARAMETER.sub(value, path).removeprefix(PREFIX)


def names_an_object(path: str) -> bool:
    return bool(set(PARAMETER.findall(path)) - SCHOOL_FREE_PARAMETERS)


@pytest.fixture
async def ids(world: World) -> dict[str, str]:
    return await ids_of(world)


async def test_another_schools_people_reach_nothing_on_any_route(
    app: FastAPI, world: World, other: World, ids: dict[str, str]
) -> None:
    routes = journal_routes(app)
    assert len(routes) > 40, "the matrix sees journal's routes"
    before = await table_counts(world.db)
    allowed: list[tuple[str, str, str, int]] = []
    for method, path in routes:
        url = filled(path, ids)
        for who in ROLES_WITH_FAMILY:
            body: Any = {} if method in ("POST", "PUT", "PATCH", "DELETE") else None
            response = await world.client.request(method, url, json=body, headers=other.auth(who))
            for value in ids.values():  # nothing of this school, whatever the answer
                if value not in SCHOOL_FREE_VALUES and value not in url:
                    assert value not in response.text, (method, path, who)
            assert "Смирнов" not in response.text, (method, path, who)
            if not names_an_object(path) and method == "GET":
                continue  # the caller's own school's list
            refused = (403, 404) if method == "GET" else (403, 404, 415, 422, 428)
            if response.status_code not in refused:
                allowed.append((method, path, who, response.status_code))
            elif response.status_code in (403, 404):
                assert response.headers["content-type"].startswith("application/problem+json")
    assert allowed == [], "another school's people got through"
    after = await table_counts(world.db)
    assert after == before, "nothing was written"


async def test_the_matrix_paths_are_real_objects(world: World, ids: dict[str, str]) -> None:
    """The ids are the school's own: its deputy reads them (so a 404 above is the school
    boundary, not a made-up id)."""
    for path in (
        f"/students/{ids['student_id']}",
        f"/marks/{ids['mark_id']}/history",
        f"/groups/{ids['group_id']}/students",
        f"/years/{ids['year_id']}",
        f"/assignments/{ids['assignment_id']}/plans/{ids['year_id']}",
    ):
        response = await world.client.get(path, headers=world.auth("deputy"))
        assert response.status_code == 200, (path, response.text)
    assert uuid.UUID(ids["period_id"])


FAMILY_PRIVATE = {"student_id", "mark_id", "guardian_id"}


async def test_another_family_reaches_no_route_about_this_child(
    app: FastAPI, world: World, ids: dict[str, str]
) -> None:
    """The classmate and the classmate's parent, on every route naming this student, their
    mark or their guardian: refused (403 or 404), nothing shown, nothing written."""
    classmates_parent = world.tokens.token(
        school_id=world.school_id,
        roles=["parent"],
        person_id=uuid.uuid4(),
        children=[world.classmate_id],
    )
    tokens = {"classmate": world.token("classmate"), "classmates_parent": classmates_parent}
    private = [
        (method, path)
        for method, path in journal_routes(app)
        if set(PARAMETER.findall(path)) & FAMILY_PRIVATE
    ]
    assert len(private) > 10
    before = await table_counts(world.db)
    allowed = []
    for method, path in private:
        url = filled(path, ids)
        for who, token in tokens.items():
            body: Any = None if method == "GET" else {}
            response = await world.client.request(
                method, url, json=body, headers={"Authorization": f"Bearer {token}"}
            )
            if response.status_code not in (403, 404, 422):
                allowed.append((method, path, who, response.status_code))
            assert "Смирнов" not in response.text, (method, path, who)
    assert allowed == []
    assert await table_counts(world.db) == before
