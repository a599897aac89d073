"""The school's grading settings: /grading-settings. Everyone in the journal reads them;
the deputy and the director set them."""

import datetime as dt
from typing import Any

import pytest
from journal_world import World, outbox, problem_type, table_counts

from journal.calendar import service

CHANGED = "journal.grading.changed.v1"
WRITERS = ["deputy", "director"]
NOT_WRITERS = ["sysadmin", "teacher", "class_teacher", "student", "parent"]
READERS = ["director", "deputy", "teacher", "class_teacher", "student", "parent"]
DEFAULTS = {
    "rounding_rule": "from_0_50",
    "min_marks_per_period": 3,
    "late_entry_days": 7,
    "lock_after_days": 14,
    "half_year_grades": [10, 11],
    "unmarked_grades": [1],
}
STRICT = {
    "rounding_rule": "from_0_60",
    "min_marks_per_period": 5,
    "late_entry_days": 3,
    "lock_after_days": 10,
    "half_year_grades": [11, 10, 9],
    "unmarked_grades": [2, 1],
}


@pytest.mark.parametrize("who", READERS)
async def test_a_school_grades_by_the_defaults_until_it_changes_them(
    world: World, who: str
) -> None:
    response = await world.client.get("/grading-settings", headers=world.auth(who))

    assert response.status_code == 200
    assert response.json() == {**DEFAULTS, "version": 0}


@pytest.mark.parametrize("who", WRITERS)
async def test_the_deputy_and_the_director_set_the_grading_settings(world: World, who: str) -> None:
    response = await world.client.put("/grading-settings", json=STRICT, headers=world.auth(who))

    assert response.status_code == 200, response.text
    expected = {**STRICT, "half_year_grades": [9, 10, 11], "unmarked_grades": [1, 2], "version": 1}
    assert response.json() == expected
    read = await world.client.get("/grading-settings", headers=world.auth("student"))
    assert read.json() == expected
    [event] = await outbox(world.db, CHANGED, world.school_id)
    assert (event["version"], event["schoolid"]) == (1, str(world.school_id))
    assert event["subject"] == f"grading/{world.school_id}"
    assert event["data"] == {**STRICT, "half_year_grades": [9, 10, 11], "unmarked_grades": [1, 2]}


async def test_each_change_is_a_new_version_and_the_same_settings_change_nothing(
    world: World,
) -> None:
    first = await world.client.put("/grading-settings", json=STRICT, headers=world.auth("deputy"))
    same = await world.client.put("/grading-settings", json=STRICT, headers=world.auth("director"))
    back = await world.client.put("/grading-settings", json=DEFAULTS, headers=world.auth("deputy"))

    assert [r.json()["version"] for r in (first, same, back)] == [1, 1, 2]
    events = sorted(await outbox(world.db, CHANGED, world.school_id), key=lambda e: e["version"])
    assert [e["version"] for e in events] == [1, 2]
    assert [e["data"]["rounding_rule"] for e in events] == [
        "from_0_60",
        "from_0_50",
    ]


async def test_the_settings_are_the_callers_schools_own(world: World, other: World) -> None:
    await other.client.put("/grading-settings", json=STRICT, headers=other.auth("deputy"))

    mine = await world.client.get("/grading-settings", headers=world.auth("deputy"))

    assert mine.json() == {**DEFAULTS, "version": 0}


async def test_the_period_scheme_decides_quarters_or_halves(world: World) -> None:
    # the world keeps YEAR_2026
    await world.client.put(
        "/grading-settings",
        json={**DEFAULTS, "half_year_grades": [5]},
        headers=world.auth("deputy"),
    )
    async with world.db.transaction() as session:
        fifth = await service.period_for(session, world.school_id, 5, dt.date(2026, 11, 23))
        tenth = await service.period_for(session, world.school_id, 10, dt.date(2026, 11, 23))

    assert fifth is not None and (fifth.kind, fifth.number) == ("half", 1)
    assert tenth is not None and (tenth.kind, tenth.number) == ("quarter", 2)


@pytest.mark.parametrize("who", NOT_WRITERS)
async def test_only_the_deputy_and_the_director_set_them(world: World, who: str) -> None:
    before = await table_counts(world.db)

    response = await world.client.put("/grading-settings", json=STRICT, headers=world.auth(who))

    assert response.status_code == 403
    assert problem_type(response) == "forbidden"
    assert await table_counts(world.db) == before


async def test_sysadmin_does_not_read_them(world: World) -> None:
    response = await world.client.get("/grading-settings", headers=world.auth("sysadmin"))

    assert response.status_code == 403


@pytest.mark.parametrize("method", ["GET", "PUT"])
async def test_no_token_no_settings(world: World, method: str) -> None:
    response = await world.client.request(method, "/grading-settings", json=STRICT)

    assert response.status_code == 401
    assert problem_type(response) == "unauthenticated"


@pytest.mark.parametrize(
    ("changes", "loc"),
    [
        ({"rounding_rule": "banker"}, ["body", "rounding_rule"]),
        ({"rounding_rule": None}, ["body", "rounding_rule"]),
        ({"min_marks_per_period": 0}, ["body", "min_marks_per_period"]),
        ({"late_entry_days": 0}, ["body", "late_entry_days"]),
        ({"lock_after_days": 366}, ["body", "lock_after_days"]),
        ({"half_year_grades": [12]}, ["body", "half_year_grades", 0]),
        ({"half_year_grades": [10, 10]}, ["body", "half_year_grades"]),
        ({"extra": True}, ["body", "extra"]),
    ],
)
async def test_bad_settings_are_refused_with_the_field_named(
    world: World, changes: dict[str, Any], loc: list[Any]
) -> None:
    before = await table_counts(world.db)

    response = await world.client.put(
        "/grading-settings", json={**DEFAULTS, **changes}, headers=world.auth("deputy")
    )

    assert response.status_code == 422, response.text
    assert problem_type(response) == "validation-error"
    assert loc in [e["loc"] for e in response.json()["errors"]]
    assert await table_counts(world.db) == before


async def test_every_bad_field_is_named_at_once(world: World) -> None:
    response = await world.client.put(
        "/grading-settings",
        json={**DEFAULTS, "rounding_rule": "x", "late_entry_days": -1, "lock_after_days": 0},
        headers=world.auth("deputy"),
    )

    assert response.status_code == 422
    assert sorted(e["loc"][1] for e in response.json()["errors"]) == [
        "late_entry_days",
        "lock_after_days",
        "rounding_rule",
    ]
