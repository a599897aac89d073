"""Enrollments with dates, transfers, leaving, details and links: all kept with history,
each change published with the aggregate's version."""

import datetime as dt
import uuid
from typing import Any

import pytest
from journal_world import SCHOOL_YEAR_START, World, count, outbox, problem_type, rows, table_counts

TRANSFER_DAY = dt.date(2026, 11, 16)


async def class_list(world: World, class_id: uuid.UUID, on: dt.date) -> list[str]:
    response = await world.client.get(
        f"/classes/{class_id}/students", params={"on": on.isoformat()}, headers=world.auth("deputy")
    )
    assert response.status_code == 200, response.text
    return [s["student_id"] for s in response.json()["items"]]


async def transfer(world: World, who: str = "deputy", **body: Any) -> Any:
    return await world.client.post(
        f"/students/{world.classmate_id}/transfer",
        headers=world.auth(who),
        json={
            "class_id": str(world.ids["parallel_class"]),
            "on": TRANSFER_DAY.isoformat(),
            **body,
        },
    )


async def events_of(world: World, key: str, student_id: uuid.UUID) -> list[dict[str, Any]]:
    return [e for e in await outbox(world.db, key) if e["data"]["student_id"] == str(student_id)]


async def test_a_transfer_ends_the_old_enrollment_the_day_before_the_new_one(
    world: World,
) -> None:
    response = await transfer(world)

    assert response.status_code == 200, response.text
    assert response.json()["class_id"] == str(world.ids["parallel_class"])
    card = (
        await world.client.get(f"/students/{world.classmate_id}", headers=world.auth("deputy"))
    ).json()
    assert card["class_id"] == str(world.ids["parallel_class"])
    assert [
        (e["class_name"], e["starts_on"], e["ends_on"], e["end_reason"])
        for e in card["enrollments"]
    ] == [
        ("5А", SCHOOL_YEAR_START.isoformat(), "2026-11-15", "transferred"),
        ("5Б", "2026-11-16", None, None),
    ]
    # Enrolled on a date: the day before in the old class, from the day in the new one.
    day_before = TRANSFER_DAY - dt.timedelta(days=1)
    assert str(world.classmate_id) in await class_list(world, world.class_id, day_before)
    assert str(world.classmate_id) not in await class_list(world, world.class_id, TRANSFER_DAY)
    assert str(world.classmate_id) in await class_list(
        world, world.ids["parallel_class"], TRANSFER_DAY
    )
    assert str(world.classmate_id) not in await class_list(
        world, world.ids["parallel_class"], day_before
    )


async def test_a_transfer_is_published_with_the_students_version_beside_the_v1_event(
    world: World,
) -> None:
    await transfer(world)

    (moved,) = await events_of(world, "journal.student.transferred.v1", world.classmate_id)
    assert moved["data"] == {
        "student_id": str(world.classmate_id),
        "from_class_id": str(world.class_id),
        "to_class_id": str(world.ids["parallel_class"]),
        "enrollment_id": moved["data"]["enrollment_id"],
        "on": TRANSFER_DAY.isoformat(),
    }
    assert moved["version"] == 2
    # auth and messaging read v1: they learn the new class, with the newer version.
    v1 = await events_of(world, "journal.student.enrolled.v1", world.classmate_id)
    assert [(e["data"]["class_id"], e["version"]) for e in v1] == [
        (str(world.class_id), 1),
        (str(world.ids["parallel_class"]), 2),
    ]
    v2 = await events_of(world, "journal.student.enrolled.v2", world.classmate_id)
    assert [(e["data"]["starts_on"], e["version"]) for e in v2] == [
        (SCHOOL_YEAR_START.isoformat(), 1),
        (TRANSFER_DAY.isoformat(), 2),
    ]


async def test_the_transfer_is_in_the_students_history(world: World) -> None:
    await transfer(world)

    history = (
        await world.client.get(
            f"/students/{world.classmate_id}/history", headers=world.auth("deputy")
        )
    ).json()["items"]
    assert [(h["subject"], h["field"], h["old_value"], h["new_value"]) for h in history] == [
        ("enrollment", "class_id", None, str(world.class_id)),
        ("enrollment", "starts_on", None, SCHOOL_YEAR_START.isoformat()),
        ("enrollment", "ends_on", None, "2026-11-15"),
        ("enrollment", "end_reason", None, "transferred"),
        ("enrollment", "class_id", None, str(world.ids["parallel_class"])),
        ("enrollment", "starts_on", None, TRANSFER_DAY.isoformat()),
    ]
    assert {h["changed_by"] for h in history} == {str(world.deputy)}


async def test_after_a_transfer_the_old_class_teacher_no_longer_keeps_the_student(
    world: World,
) -> None:
    await transfer(world)

    response = await world.client.get(
        f"/students/{world.classmate_id}", headers=world.auth("class_teacher")
    )

    assert response.status_code == 403


@pytest.mark.parametrize(
    ("body", "status", "slug"),
    [
        ({"on": SCHOOL_YEAR_START.isoformat()}, 422, "invalid-enrollment-date"),
        ({"on": "2026-08-01"}, 422, "invalid-enrollment-date"),
        ({"class_id": None}, 422, "validation-error"),
        ({"on": "16.11.2026"}, 422, "validation-error"),
    ],
)
async def test_a_bad_transfer_is_refused_and_nothing_is_written(
    world: World, body: dict[str, Any], status: int, slug: str
) -> None:
    before = await table_counts(world.db)

    response = await transfer(world, **body)

    assert response.status_code == status, response.text
    assert problem_type(response) == slug
    assert await table_counts(world.db) == before


async def test_a_transfer_into_the_same_class_is_a_conflict(world: World) -> None:
    response = await transfer(world, class_id=str(world.class_id))

    assert response.status_code == 409
    assert problem_type(response) == "already-in-class"


async def test_a_class_teacher_transfers_only_between_classes_they_lead(world: World) -> None:
    before = await table_counts(world.db)

    response = await transfer(world, who="class_teacher")

    assert response.status_code == 403
    assert await table_counts(world.db) == before


async def test_a_student_who_left_is_on_the_list_to_the_last_day_only(world: World) -> None:
    response = await world.client.post(
        f"/students/{world.classmate_id}/leave",
        headers=world.auth("class_teacher"),
        json={"last_day": "2026-11-20"},
    )

    assert response.status_code == 200, response.text
    assert response.json()["ends_on"] == "2026-11-20"
    assert response.json()["end_reason"] == "left"
    assert str(world.classmate_id) in await class_list(world, world.class_id, dt.date(2026, 11, 20))
    assert str(world.classmate_id) not in await class_list(
        world, world.class_id, dt.date(2026, 11, 21)
    )
    (left,) = await events_of(world, "journal.student.left.v1", world.classmate_id)
    assert left["data"] == {
        "student_id": str(world.classmate_id),
        "class_id": str(world.class_id),
        "last_day": "2026-11-20",
    }
    assert left["version"] == 2
    again = await world.client.post(
        f"/students/{world.classmate_id}/leave",
        headers=world.auth("deputy"),
        json={"last_day": "2026-11-21"},
    )
    assert again.status_code == 409
    assert problem_type(again) == "student-not-enrolled"


async def test_correcting_a_students_details_keeps_old_and_new(world: World) -> None:
    response = await world.client.patch(
        f"/students/{world.student_id}",
        headers=world.auth("class_teacher"),
        json={"first_name": "Илья", "birth_date": "2015-04-14", "middle_name": None},
    )

    assert response.status_code == 200, response.text
    assert response.json()["first_name"] == "Илья"
    changes = await rows(
        world.db,
        "SELECT field, old_value, new_value, changed_by FROM roster_changes"
        " WHERE subject = 'student' AND subject_id = :id ORDER BY field",
        id=world.student_id,
    )
    # middle_name was already empty: no change, no row.
    assert changes == [
        {
            "field": "birth_date",
            "old_value": "2015-03-14",
            "new_value": "2015-04-14",
            "changed_by": world.class_teacher,
        },
        {
            "field": "first_name",
            "old_value": "Иван",
            "new_value": "Илья",
            "changed_by": world.class_teacher,
        },
    ]
    # Personal details travel in no event.
    assert not [
        e
        for key in ("journal.student.enrolled.v1", "journal.student.enrolled.v2")
        for e in await outbox(world.db, key)
        if "Илья" in str(e)
    ]


async def test_clearing_a_required_detail_is_refused(world: World) -> None:
    before = await table_counts(world.db)

    response = await world.client.patch(
        f"/students/{world.student_id}", headers=world.auth("deputy"), json={"last_name": None}
    )

    assert response.status_code == 422
    assert await table_counts(world.db) == before


async def test_the_history_is_append_only_for_the_application(world: World) -> None:
    await world.client.patch(
        f"/students/{world.student_id}", headers=world.auth("deputy"), json={"first_name": "Лев"}
    )
    with pytest.raises(Exception, match="append-only"):
        await rows(world.db, "UPDATE roster_changes SET new_value = 'x' RETURNING id")


async def test_a_guardians_contact_details_change_with_history(world: World) -> None:
    guardian_id = world.ids["guardian"]

    response = await world.client.patch(
        f"/guardians/{guardian_id}",
        headers=world.auth("class_teacher"),
        json={"phone": "+7 911 111-11-11", "address": "Санкт-Петербург, ул. Садовая, 1"},
    )

    assert response.status_code == 200, response.text
    assert response.json()["address"] == "Санкт-Петербург, ул. Садовая, 1"
    card = (
        await world.client.get(f"/students/{world.student_id}", headers=world.auth("deputy"))
    ).json()
    (parent,) = card["guardians"]
    assert (parent["phone"], parent["kind"]) == ("+7 911 111-11-11", "guardian")
    history = (
        await world.client.get(
            f"/students/{world.student_id}/history", headers=world.auth("deputy")
        )
    ).json()["items"]
    assert [
        (h["field"], h["old_value"], h["new_value"]) for h in history if h["subject"] == "guardian"
    ] == [
        ("phone", "+7 900 000-00-00", "+7 911 111-11-11"),
        ("address", None, "Санкт-Петербург, ул. Садовая, 1"),
    ]


async def test_a_guardian_of_another_class_is_not_the_class_teachers_to_change(
    world: World,
) -> None:
    other_parent = await world.post(
        "deputy",
        "/guardians",
        {
            "last_name": "Борисова",
            "first_name": "Анна",
            "student_ids": [str(world.ids["parallel_student"])],
        },
    )

    response = await world.client.patch(
        f"/guardians/{other_parent['guardian_id']}",
        headers=world.auth("class_teacher"),
        json={"phone": "+7 911 111-11-11"},
    )

    assert response.status_code == 403


async def test_linking_unlinking_and_relinking_raise_the_links_version(world: World) -> None:
    guardian_id = world.ids["guardian"]
    path = f"/guardians/{guardian_id}/students/{world.classmate_id}"

    linked = await world.client.put(
        path, headers=world.auth("class_teacher"), json={"kind": "mother"}
    )
    same_again = await world.client.put(
        path, headers=world.auth("class_teacher"), json={"kind": "mother"}
    )
    unlinked = await world.client.delete(path, headers=world.auth("class_teacher"))
    gone_already = await world.client.delete(path, headers=world.auth("class_teacher"))
    relinked = await world.client.put(path, headers=world.auth("deputy"), json={"kind": "mother"})

    assert [r.status_code for r in (linked, same_again, unlinked, gone_already, relinked)] == [
        200,
        200,
        204,
        404,
        200,
    ]
    assert sorted(linked.json()["student_ids"]) == sorted(
        [str(world.student_id), str(world.classmate_id)]
    )
    links = [
        (e["type"], e["version"])
        for key in ("journal.guardian.linked.v1", "journal.guardian.unlinked.v1")
        for e in await outbox(world.db, key)
        if e["subject"] == f"guardianship/{guardian_id}:{world.classmate_id}"
    ]
    assert sorted(links, key=lambda pair: pair[1]) == [
        ("journal.guardian.linked.v1", 1),
        ("journal.guardian.unlinked.v1", 2),
        ("journal.guardian.linked.v1", 3),
    ]
    assert (
        await count(
            world.db,
            "guardianships",
            "guardian_id = :g AND kind = 'mother' AND unlinked_at IS NULL",
            g=guardian_id,
        )
        == 1
    )


async def test_an_unknown_guardian_kind_is_refused(world: World) -> None:
    response = await world.client.put(
        f"/guardians/{world.ids['guardian']}/students/{world.classmate_id}",
        headers=world.auth("deputy"),
        json={"kind": "aunt"},
    )

    assert response.status_code == 422
