"""A school's calendar, bells and a week of its timetable, set through the HTTP API."""

import datetime as dt
import uuid
from typing import Any

from journal_world import World

BELLS: list[dict[str, Any]] = [
    {"lesson_number": 1, "starts_at": "08:30", "ends_at": "09:15"},
    {"lesson_number": 2, "starts_at": "09:25", "ends_at": "10:10"},
    {"lesson_number": 3, "starts_at": "10:30", "ends_at": "11:15"},
    {"lesson_number": 4, "starts_at": "11:35", "ends_at": "12:20"},
]

# The third quarter of YEAR_2026: 12 January – 21 March 2027, with the day off on
# Tuesday 23 February (День защитника Отечества).
Q3_START = dt.date(2027, 1, 12)
Q3_END = dt.date(2027, 3, 21)
DAY_OFF = dt.date(2027, 2, 23)
A_TUESDAY_IN_Q3 = dt.date(2027, 1, 19)


async def open_calendar(world: World) -> dict[str, uuid.UUID]:
    """The bell schedule beside the world's YEAR_2026; the ids of the year's periods by
    'q1'..'h2'."""
    year = world.year
    response = await world.client.put(
        "/bell-schedule", json={"version": 0, "lessons": BELLS}, headers=world.auth("deputy")
    )
    assert response.status_code == 200, response.text
    return {f"{p['kind'][0]}{p['number']}": uuid.UUID(p["period_id"]) for p in year["periods"]}


async def add_entry(
    world: World,
    assignment: str,
    weekday: int,
    lesson_number: int,
    valid_from: dt.date = dt.date(2026, 9, 1),
    valid_to: dt.date | None = None,
    group: uuid.UUID | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "assignment_id": str(world.ids[assignment]),
        "weekday": weekday,
        "lesson_number": lesson_number,
        "valid_from": valid_from.isoformat(),
    }
    if valid_to is not None:
        body["valid_to"] = valid_to.isoformat()
    if group is not None:
        body["group_id"] = str(group)
    return await world.post("deputy", "/timetable/entries", body)


def weekdays_between(first: dt.date, last: dt.date, isoweekday: int) -> list[dt.date]:
    days = (first + dt.timedelta(days=n) for n in range((last - first).days + 1))
    return [day for day in days if day.isoweekday() == isoweekday]
