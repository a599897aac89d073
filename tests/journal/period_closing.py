"""Helpers of the period-closing tests: the 2026/27 calendar opened, a period by its kind
and number, closing and reopening through the API."""

import uuid
from typing import Any

import httpx
from journal_world import World

CLOSED = "journal.period.closed.v1"
REOPENED = "journal.period.reopened.v1"


async def open_year(world: World) -> dict[str, Any]:
    """The school's 2026/27 (quarters and halves), as the world opened it."""
    return world.year


def period_id(year: dict[str, Any], kind: str, number: int) -> uuid.UUID:
    [found] = [p for p in year["periods"] if (p["kind"], p["number"]) == (kind, number)]
    return uuid.UUID(found["period_id"])


async def close(
    world: World, period: uuid.UUID, who: str = "deputy", body: dict[str, Any] | None = None
) -> httpx.Response:
    return await world.client.post(
        f"/periods/{period}/close", json=body, headers=world.auth(who) if who else {}
    )


async def reopen(
    world: World, period: uuid.UUID, who: str = "deputy", body: dict[str, Any] | None = None
) -> httpx.Response:
    return await world.client.post(
        f"/periods/{period}/reopen", json=body, headers=world.auth(who) if who else {}
    )


async def closed(world: World, kind: str = "quarter", number: int = 2) -> uuid.UUID:
    """Open the year and close one of its periods (by default the 2nd quarter, which holds
    the world's lessons of Monday 23 November 2026); its id."""
    year = await open_year(world)
    period = period_id(year, kind, number)
    response = await close(world, period)
    assert response.status_code == 200, response.text
    return period
