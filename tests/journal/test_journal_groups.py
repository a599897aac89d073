"""Groups within a class: opened by who keeps the class, members with dates, and the
group's students on a day."""

import datetime as dt
import uuid
from typing import Any

from journal_world import SCHOOL_YEAR_START, World, outbox, problem_type, table_counts


async def open_group(world: World, name: str = "Английский, 1 группа") -> uuid.UUID:
    body = await world.post("class_teacher", f"/classes/{world.class_id}/groups", {"name": name})
    return uuid.UUID(body["group_id"])


async def members_on(world: World, group_id: uuid.UUID, day: dt.date, who: str = "deputy") -> Any:
    response = await world.client.get(
        f"/groups/{group_id}/students", params={"on": day.isoformat()}, headers=world.auth(who)
    )
    assert response.status_code == 200, response.text
    return [s["student_id"] for s in response.json()["items"]]


async def test_a_group_has_members_from_the_day_they_join_to_the_day_they_leave(
    world: World,
) -> None:
    group_id = await open_group(world)

    joined = await world.post(
        "class_teacher",
        f"/groups/{group_id}/members",
        {"student_id": str(world.student_id), "starts_on": "2026-10-01"},
    )
    left = await world.client.post(
        f"/groups/{group_id}/members/{world.student_id}/leave",
        headers=world.auth("class_teacher"),
        json={"last_day": "2026-11-30"},
    )

    assert left.status_code == 200, left.text
    assert left.json()["ends_on"] == "2026-11-30"
    assert await members_on(world, group_id, dt.date(2026, 9, 30)) == []
    assert await members_on(world, group_id, dt.date(2026, 10, 1)) == [str(world.student_id)]
    # A teacher of the class reads the group too (without birth dates).
    assert await members_on(world, group_id, dt.date(2026, 11, 30), "teacher") == [
        str(world.student_id)
    ]
    assert await members_on(world, group_id, dt.date(2026, 12, 1)) == []
    events = [
        (e["type"], e["version"])
        for key in ("journal.group.joined.v1", "journal.group.left.v1")
        for e in await outbox(world.db, key)
        if e["subject"] == f"group_membership/{joined['membership_id']}"
    ]
    assert events == [("journal.group.joined.v1", 1), ("journal.group.left.v1", 2)]


async def test_the_classs_groups_are_listed_to_its_teachers(world: World) -> None:
    await open_group(world, "Английский, 2 группа")
    await open_group(world, "Английский, 1 группа")

    for who in ("deputy", "class_teacher", "teacher"):
        response = await world.client.get(
            f"/classes/{world.class_id}/groups", headers=world.auth(who)
        )
        assert [g["name"] for g in response.json()["items"]] == [
            "Английский, 1 группа",
            "Английский, 2 группа",
        ]
    outsider = await world.client.get(
        f"/classes/{world.class_id}/groups", headers=world.auth("outsider")
    )
    assert outsider.status_code == 403


async def test_a_groups_name_is_unique_in_its_class(world: World) -> None:
    await open_group(world)

    response = await world.client.post(
        f"/classes/{world.class_id}/groups",
        headers=world.auth("deputy"),
        json={"name": "Английский, 1 группа"},
    )

    assert response.status_code == 409
    assert problem_type(response) == "group-exists"


async def test_a_student_of_another_class_cannot_join_the_group(world: World) -> None:
    group_id = await open_group(world)
    before = await table_counts(world.db)

    response = await world.client.post(
        f"/groups/{group_id}/members",
        headers=world.auth("deputy"),
        json={"student_id": str(world.ids["parallel_student"]), "starts_on": "2026-10-01"},
    )

    assert response.status_code == 422
    assert problem_type(response) == "student-not-in-class"
    assert await table_counts(world.db) == before


async def test_joining_before_the_enrollment_began_is_refused(world: World) -> None:
    group_id = await open_group(world)

    response = await world.client.post(
        f"/groups/{group_id}/members",
        headers=world.auth("deputy"),
        json={
            "student_id": str(world.student_id),
            "starts_on": (SCHOOL_YEAR_START - dt.timedelta(days=1)).isoformat(),
        },
    )

    assert response.status_code == 422


async def test_joining_twice_is_a_conflict(world: World) -> None:
    group_id = await open_group(world)
    body = {"student_id": str(world.student_id), "starts_on": "2026-10-01"}
    await world.post("deputy", f"/groups/{group_id}/members", body)

    response = await world.client.post(
        f"/groups/{group_id}/members", headers=world.auth("deputy"), json=body
    )

    assert response.status_code == 409
    assert problem_type(response) == "already-in-group"


async def test_a_transfer_out_of_the_class_ends_its_group_memberships(world: World) -> None:
    group_id = await open_group(world)
    await world.post(
        "deputy",
        f"/groups/{group_id}/members",
        {"student_id": str(world.classmate_id), "starts_on": "2026-10-01"},
    )

    response = await world.client.post(
        f"/students/{world.classmate_id}/transfer",
        headers=world.auth("deputy"),
        json={"class_id": str(world.ids["parallel_class"]), "on": "2026-11-16"},
    )

    assert response.status_code == 200, response.text
    assert await members_on(world, group_id, dt.date(2026, 11, 15)) == [str(world.classmate_id)]
    assert await members_on(world, group_id, dt.date(2026, 11, 16)) == []
    (left,) = [
        e
        for e in await outbox(world.db, "journal.group.left.v1")
        if e["data"]["student_id"] == str(world.classmate_id)
    ]
    assert left["data"]["last_day"] == "2026-11-15"


async def test_a_class_teacher_keeps_only_their_own_classs_groups(world: World) -> None:
    response = await world.client.post(
        f"/classes/{world.ids['parallel_class']}/groups",
        headers=world.auth("class_teacher"),
        json={"name": "Немецкий"},
    )

    assert response.status_code == 403


async def test_another_schools_group_is_not_found(world: World, other: World) -> None:
    group_id = await open_group(other)

    response = await world.client.get(f"/groups/{group_id}/students", headers=world.auth("deputy"))

    assert response.status_code == 404
