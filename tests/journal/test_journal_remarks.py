"""Remarks (замечания) and praise (благодарности): written by the student's teachers,
read by the family, the class teacher and the administration."""

from typing import Any

import pytest
from journal_world import World, outbox, problem_type, table_counts


def remark(**overrides: Any) -> dict[str, Any]:
    return {"kind": "remark", "text": "Разговаривал на уроке", "date": "2026-11-23", **overrides}


async def write(world: World, who: str, **overrides: Any) -> Any:
    return await world.client.post(
        f"/students/{world.student_id}/remarks", headers=world.auth(who), json=remark(**overrides)
    )


async def remarks_seen_by(world: World, who: str) -> list[str]:
    response = await world.client.get(
        f"/students/{world.student_id}/remarks", headers=world.auth(who)
    )
    assert response.status_code == 200, response.text
    return [r["text"] for r in response.json()["items"]]


@pytest.mark.parametrize("who", ["class_teacher", "teacher"])
async def test_a_teacher_of_the_student_writes_a_remark(world: World, who: str) -> None:
    response = await write(world, who, kind="praise", text="Победа в олимпиаде")

    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["kind"], body["text"], body["date"], body["class_id"]) == (
        "praise",
        "Победа в олимпиаде",
        "2026-11-23",
        str(world.class_id),
    )
    assert body["author_id"] == str(getattr(world, who))
    (event,) = [
        e
        for e in await outbox(world.db, "journal.remark.written.v1")
        if e["data"]["remark_id"] == body["remark_id"]
    ]
    # The text stays in journal.
    assert event["data"] == {
        "remark_id": body["remark_id"],
        "student_id": str(world.student_id),
        "class_id": str(world.class_id),
        "author_id": body["author_id"],
        "kind": "praise",
        "on": "2026-11-23",
    }


@pytest.mark.parametrize("who", ["sysadmin", "director", "deputy", "outsider", "student", "parent"])
async def test_nobody_else_writes_remarks(world: World, who: str) -> None:
    before = await table_counts(world.db)

    response = await write(world, who)

    assert response.status_code == 403
    assert await table_counts(world.db) == before


async def test_the_family_the_class_teacher_and_the_administration_see_all_remarks(
    world: World,
) -> None:
    await write(world, "class_teacher", text="Опоздал", date="2026-11-20")
    await write(world, "teacher", text="Забыл тетрадь", date="2026-11-24")

    for who in ("student", "parent", "class_teacher", "deputy", "director"):
        assert await remarks_seen_by(world, who) == ["Забыл тетрадь", "Опоздал"], who
    # A subject teacher sees what they wrote themselves.
    assert await remarks_seen_by(world, "teacher") == ["Забыл тетрадь"]


async def test_remarks_are_read_for_a_range_of_days(world: World) -> None:
    await write(world, "class_teacher", text="Опоздал", date="2026-11-20")
    await write(world, "teacher", text="Забыл тетрадь", date="2026-11-24")

    response = await world.client.get(
        f"/students/{world.student_id}/remarks",
        params={"from": "2026-11-23", "to": "2026-11-29"},
        headers=world.auth("parent"),
    )

    assert [r["text"] for r in response.json()["items"]] == ["Забыл тетрадь"]


async def test_the_class_teacher_sees_all_of_the_classs_remarks(world: World) -> None:
    await write(world, "teacher", text="Забыл тетрадь")
    await world.client.post(
        f"/students/{world.classmate_id}/remarks",
        headers=world.auth("teacher"),
        json=remark(text="Помог однокласснику", kind="praise"),
    )

    response = await world.client.get(
        f"/classes/{world.class_id}/remarks", headers=world.auth("class_teacher")
    )

    assert sorted(r["text"] for r in response.json()["items"]) == [
        "Забыл тетрадь",
        "Помог однокласснику",
    ]
    for who, status in (("teacher", 403), ("outsider", 403), ("parent", 403), ("deputy", 200)):
        answer = await world.client.get(
            f"/classes/{world.class_id}/remarks", headers=world.auth(who)
        )
        assert answer.status_code == status, who


@pytest.mark.parametrize("who", ["classmate", "outsider", "sysadmin"])
async def test_others_do_not_read_a_students_remarks(world: World, who: str) -> None:
    await write(world, "class_teacher")

    response = await world.client.get(
        f"/students/{world.student_id}/remarks", headers=world.auth(who)
    )

    # Another child does not exist for a family; staff outside the class are forbidden.
    assert response.status_code == (404 if who == "classmate" else 403)


async def test_a_parent_does_not_see_another_childs_remarks(world: World) -> None:
    response = await world.client.get(
        f"/students/{world.classmate_id}/remarks", headers=world.auth("parent")
    )

    assert response.status_code == 404


@pytest.mark.parametrize(
    "overrides",
    [{"kind": "warning"}, {"text": ""}, {"text": "a\x00b"}, {"date": "23.11.2026"}, {"x": 1}],
)
async def test_a_bad_remark_is_refused_and_nothing_is_written(
    world: World, overrides: dict[str, Any]
) -> None:
    before = await table_counts(world.db)

    response = await write(world, "class_teacher", **overrides)

    assert response.status_code == 422
    assert problem_type(response) == "validation-error"
    assert await table_counts(world.db) == before


async def test_a_remark_about_another_schools_student_is_not_found(
    world: World, other: World
) -> None:
    response = await world.client.post(
        f"/students/{other.student_id}/remarks",
        headers=world.auth("class_teacher"),
        json=remark(),
    )

    assert response.status_code == 404
