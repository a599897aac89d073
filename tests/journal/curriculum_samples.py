"""A year, a curriculum and a thematic plan as a Russian school writes them, for the
curriculum and thematic-plan tests."""

import uuid
from typing import Any

from journal_world import World, outbox

# Mathematics in grade 5 (ФОП ООО): 5 hours a week, 170 a year. The plan below is short.
PLAN_ITEMS: list[dict[str, Any]] = [
    {"topic": "Натуральные числа", "hours": 3, "planned_week": 1},
    {"topic": "Сложение и вычитание", "hours": 4},
    {
        "topic": "Контрольная работа № 1",
        "hours": 1,
        "work_type": "control",
        "planned_on": "2026-09-25",
    },
    {"topic": "Обыкновенные дроби", "hours": 6},
]


async def open_year(world: World) -> uuid.UUID:
    """The world's 2026/27 (every world with lessons keeps it)."""
    return uuid.UUID(world.year["year_id"])


def plan_path(world: World, year_id: uuid.UUID, assignment: str = "math_assignment") -> str:
    return f"/assignments/{world.ids[assignment]}/plans/{year_id}"


async def put_plan(
    world: World,
    year_id: uuid.UUID,
    items: list[dict[str, Any]] | None = None,
    *,
    version: int = 0,
    who: str = "class_teacher",
) -> dict[str, Any]:
    """PUT the math plan as `who` (the class teacher teaches 5А mathematics), expecting 200."""
    response = await world.client.put(
        plan_path(world, year_id),
        json={"version": version, "items": PLAN_ITEMS if items is None else items},
        headers=world.auth(who),
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def set_hours(
    world: World, year_id: uuid.UUID, grade: int, hours: dict[str, float], version: int = 0
) -> dict[str, Any]:
    """PUT a level's curriculum as the deputy: subject (world id name) → weekly hours."""
    response = await world.client.put(
        f"/years/{year_id}/curriculum/{grade}",
        json={
            "version": version,
            "subjects": [
                {"subject_id": str(world.ids[name]), "weekly_hours": weekly}
                for name, weekly in hours.items()
            ],
        },
        headers=world.auth("deputy"),
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def school_events(world: World, routing_key: str) -> list[dict[str, Any]]:
    """The envelopes the world's school staged for `routing_key` (race tests commit theirs
    to the same database), oldest first."""
    return [e for e in await outbox(world.db, routing_key) if e["schoolid"] == str(world.school_id)]
