"""The curriculum (учебный план): /years/{year}/curriculum/{grade} holds a year's weekly
hours per subject for a class level; yearly hours are weekly × 34 (33 in grade 1). The
deputy and the director keep it, the school's teachers read it."""

import asyncio
import uuid
from typing import Any

import pytest
from curriculum_samples import open_year, school_events, set_hours
from journal_world import World, problem_type, table_counts

CHANGED = "journal.curriculum.changed.v1"
WRITERS = ["deputy", "director"]
READERS = [*WRITERS, "teacher", "class_teacher"]
NOT_READERS = ["sysadmin", "student", "parent"]


def level_body(world: World, version: int = 0, **hours: float) -> dict[str, Any]:
    return {
        "version": version,
        "subjects": [
            {"subject_id": str(world.ids[name]), "weekly_hours": weekly}
            for name, weekly in hours.items()
        ],
    }


async def test_the_deputy_sets_weekly_hours_and_the_year_s_hours_follow(world: World) -> None:
    year_id = await open_year(world)

    body = await set_hours(world, year_id, 5, {"math": 5, "russian": 4.5})

    assert (body["grade"], body["weeks"], body["version"]) == (5, 34, 1)
    assert [
        (s["subject_name"], s["weekly_hours"], s["yearly_hours"]) for s in body["subjects"]
    ] == [
        ("Математика", 5.0, 170.0),
        ("Русский язык", 4.5, 153.0),
    ]
    assert (body["weekly_total"], body["yearly_total"]) == (9.5, 323.0)
    [event] = await school_events(world, CHANGED)
    assert event["subject"] == f"curriculum/{year_id}:5"
    assert (event["version"], event["schoolid"]) == (1, str(world.school_id))
    assert event["data"]["weeks"] == 34
    assert {s["subject_id"]: s["yearly_hours"] for s in event["data"]["subjects"]} == {
        str(world.ids["math"]): 170.0,
        str(world.ids["russian"]): 153.0,
    }


async def test_grade_one_has_33_weeks(world: World) -> None:
    year_id = await open_year(world)

    body = await set_hours(world, year_id, 1, {"russian": 5})

    assert (body["weeks"], body["subjects"][0]["yearly_hours"]) == (33, 165.0)


async def test_each_change_is_a_new_version_and_the_same_hours_again_change_nothing(
    world: World,
) -> None:
    year_id = await open_year(world)
    await set_hours(world, year_id, 5, {"math": 5, "russian": 5})

    changed = await set_hours(world, year_id, 5, {"math": 4}, version=1)
    again = await set_hours(world, year_id, 5, {"math": 4}, version=2)

    assert changed["version"] == again["version"] == 2
    assert [s["subject_name"] for s in again["subjects"]] == ["Математика"]
    events = await school_events(world, CHANGED)
    assert [e["version"] for e in events] == [1, 2]
    assert len(events[1]["data"]["subjects"]) == 1  # Russian dropped, no tombstone needed


async def test_the_year_lists_every_level_with_a_curriculum(world: World) -> None:
    year_id = await open_year(world)
    await set_hours(world, year_id, 6, {"math": 5})
    await set_hours(world, year_id, 5, {"math": 5})

    response = await world.client.get(f"/years/{year_id}/curriculum", headers=world.auth("teacher"))

    assert response.status_code == 200, response.text
    assert [level["grade"] for level in response.json()["items"]] == [5, 6]


async def test_a_level_without_a_curriculum_reads_as_version_0(world: World) -> None:
    year_id = await open_year(world)

    response = await world.client.get(
        f"/years/{year_id}/curriculum/7", headers=world.auth("deputy")
    )

    assert response.status_code == 200, response.text
    assert (response.json()["version"], response.json()["subjects"]) == (0, [])


async def test_a_stale_version_is_refused_with_409_and_nothing_changes(world: World) -> None:
    year_id = await open_year(world)
    await set_hours(world, year_id, 5, {"math": 5})
    await set_hours(world, year_id, 5, {"math": 6}, version=1)
    before = await table_counts(world.db)

    response = await world.client.put(
        f"/years/{year_id}/curriculum/5",
        json=level_body(world, version=1, math=4),
        headers=world.auth("director"),
    )

    assert response.status_code == 409, response.text
    assert problem_type(response) == "stale-version"
    assert response.json()["current_version"] == 2
    assert await table_counts(world.db) == before


@pytest.mark.parametrize("who", READERS)
async def test_the_school_s_staff_read_the_curriculum(world: World, who: str) -> None:
    year_id = await open_year(world)
    await set_hours(world, year_id, 5, {"math": 5})

    for path in (f"/years/{year_id}/curriculum", f"/years/{year_id}/curriculum/5"):
        response = await world.client.get(path, headers=world.auth(who))
        assert response.status_code == 200, (path, response.text)


@pytest.mark.parametrize("who", NOT_READERS)
async def test_sysadmins_students_and_parents_do_not_read_it(world: World, who: str) -> None:
    year_id = await open_year(world)

    for path in (f"/years/{year_id}/curriculum", f"/years/{year_id}/curriculum/5"):
        response = await world.client.get(path, headers=world.auth(who))
        assert response.status_code == 403, (path, response.text)
        assert problem_type(response) == "forbidden"


@pytest.mark.parametrize("who", WRITERS)
async def test_the_deputy_and_the_director_change_it(world: World, who: str) -> None:
    year_id = await open_year(world)

    response = await world.client.put(
        f"/years/{year_id}/curriculum/5", json=level_body(world, math=5), headers=world.auth(who)
    )

    assert response.status_code == 200, response.text


@pytest.mark.parametrize("who", ["sysadmin", "teacher", "class_teacher", "student", "parent"])
async def test_no_one_else_changes_it(world: World, who: str) -> None:
    year_id = await open_year(world)
    before = await table_counts(world.db)

    response = await world.client.put(
        f"/years/{year_id}/curriculum/5", json=level_body(world, math=5), headers=world.auth(who)
    )

    assert response.status_code == 403, response.text
    assert await table_counts(world.db) == before


async def test_another_school_s_year_is_not_found(world: World, other: World) -> None:
    their_year = await open_year(other)

    read = await world.client.get(f"/years/{their_year}/curriculum", headers=world.auth("deputy"))
    write = await world.client.put(
        f"/years/{their_year}/curriculum/5",
        json=level_body(world, math=5),
        headers=world.auth("deputy"),
    )

    assert (read.status_code, write.status_code) == (404, 404)
    assert problem_type(read) == problem_type(write) == "not-found"


async def test_no_token_is_401(world: World) -> None:
    year_id = await open_year(world)

    assert (await world.client.get(f"/years/{year_id}/curriculum")).status_code == 401
    response = await world.client.put(f"/years/{year_id}/curriculum/5", json=level_body(world))
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("weekly", "grade"),
    [(0, 5), (-1, 5), (0.3, 5), (40.5, 5), (5, 0), (5, 12)],
    ids=["zero", "negative", "not-a-half", "over-40", "grade-0", "grade-12"],
)
async def test_impossible_hours_or_grades_are_422(world: World, weekly: float, grade: int) -> None:
    year_id = await open_year(world)
    before = await table_counts(world.db)

    response = await world.client.put(
        f"/years/{year_id}/curriculum/{grade}",
        json=level_body(world, math=weekly),
        headers=world.auth("deputy"),
    )

    assert response.status_code == 422, response.text
    assert problem_type(response) == "validation-error"
    assert await table_counts(world.db) == before


async def test_unknown_another_school_s_and_repeated_subjects_are_each_named(
    world: World, other: World
) -> None:
    year_id = await open_year(world)
    before = await table_counts(world.db)
    body = level_body(world, math=5)
    body["subjects"] += [
        {"subject_id": str(world.ids["math"]), "weekly_hours": 1},
        {"subject_id": str(other.ids["math"]), "weekly_hours": 1},
        {"subject_id": str(uuid.uuid4()), "weekly_hours": 1},
    ]

    response = await world.client.put(
        f"/years/{year_id}/curriculum/5", json=body, headers=world.auth("deputy")
    )

    assert response.status_code == 422, response.text
    assert [(e["loc"][2], e["type"]) for e in response.json()["errors"]] == [
        (1, "duplicate"),
        (2, "unknown"),
        (3, "unknown"),
    ]
    assert await table_counts(world.db) == before


async def test_a_body_without_a_version_or_with_unknown_fields_is_422(world: World) -> None:
    year_id = await open_year(world)

    for body in ({"subjects": []}, {"version": 0, "subjects": [], "yearly": 170}):
        response = await world.client.put(
            f"/years/{year_id}/curriculum/5", json=body, headers=world.auth("deputy")
        )
        assert response.status_code == 422, response.text


async def test_two_first_saves_at_once_leave_one_version_1(committed_world: World) -> None:
    world = committed_world
    year_id = await open_year(world)

    responses = await asyncio.gather(
        *(
            world.client.put(
                f"/years/{year_id}/curriculum/5",
                json=level_body(world, math=weekly),
                headers=world.auth("deputy"),
            )
            for weekly in (4, 5)
        )
    )

    assert sorted(r.status_code for r in responses) == [200, 409]
    events = await school_events(world, CHANGED)
    assert [e["version"] for e in events] == [1]
