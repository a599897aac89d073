"""POST /subjects and POST /assignments."""

import uuid
from typing import Any

import pytest
from journal_world import World, create_staff, outbox, problem_type, table_counts


@pytest.mark.parametrize("who", ["deputy", "director"])
async def test_the_administration_adds_a_subject(world: World, who: str) -> None:
    response = await world.client.post(
        "/subjects", headers=world.auth(who), json={"name": "  Информатика "}
    )

    assert response.status_code == 201
    body = response.json()
    assert body == {"subject_id": body["subject_id"], "name": "Информатика"}


@pytest.mark.parametrize("who", ["class_teacher", "teacher", "student", "parent"])
async def test_only_the_administration_adds_subjects(world: World, who: str) -> None:
    response = await world.client.post(
        "/subjects", headers=world.auth(who), json={"name": "Информатика"}
    )

    assert response.status_code == 403


async def test_a_subject_name_is_unique_in_the_school(world: World) -> None:
    before = await table_counts(world.db)

    response = await world.client.post(
        "/subjects", headers=world.auth("deputy"), json={"name": "Математика"}
    )

    assert response.status_code == 409
    assert problem_type(response) == "subject-exists"
    assert await table_counts(world.db) == before


@pytest.mark.parametrize(
    "body", [{}, {"name": ""}, {"name": "x" * 201}, {"name": "Химия", "hours": 2}]
)
async def test_an_invalid_subject_is_refused(world: World, body: dict[str, Any]) -> None:
    before = await table_counts(world.db)

    response = await world.client.post("/subjects", headers=world.auth("deputy"), json=body)

    assert response.status_code == 422
    assert await table_counts(world.db) == before


# --- assignments ---------------------------------------------------------------------


def assignment(world: World, **overrides: Any) -> dict[str, Any]:
    return {
        "teacher_id": str(world.outsider),
        "class_id": str(world.class_id),
        "subject_id": str(world.ids["math"]),
        **overrides,
    }


@pytest.mark.parametrize("who", ["deputy", "director"])
async def test_the_administration_assigns_a_teacher_and_assignment_made_is_published(
    world: World, who: str
) -> None:
    response = await world.client.post(
        "/assignments", headers=world.auth(who), json=assignment(world)
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert body == {
        "assignment_id": body["assignment_id"],
        "teacher_id": str(world.outsider),
        "class_id": str(world.class_id),
        "subject_id": str(world.ids["math"]),
        "subject_name": "Математика",
    }
    (event,) = [
        e
        for e in await outbox(world.db, "journal.assignment.made.v1")
        if e["data"]["assignment_id"] == body["assignment_id"]
    ]
    assert event["data"] == {
        k: body[k]
        for k in ("assignment_id", "teacher_id", "class_id", "subject_id", "subject_name")
    }
    assert event["schoolid"] == str(world.school_id)


@pytest.mark.parametrize("who", ["class_teacher", "teacher", "student", "parent"])
async def test_only_the_administration_assigns_teachers(world: World, who: str) -> None:
    before = await table_counts(world.db)

    response = await world.client.post(
        "/assignments", headers=world.auth(who), json=assignment(world)
    )

    assert response.status_code == 403
    assert await table_counts(world.db) == before


async def test_an_assignment_is_made_once(world: World) -> None:
    response = await world.client.post(
        "/assignments",
        headers=world.auth("deputy"),
        json=assignment(world, teacher_id=str(world.teacher), subject_id=str(world.ids["russian"])),
    )

    assert response.status_code == 409
    assert problem_type(response) == "assignment-exists"


async def test_the_teacher_must_be_staff_of_the_same_school(world: World, other: World) -> None:
    before = await table_counts(world.db)
    for teacher_id in (other.teacher, uuid.uuid4()):
        response = await world.client.post(
            "/assignments",
            headers=world.auth("deputy"),
            json=assignment(world, teacher_id=str(teacher_id)),
        )
        assert response.status_code == 404
        assert problem_type(response) == "not-found"
    assert await table_counts(world.db) == before


@pytest.mark.parametrize("roles", [["director"], ["sysadmin"], ["deputy"]])
async def test_the_teacher_must_hold_the_teacher_role(world: World, roles: list[Any]) -> None:
    staff_id = await create_staff(world.db, world.school_id, roles)
    before = await table_counts(world.db)

    response = await world.client.post(
        "/assignments",
        headers=world.auth("deputy"),
        json=assignment(world, teacher_id=str(staff_id)),
    )

    assert response.status_code == 422
    assert problem_type(response) == "not-a-teacher"
    assert await table_counts(world.db) == before


async def test_another_schools_class_or_subject_is_not_found(world: World, other: World) -> None:
    for overrides in ({"class_id": str(other.class_id)}, {"subject_id": str(other.ids["math"])}):
        response = await world.client.post(
            "/assignments", headers=world.auth("deputy"), json=assignment(world, **overrides)
        )
        assert response.status_code == 404, overrides


@pytest.mark.parametrize(
    "overrides", [{"teacher_id": None}, {"class_id": "5А"}, {"hours_per_week": 5}]
)
async def test_an_invalid_assignment_is_refused(world: World, overrides: dict[str, Any]) -> None:
    response = await world.client.post(
        "/assignments", headers=world.auth("deputy"), json=assignment(world, **overrides)
    )

    assert response.status_code == 422
    assert problem_type(response) == "validation-error"


# --- listing assignments ---------------------------------------------------------------


def assignment_ids(response: Any) -> set[uuid.UUID]:
    assert response.status_code == 200
    return {uuid.UUID(item["assignment_id"]) for item in response.json()["items"]}


async def test_a_teacher_lists_only_their_own_assignments(world: World) -> None:
    response = await world.client.get("/assignments", headers=world.auth("class_teacher"))

    assert assignment_ids(response) == {world.ids["math_assignment"]}
    [item] = response.json()["items"]
    assert item["subject_name"] == "Математика"
    assert item["class_id"] == str(world.class_id)


@pytest.mark.parametrize("who", ["deputy", "director"])
async def test_the_administration_lists_the_schools_assignments(world: World, who: str) -> None:
    response = await world.client.get("/assignments", headers=world.auth(who))

    expected = {world.ids["math_assignment"], world.ids["russian_assignment"]}
    assert assignment_ids(response) == expected


async def test_assignments_can_be_listed_for_one_class(world: World) -> None:
    other_class = await world.client.get(
        "/assignments",
        headers=world.auth("deputy"),
        params={"class_id": str(world.ids["parallel_class"])},
    )
    assert assignment_ids(other_class) == set()


async def test_another_schools_assignments_are_never_listed(world: World, other: World) -> None:
    response = await world.client.get("/assignments", headers=other.auth("deputy"))

    assert assignment_ids(response).isdisjoint(
        {world.ids["math_assignment"], world.ids["russian_assignment"]}
    )


@pytest.mark.parametrize("who", ["student", "parent", "sysadmin"])
async def test_students_parents_and_sysadmins_do_not_list_assignments(
    world: World, who: str
) -> None:
    response = await world.client.get("/assignments", headers=world.auth(who))

    assert response.status_code == 403


async def test_a_malformed_class_filter_is_refused(world: World) -> None:
    response = await world.client.get(
        "/assignments", headers=world.auth("deputy"), params={"class_id": "5A"}
    )

    assert response.status_code == 422
    assert problem_type(response) == "validation-error"
