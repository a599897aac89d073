"""Thematic plans (КТП): /assignments/{assignment}/plans/{year} holds an assignment's
ordered items (topic, hours, planned control works, planned week or date). The assignment's
teacher and the deputy keep it; the class teacher and the administration read it too.
Writes carry the version read; a stale one answers 409."""

import asyncio
import uuid
from typing import Any

import pytest
from curriculum_samples import PLAN_ITEMS, open_year, plan_path, put_plan, school_events, set_hours
from journal_world import World, problem_type, rows, table_counts

CHANGED = "journal.thematic_plan.changed.v1"
# 5А mathematics is taught by the class teacher, 5А Russian by `teacher`.
READERS = ["director", "deputy", "class_teacher"]
WRITERS = ["deputy", "class_teacher"]


def summary(plan: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (i["position"], i["topic"], i["hours"], i["work_type"], i["planned_week"], i["planned_on"])
        for i in plan["items"]
    ]


async def test_the_teacher_writes_the_plan_and_reads_it_in_order(world: World) -> None:
    year_id = await open_year(world)

    plan = await put_plan(world, year_id)

    assert plan["version"] == 1
    assert summary(plan) == [
        (1, "Натуральные числа", 3, None, 1, None),
        (2, "Сложение и вычитание", 4, None, None, None),
        (3, "Контрольная работа № 1", 1, "control", None, "2026-09-25"),
        (4, "Обыкновенные дроби", 6, None, None, None),
    ]
    assert plan["planned_hours"] == 14
    read = await world.client.get(plan_path(world, year_id), headers=world.auth("class_teacher"))
    assert read.json() == plan
    [event] = await school_events(world, CHANGED)
    assert event["subject"] == f"thematic_plan/{plan['plan_id']}"
    assert event["version"] == 1
    data = event["data"]
    assert (data["assignment_id"], data["year_id"], data["class_id"], data["subject_id"]) == (
        str(world.ids["math_assignment"]),
        str(year_id),
        str(world.class_id),
        str(world.ids["math"]),
    )
    assert data["planned_hours"] == 14
    assert [(i["item_id"], i["position"]) for i in data["items"]] == [
        (i["item_id"], i["position"]) for i in plan["items"]
    ]


async def test_a_work_type_may_be_named_by_its_name_and_is_kept_as_its_code(world: World) -> None:
    year_id = await open_year(world)

    plan = await put_plan(
        world,
        year_id,
        [{"topic": "Итоговая работа", "hours": 1, "work_type": "контрольная РАБОТА"}],
    )

    assert plan["items"][0]["work_type"] == "control"


async def test_without_a_plan_the_read_is_empty_at_version_0(world: World) -> None:
    year_id = await open_year(world)

    response = await world.client.get(plan_path(world, year_id), headers=world.auth("deputy"))

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["plan_id"], body["version"], body["items"], body["planned_hours"]) == (
        None,
        0,
        [],
        0,
    )


async def test_planned_hours_are_shown_against_the_curriculum_and_a_mismatch_is_flagged(
    world: World,
) -> None:
    year_id = await open_year(world)
    no_curriculum = await put_plan(world, year_id)
    await set_hours(world, year_id, 5, {"math": 5})

    response = await world.client.get(plan_path(world, year_id), headers=world.auth("deputy"))
    short = response.json()
    full = await put_plan(
        world, year_id, [{"topic": "Весь курс", "hours": 170}], version=short["version"]
    )

    assert (no_curriculum["curriculum"], no_curriculum["hours_match"]) == (None, None)
    assert short["curriculum"] == {"weekly_hours": 5.0, "yearly_hours": 170.0}
    assert (short["planned_hours"], short["hours_match"]) == (14, False)
    assert (full["planned_hours"], full["hours_match"]) == (170, True)


async def test_items_kept_by_id_keep_it_and_the_rest_are_new(world: World) -> None:
    year_id = await open_year(world)
    first = await put_plan(world, year_id)
    ids = [i["item_id"] for i in first["items"]]

    second = await put_plan(
        world,
        year_id,
        [
            {"item_id": ids[3], "topic": "Дроби", "hours": 8},
            {"item_id": ids[0], "topic": "Натуральные числа", "hours": 3, "planned_week": 1},
            {"topic": "Повторение", "hours": 2},
        ],
        version=1,
    )

    assert second["version"] == 2
    assert [i["item_id"] for i in second["items"]][:2] == [ids[3], ids[0]]
    assert second["items"][2]["item_id"] not in ids
    assert summary(second) == [
        (1, "Дроби", 8, None, None, None),
        (2, "Натуральные числа", 3, None, 1, None),
        (3, "Повторение", 2, None, None, None),
    ]
    stored = await rows(
        world.db,
        "SELECT count(*) AS n FROM thematic_plan_items WHERE plan_id = :id",
        id=uuid.UUID(second["plan_id"]),
    )
    assert stored == [{"n": 3}]


async def test_the_same_plan_again_changes_nothing(world: World) -> None:
    year_id = await open_year(world)
    first = await put_plan(world, year_id)
    again = [
        {"item_id": i["item_id"], **p} for i, p in zip(first["items"], PLAN_ITEMS, strict=True)
    ]

    second = await put_plan(world, year_id, again, version=1)

    assert second == first
    assert len(await school_events(world, CHANGED)) == 1


async def test_a_stale_version_is_409_and_nothing_changes(world: World) -> None:
    year_id = await open_year(world)
    await put_plan(world, year_id)
    await put_plan(world, year_id, PLAN_ITEMS[:2], version=1, who="deputy")
    before = await table_counts(world.db)

    response = await world.client.put(
        plan_path(world, year_id),
        json={"version": 1, "items": PLAN_ITEMS},
        headers=world.auth("class_teacher"),
    )

    assert response.status_code == 409, response.text
    assert problem_type(response) == "stale-version"
    assert response.json()["current_version"] == 2
    assert await table_counts(world.db) == before


async def test_a_plan_written_as_new_while_one_exists_is_stale(world: World) -> None:
    year_id = await open_year(world)
    await put_plan(world, year_id)

    response = await world.client.put(
        plan_path(world, year_id),
        json={"version": 0, "items": PLAN_ITEMS},
        headers=world.auth("deputy"),
    )

    assert response.status_code == 409, response.text


async def test_two_first_plans_at_once_leave_one(committed_world: World) -> None:
    world = committed_world
    year_id = await open_year(world)

    responses = await asyncio.gather(
        *(
            world.client.put(
                plan_path(world, year_id),
                json={"version": 0, "items": items},
                headers=world.auth(who),
            )
            for who, items in (("class_teacher", PLAN_ITEMS), ("deputy", PLAN_ITEMS[:1]))
        )
    )

    assert sorted(r.status_code for r in responses) == [200, 409]
    plans = await rows(
        world.db,
        "SELECT version FROM thematic_plans WHERE assignment_id = :a",
        a=world.ids["math_assignment"],
    )
    assert plans == [{"version": 1}]


async def test_two_changes_from_the_same_version_at_once_one_is_409(
    committed_world: World,
) -> None:
    world = committed_world
    year_id = await open_year(world)
    await put_plan(world, year_id)

    responses = await asyncio.gather(
        *(
            world.client.put(
                plan_path(world, year_id),
                json={"version": 1, "items": [{"topic": topic, "hours": 1}]},
                headers=world.auth("class_teacher"),
            )
            for topic in ("Первая", "Вторая")
        )
    )

    assert sorted(r.status_code for r in responses) == [200, 409]
    winner = next(r.json() for r in responses if r.status_code == 200)
    read = await world.client.get(plan_path(world, year_id), headers=world.auth("deputy"))
    assert read.json()["items"] == winner["items"]
    assert read.json()["version"] == 2


# --- item by item --------------------------------------------------------------------


async def test_an_item_is_added_at_a_position_and_the_rest_move_down(world: World) -> None:
    year_id = await open_year(world)
    first = await put_plan(world, year_id)

    response = await world.client.post(
        f"{plan_path(world, year_id)}/items",
        json={"topic": "Входная диагностика", "hours": 1, "position": 1, "version": 1},
        headers=world.auth("deputy"),
    )

    assert response.status_code == 201, response.text
    plan = response.json()
    assert plan["version"] == 2
    assert [i["topic"] for i in plan["items"]] == [
        "Входная диагностика",
        *(p["topic"] for p in PLAN_ITEMS),
    ]
    assert [i["item_id"] for i in plan["items"][1:]] == [i["item_id"] for i in first["items"]]
    assert [i["position"] for i in plan["items"]] == [1, 2, 3, 4, 5]


async def test_an_item_is_changed_or_moved_and_keeps_its_id(world: World) -> None:
    year_id = await open_year(world)
    first = await put_plan(world, year_id)
    moved = first["items"][3]["item_id"]

    response = await world.client.patch(
        f"{plan_path(world, year_id)}/items/{moved}",
        json={"hours": 7, "position": 1, "planned_week": None},
        headers=world.auth("class_teacher"),
    )

    assert response.status_code == 200, response.text
    plan = response.json()
    assert plan["items"][0]["item_id"] == moved
    assert (plan["items"][0]["hours"], plan["items"][0]["topic"]) == (7, "Обыкновенные дроби")
    assert [i["topic"] for i in plan["items"][1:]] == [p["topic"] for p in PLAN_ITEMS[:3]]


async def test_an_item_is_removed_and_its_lessons_keep_their_topic_without_the_link(
    world: World,
) -> None:
    year_id = await open_year(world)
    first = await put_plan(world, year_id)
    removed = first["items"][0]["item_id"]
    await link(world, world.math_lesson_id, removed)

    response = await world.client.delete(
        f"{plan_path(world, year_id)}/items/{removed}?version=1", headers=world.auth("deputy")
    )

    assert response.status_code == 200, response.text
    assert [i["item_id"] for i in response.json()["items"]] == [
        i["item_id"] for i in first["items"][1:]
    ]
    lesson = await rows(
        world.db, "SELECT topic, plan_item_id FROM lessons WHERE id = :id", id=world.math_lesson_id
    )
    assert lesson == [{"topic": "Дроби", "plan_item_id": None}]


async def test_item_changes_with_a_stale_version_are_409(world: World) -> None:
    year_id = await open_year(world)
    first = await put_plan(world, year_id)
    item = first["items"][0]["item_id"]
    kept = [{"item_id": item, **PLAN_ITEMS[0]}]
    await put_plan(world, year_id, kept, version=1, who="deputy")  # now version 2
    path = plan_path(world, year_id)
    before = await table_counts(world.db)

    answers = [
        await world.client.post(
            f"{path}/items",
            json={"topic": "Т", "hours": 1, "version": 1},
            headers=world.auth("deputy"),
        ),
        await world.client.patch(
            f"{path}/items/{item}", json={"hours": 9, "version": 1}, headers=world.auth("deputy")
        ),
        await world.client.delete(f"{path}/items/{item}?version=1", headers=world.auth("deputy")),
    ]

    assert [a.status_code for a in answers] == [409, 409, 409]
    assert await table_counts(world.db) == before


async def test_an_unknown_item_is_404(world: World) -> None:
    year_id = await open_year(world)
    await put_plan(world, year_id)
    path = f"{plan_path(world, year_id)}/items/{uuid.uuid4()}"

    patch = await world.client.patch(path, json={"hours": 2}, headers=world.auth("deputy"))
    delete = await world.client.delete(path, headers=world.auth("deputy"))

    assert (patch.status_code, delete.status_code) == (404, 404)


# --- lessons held on the plan ---------------------------------------------------------


async def link(world: World, lesson_id: uuid.UUID, item_id: str) -> None:
    """Link a lesson's topic to a plan item, as the lessons' API will (points 4 and 5)."""
    updated = await rows(
        world.db,
        "UPDATE lessons SET plan_item_id = :item WHERE id = :lesson RETURNING id",
        item=uuid.UUID(item_id),
        lesson=lesson_id,
    )
    assert len(updated) == 1


async def test_the_plan_shows_how_many_lessons_were_held_on_each_item(world: World) -> None:
    year_id = await open_year(world)
    plan = await put_plan(world, year_id)
    first, second = plan["items"][0]["item_id"], plan["items"][1]["item_id"]
    await link(world, world.ids["math_lesson"], first)
    await link(world, world.ids["math_lesson_tuesday"], first)
    await link(world, world.ids["russian_lesson"], second)

    response = await world.client.get(plan_path(world, year_id), headers=world.auth("deputy"))

    body = response.json()
    assert [i["held_lessons"] for i in body["items"]] == [2, 1, 0, 0]
    assert body["items_held"] == 2


# --- who may -------------------------------------------------------------------------


@pytest.mark.parametrize("who", READERS)
async def test_the_teacher_the_class_teacher_and_the_administration_read_it(
    world: World, who: str
) -> None:
    year_id = await open_year(world)
    await put_plan(world, year_id)

    response = await world.client.get(plan_path(world, year_id), headers=world.auth(who))

    assert response.status_code == 200, response.text
    assert len(response.json()["items"]) == 4


async def test_the_class_teacher_reads_another_teacher_s_plan_of_the_class(world: World) -> None:
    year_id = await open_year(world)
    path = plan_path(world, year_id, "russian_assignment")

    response = await world.client.get(path, headers=world.auth("class_teacher"))

    assert response.status_code == 200, response.text


@pytest.mark.parametrize("who", ["sysadmin", "student", "parent"])
async def test_sysadmins_students_and_parents_are_403(world: World, who: str) -> None:
    year_id = await open_year(world)
    path = plan_path(world, year_id)
    before = await table_counts(world.db)

    read = await world.client.get(path, headers=world.auth(who))
    write = await world.client.put(
        path, json={"version": 0, "items": PLAN_ITEMS}, headers=world.auth(who)
    )

    assert (read.status_code, write.status_code) == (403, 403)
    assert await table_counts(world.db) == before


async def test_a_teacher_of_other_classes_does_not_see_the_plan(world: World) -> None:
    year_id = await open_year(world)
    path = plan_path(world, year_id)

    for who in ("outsider", "teacher"):  # `teacher` teaches 5А Russian, not mathematics
        read = await world.client.get(path, headers=world.auth(who))
        write = await world.client.put(
            path, json={"version": 0, "items": PLAN_ITEMS}, headers=world.auth(who)
        )
        assert (read.status_code, write.status_code) == (404, 404), who


@pytest.mark.parametrize("who", WRITERS)
async def test_the_assignment_s_teacher_and_the_deputy_write_it(world: World, who: str) -> None:
    year_id = await open_year(world)

    await put_plan(world, year_id, who=who)


async def test_the_director_and_the_class_teacher_of_another_s_subject_only_read(
    world: World,
) -> None:
    year_id = await open_year(world)
    before = await table_counts(world.db)

    director = await world.client.put(
        plan_path(world, year_id),
        json={"version": 0, "items": PLAN_ITEMS},
        headers=world.auth("director"),
    )
    class_teacher = await world.client.put(
        plan_path(world, year_id, "russian_assignment"),
        json={"version": 0, "items": PLAN_ITEMS},
        headers=world.auth("class_teacher"),
    )

    assert (director.status_code, class_teacher.status_code) == (403, 403)
    assert await table_counts(world.db) == before


async def test_another_school_s_assignment_or_year_is_404(world: World, other: World) -> None:
    year_id = await open_year(world)
    their_year = await open_year(other)

    for path in (
        f"/assignments/{other.ids['math_assignment']}/plans/{year_id}",
        plan_path(world, their_year),
    ):
        read = await world.client.get(path, headers=world.auth("deputy"))
        write = await world.client.put(
            path, json={"version": 0, "items": PLAN_ITEMS}, headers=world.auth("deputy")
        )
        assert (read.status_code, write.status_code) == (404, 404), path


async def test_no_token_is_401(world: World) -> None:
    year_id = await open_year(world)
    path = plan_path(world, year_id)

    assert (await world.client.get(path)).status_code == 401
    put = await world.client.put(path, json={"version": 0, "items": PLAN_ITEMS})
    assert put.status_code == 401


# --- bad input -----------------------------------------------------------------------


async def test_every_bad_item_is_named_and_nothing_is_written(world: World, other: World) -> None:
    year_id = await open_year(world)
    their = await put_plan(other, await open_year(other))
    before = await table_counts(world.db)

    response = await world.client.put(
        plan_path(world, year_id),
        json={
            "version": 0,
            "items": [
                PLAN_ITEMS[0],
                {"topic": "Зачёт", "hours": 1, "work_type": "экзамен"},
                {"topic": "Летом", "hours": 1, "planned_on": "2027-07-01"},
                {"item_id": their["items"][0]["item_id"], "topic": "Чужая", "hours": 1},
            ],
        },
        headers=world.auth("class_teacher"),
    )

    assert response.status_code == 422, response.text
    assert problem_type(response) == "validation-error"
    assert [e["loc"] for e in response.json()["errors"]] == [
        ["body", "items", 1],
        ["body", "items", 2],
        ["body", "items", 3, "item_id"],
    ]
    assert await table_counts(world.db) == before


@pytest.mark.parametrize(
    "item",
    [
        {"topic": "", "hours": 1},
        {"topic": "Т", "hours": 0},
        {"topic": "Т", "hours": 201},
        {"topic": "Т", "hours": 1.5},
        {"topic": "Т", "hours": 1, "planned_week": 54},
        {"topic": "Т\x00", "hours": 1},
        {"topic": "Т" * 501, "hours": 1},
        {"topic": "Т", "hours": 1, "planned_on": "9999-12-31"},
        {"topic": "Т", "hours": 1, "extra": True},
    ],
    ids=[
        "empty-topic",
        "no-hours",
        "too-many-hours",
        "half-hour",
        "week-54",
        "nul",
        "long-topic",
        "far-date",
        "unknown-field",
    ],
)
async def test_impossible_items_are_422(world: World, item: dict[str, Any]) -> None:
    year_id = await open_year(world)
    before = await table_counts(world.db)

    response = await world.client.put(
        plan_path(world, year_id),
        json={"version": 0, "items": [item]},
        headers=world.auth("deputy"),
    )

    assert response.status_code == 422, response.text
    assert await table_counts(world.db) == before


async def test_an_item_cannot_lose_its_topic_or_hours(world: World) -> None:
    year_id = await open_year(world)
    plan = await put_plan(world, year_id)
    path = f"{plan_path(world, year_id)}/items/{plan['items'][0]['item_id']}"

    for body in ({"topic": None}, {"hours": None}, {"work_type": "экзамен"}):
        response = await world.client.patch(path, json=body, headers=world.auth("deputy"))
        assert response.status_code == 422, (body, response.text)


async def test_an_item_of_a_since_deactivated_work_type_stays_editable(world: World) -> None:
    year_id = await open_year(world)
    plan = await put_plan(world, year_id)
    await world.patch_work_type("control", {"active": False})
    control_work = plan["items"][2]["item_id"]

    response = await world.client.patch(
        f"{plan_path(world, year_id)}/items/{control_work}",
        json={"hours": 2},
        headers=world.auth("class_teacher"),
    )

    assert response.status_code == 200, response.text
    assert (response.json()["items"][2]["work_type"], response.json()["items"][2]["hours"]) == (
        "control",
        2,
    )
