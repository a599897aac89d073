"""A school year with journal entries in it, closed the way the deputy closes one, and
service tokens of the archive (for the year-end tests)."""

import uuid
from typing import Any

import httpx
from journal_world import World, outbox

from shared.testing import TokenFactory

CLOSED = "journal.year.closed.v1"
HOMEWORK_PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def service_token(
    tokens: TokenFactory, scope: str = "journal.export", audience: str = "journal"
) -> str:
    """A token as auth issues one to the archive (client credentials)."""
    return tokens.token(
        school_id=uuid.uuid4(),
        roles=[],
        aud=audience,
        sub="service:archive",
        token_use="service",
        client_id="archive-0123456789ab",
        scope=scope,
        school=None,
    )


async def open_year(world: World) -> str:
    """The world's 2026/27."""
    year_id: str = world.year["year_id"]
    return year_id


async def close_periods(world: World, year_id: str, *numbers: int) -> None:
    """Close the year's periods (all, or the quarters numbered) as the deputy would."""
    from journal_world import rows

    await rows(
        world.db,
        "UPDATE periods SET closed_at = now(), closed_by = :deputy "
        "WHERE year_id = :year AND (cardinality(CAST(:numbers AS int[])) = 0 "
        "OR (kind = 'quarter' AND number = ANY(CAST(:numbers AS int[])))) RETURNING id",
        deputy=world.deputy,
        year=uuid.UUID(year_id),
        numbers=list(numbers),
    )


async def close(world: World, year_id: str, who: str = "deputy") -> httpx.Response:
    return await world.client.post(f"/years/{year_id}/close", headers=world.auth(who))


async def fill_journal(world: World, year_id: str) -> dict[str, Any]:
    """Marks (one corrected), attendance (one changed), a remark, a quarter's final mark,
    a homework file, a group with a member, a thematic plan, grade 5's curriculum and a
    mother of children in 5А and 5Б (beside the world's guardian): every kind of record."""
    mark = await world.mark("student", 5)
    await world.mark("classmate", 3, work_type="test", lesson="math_lesson_tuesday")
    corrected = await world.client.patch(
        f"/marks/{mark['mark_id']}",
        json={"value": 4, "reason": "Ошибка при вводе", "version": 1},
        headers=world.auth("class_teacher"),
    )
    assert corrected.status_code == 200, corrected.text
    cell = f"/lessons/{world.ids['math_lesson']}/attendance/{world.classmate_id}"
    for body in ({"code": "Н"}, {"code": "Б", "reason": "Справка", "version": 1}):
        response = await world.client.put(cell, json=body, headers=world.auth("class_teacher"))
        assert response.status_code == 200, response.text
    remark = await world.post(
        "class_teacher",
        f"/students/{world.student_id}/remarks",
        {"kind": "praise", "text": "Помог однокласснику", "date": "2026-11-24"},
    )
    year = (await world.client.get(f"/years/{year_id}", headers=world.auth("deputy"))).json()
    [quarter2] = [p for p in year["periods"] if (p["kind"], p["number"]) == ("quarter", 2)]
    final = await world.client.put(
        f"/assignments/{world.ids['russian_assignment']}/periods/{quarter2['period_id']}"
        f"/finals/{world.student_id}",
        json={"value": 5},
        headers=world.auth("teacher"),
    )
    assert final.status_code in (200, 201), final.text
    attached = await world.client.post(
        f"/lessons/{world.math_lesson_id}/homework/attachments",
        files={"file": ("задание.pdf", HOMEWORK_PDF, "application/pdf")},
        headers=world.auth("class_teacher"),
    )
    assert attached.status_code == 201, attached.text
    group = await world.post(
        "class_teacher", f"/classes/{world.class_id}/groups", {"name": "Английский, 1 группа"}
    )
    joined = await world.client.post(
        f"/groups/{group['group_id']}/members",
        json={"student_id": str(world.student_id), "starts_on": "2026-09-01"},
        headers=world.auth("class_teacher"),
    )
    assert joined.status_code in (200, 201), joined.text
    plan = await world.client.put(
        f"/assignments/{world.ids['math_assignment']}/plans/{year_id}",
        json={
            "version": 0,
            "items": [{"topic": "Дроби", "hours": 4}, {"topic": "Числа", "hours": 2}],
        },
        headers=world.auth("class_teacher"),
    )
    assert plan.status_code == 200, plan.text
    curriculum = await world.client.put(
        f"/years/{year_id}/curriculum/5",
        json={
            "version": 0,
            "subjects": [
                {"subject_id": str(world.ids["math"]), "weekly_hours": 5},
                {"subject_id": str(world.ids["russian"]), "weekly_hours": 4.5},
            ],
        },
        headers=world.auth("deputy"),
    )
    assert curriculum.status_code == 200, curriculum.text
    # The classmate's mother also has a child in 5Б: she belongs to both class journals.
    mother = await world.post(
        "deputy",
        "/guardians",
        {
            "last_name": "Андреева",
            "first_name": "Мария",
            "phone": "+7 900 111-11-11",
            "email": "andreeva@example.org",
            "kind": "mother",
            "student_ids": [str(world.classmate_id), str(world.ids["parallel_student"])],
        },
    )
    return {
        "mark": mark,
        "remark": remark,
        "final": final.json(),
        "quarter2": quarter2,
        "mother": mother,
    }


async def closed_year(world: World) -> tuple[str, dict[str, Any]]:
    """A year with a full journal, closed; answers its id and the event's data."""
    year_id = await open_year(world)
    await fill_journal(world, year_id)
    await close_periods(world, year_id)
    response = await close(world, year_id)
    assert response.status_code == 200, response.text
    [event] = [e for e in await outbox(world.db, CLOSED) if e["data"]["year_id"] == year_id]
    data: dict[str, Any] = event["data"]
    return year_id, data
