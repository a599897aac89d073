"""Closing an academic year: POST /years/{id}/close once every period is closed; the year
becomes read-only, and journal.year.closed.v1 carries the manifest of its export."""

import uuid
from typing import Any

import pytest
from calendar_samples import year
from journal_world import World, count, outbox, problem_type, rows, table_counts
from yearend_samples import CLOSED, close, close_periods, closed_year, open_year

from shared.contracts.journal import YearClosed


async def test_the_deputy_closes_a_year_whose_periods_are_all_closed(world: World) -> None:
    year_id, data = await closed_year(world)

    [stored] = await rows(
        world.db,
        "SELECT closed_at, closed_by, version FROM academic_years WHERE id = :id",
        id=uuid.UUID(year_id),
    )
    assert stored["closed_by"] == world.deputy and stored["closed_at"] is not None
    assert stored["version"] == 2  # opened as 1
    [event] = [e for e in await outbox(world.db, CLOSED) if e["data"]["year_id"] == year_id]
    assert event["subject"] == f"year/{year_id}"
    assert (event["version"], event["schoolid"]) == (2, str(world.school_id))
    closed = YearClosed.model_validate({**data, "school_id": world.school_id, "version": 2})
    assert closed.closed_by == world.deputy
    assert (closed.name, str(closed.year_id)) == ("2026/27", year_id)


async def test_the_manifest_counts_each_class_journal(world: World) -> None:
    _, data = await closed_year(world)

    manifest = data["manifest"]
    assert manifest["format"] == "journal-export/1"
    by_name = {j["class_name"]: j for j in manifest["class_journals"]}
    assert list(by_name) == ["5А", "5Б"]  # by grade, then name
    assert by_name["5А"]["counts"] == {
        "students": 2,
        "enrollments": 2,
        "lessons": 3,
        "marks": 2,
        "mark_changes": 3,  # two postings and one correction
        "attendance": 1,
        "attendance_changes": 2,
        "remarks": 1,
        "final_marks": 1,
        "final_mark_changes": 1,
        "homework_attachments": 1,
        "groups": 1,
        "group_memberships": 1,
        "thematic_plans": 1,
        "thematic_plan_items": 2,
        "guardians": 2,
        "guardianships": 2,
        "curriculum_hours": 2,
        # the class line and every record
        "records": 1 + 2 + 3 + 2 + 1 + 1 + 1 + 1 + 1 + 1 + 2 + 2,
    }
    assert by_name["5Б"]["counts"]["students"] == 1
    assert by_name["5Б"]["counts"]["lessons"] == 0
    assert by_name["5Б"]["counts"]["guardians"] == by_name["5Б"]["counts"]["guardianships"] == 1
    assert by_name["5Б"]["counts"]["curriculum_hours"] == 2
    for entry in manifest["class_journals"]:
        assert len(entry["sha256"]) == 64
    assert len(manifest["sha256"]) == 64
    assert "Смирнов" not in str(data)  # counts and hashes only: no names in the event


async def test_a_year_with_open_periods_is_refused_with_the_list_and_nothing_changes(
    world: World,
) -> None:
    year_id = await open_year(world)
    await close_periods(world, year_id, 1, 2)
    before = await table_counts(world.db)

    response = await close(world, year_id)

    assert response.status_code == 409
    assert problem_type(response) == "periods-open"
    still_open = response.json()["open_periods"]
    assert [(p["kind"], p["number"]) for p in still_open] == [
        ("quarter", 3),
        ("quarter", 4),
        ("half", 1),
        ("half", 2),
    ]
    assert await table_counts(world.db) == before
    assert (
        await count(
            world.db, "academic_years", "closed_at IS NOT NULL AND id = :id", id=uuid.UUID(year_id)
        )
        == 0
    )


async def test_a_closed_year_cannot_be_closed_again(world: World) -> None:
    year_id, _ = await closed_year(world)
    before = await table_counts(world.db)

    response = await close(world, year_id)

    assert response.status_code == 409 and problem_type(response) == "year-closed"
    assert await table_counts(world.db) == before


@pytest.mark.parametrize("who", ["deputy", "director"])
async def test_the_administration_closes_years(world: World, who: str) -> None:
    year_id = await open_year(world)
    await close_periods(world, year_id)

    response = await close(world, year_id, who)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["year_id"] == year_id and body["version"] == 2
    assert body["closed_by"] == str(getattr(world, who))
    assert body["manifest"]["format"] == "journal-export/1"


@pytest.mark.parametrize("who", ["class_teacher", "teacher", "sysadmin", "student", "parent"])
async def test_nobody_else_closes_a_year(world: World, who: str) -> None:
    year_id = await open_year(world)
    await close_periods(world, year_id)
    before = await table_counts(world.db)

    response = await close(world, year_id, who)

    assert response.status_code == 403 and problem_type(response) == "forbidden"
    assert await table_counts(world.db) == before


async def test_closing_needs_a_token_and_refuses_a_service_token(world: World) -> None:
    from yearend_samples import service_token

    year_id = await open_year(world)
    await close_periods(world, year_id)

    anonymous = await world.client.post(f"/years/{year_id}/close")
    as_service = await world.client.post(
        f"/years/{year_id}/close",
        headers={"Authorization": f"Bearer {service_token(world.tokens)}"},
    )

    assert anonymous.status_code == 401
    assert as_service.status_code == 403  # a service token never acts as a person


async def test_another_schools_year_and_an_unknown_year_are_not_found(
    world: World, other: World
) -> None:
    theirs = await open_year(other)
    await close_periods(other, theirs)
    before = await table_counts(world.db)

    foreign = await close(world, theirs)
    unknown = await close(world, str(uuid.uuid4()))
    malformed = await world.client.post("/years/not-a-uuid/close", headers=world.auth("deputy"))

    assert foreign.status_code == 404 and problem_type(foreign) == "not-found"
    assert unknown.status_code == 404
    assert malformed.status_code == 422 and problem_type(malformed) == "validation-error"
    assert await table_counts(world.db) == before


# --- a closed year is read-only ------------------------------------------------------------


async def refused(world: World, method: str, path: str, body: dict[str, Any], who: str) -> None:
    before = await table_counts(world.db)
    response = await world.client.request(method, path, json=body, headers=world.auth(who))
    assert response.status_code == 409, response.text
    assert problem_type(response) == "year-closed"
    assert await table_counts(world.db) == before


async def test_the_calendar_of_a_closed_year_is_refused(world: World) -> None:
    year_id, _ = await closed_year(world)
    await refused(world, "PUT", f"/years/{year_id}", year(ends_on="2027-05-30"), "deputy")


async def test_the_curriculum_and_thematic_plans_of_a_closed_year_are_refused(
    world: World,
) -> None:
    year_id, _ = await closed_year(world)
    curriculum = {
        "version": 0,
        "subjects": [{"subject_id": str(world.ids["math"]), "weekly_hours": 5}],
    }
    plan = {"version": 0, "items": [{"topic": "Дроби", "hours": 2}]}

    await refused(world, "PUT", f"/years/{year_id}/curriculum/5", curriculum, "deputy")
    await refused(
        world, "PUT", f"/assignments/{world.ids['math_assignment']}/plans/{year_id}", plan, "deputy"
    )


async def test_roster_changes_dated_inside_a_closed_year_are_refused(world: World) -> None:
    await closed_year(world)
    group = await world.post(
        "class_teacher", f"/classes/{world.class_id}/groups", {"name": "1 группа"}
    )
    new_student = {
        "class_id": str(world.class_id),
        "last_name": "Новиков",
        "first_name": "Пётр",
        "birth_date": "2015-05-01",
        "starts_on": "2027-02-01",
    }

    await refused(world, "POST", "/students", new_student, "deputy")
    await refused(
        world,
        "POST",
        f"/students/{world.student_id}/transfer",
        {"class_id": str(world.ids["parallel_class"]), "on": "2027-02-01"},
        "deputy",
    )
    await refused(
        world, "POST", f"/students/{world.student_id}/leave", {"last_day": "2027-02-01"}, "deputy"
    )
    await refused(
        world,
        "POST",
        f"/groups/{group['group_id']}/members",
        {"student_id": str(world.student_id), "starts_on": "2026-12-01"},
        "class_teacher",
    )
    await refused(
        world,
        "POST",
        f"/students/{world.student_id}/remarks",
        {"kind": "remark", "text": "Опоздал", "date": "2026-12-01"},
        "class_teacher",
    )
    # A backdated enrollment would reach into the closed year too.
    await refused(world, "POST", "/students", {**new_student, "starts_on": "2026-08-01"}, "deputy")


async def test_roster_changes_after_a_closed_year_go_ahead(world: World) -> None:
    await closed_year(world)

    moved = await world.client.post(
        f"/students/{world.student_id}/transfer",
        json={"class_id": str(world.ids["parallel_class"]), "on": "2027-06-01"},
        headers=world.auth("deputy"),
    )
    left = await world.client.post(
        f"/students/{world.classmate_id}/leave",
        json={"last_day": "2027-05-31"},  # the year's last day: enrolled through it
        headers=world.auth("deputy"),
    )

    assert moved.status_code == 200, moved.text
    assert left.status_code == 200, left.text


async def test_the_year_reads_as_closed(world: World) -> None:
    year_id = await open_year(world)
    opened = await world.client.get(f"/years/{year_id}", headers=world.auth("teacher"))
    await close_periods(world, year_id)
    closed = (await close(world, year_id)).json()

    shown = await world.client.get(f"/years/{year_id}", headers=world.auth("teacher"))

    assert (opened.json()["closed_at"], opened.json()["closed_by"]) == (None, None)
    assert shown.json()["closed_by"] == str(world.deputy)
    assert shown.json()["closed_at"] == closed["closed_at"]
    assert shown.json()["version"] == 2
