"""The second quarter of 2026/27 in `world`'s school, and the math journal page of 5А in it."""

import uuid
from typing import Any

import httpx
from journal_world import World


async def open_second_quarter(world: World) -> tuple[uuid.UUID, uuid.UUID]:
    """The year and its second quarter (5 November – 28 December, the world's lessons in it)."""
    year = world.year
    (quarter,) = [p for p in year["periods"] if p["kind"] == "quarter" and p["number"] == 2]
    return uuid.UUID(year["year_id"]), uuid.UUID(quarter["period_id"])


def page_path(world: World, period_id: uuid.UUID, assignment: str = "math_assignment") -> str:
    return f"/assignments/{world.ids[assignment]}/periods/{period_id}/page"


async def read(world: World, period_id: uuid.UUID, who: str = "class_teacher") -> dict[str, Any]:
    response = await world.client.get(page_path(world, period_id), headers=world.auth(who))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def save(
    world: World,
    period_id: uuid.UUID,
    changes: list[dict[str, Any]],
    who: str = "class_teacher",
    key: str | None = None,
) -> httpx.Response:
    headers = world.auth(who)
    if key is not None:
        headers["Idempotency-Key"] = key
    return await world.client.post(
        page_path(world, period_id), json={"changes": changes}, headers=headers
    )


def cell(page: dict[str, Any], lesson_id: uuid.UUID, student_id: uuid.UUID) -> dict[str, Any]:
    """The page's cell of a student on a lesson (empty when it holds nothing)."""
    for found in page["cells"]:
        if found["lesson_id"] == str(lesson_id) and found["student_id"] == str(student_id):
            return dict(found)
    return {"marks": [], "attendance": None}
