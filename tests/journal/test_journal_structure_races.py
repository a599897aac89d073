"""Concurrent changes of a school's structure end as if made one after the other
(committed transactions on the session database, each test with a school of its own)."""

import asyncio

from calendar_samples import year
from journal_world import World, count, outbox


async def test_overlapping_years_opened_at_once_leave_one_year(committed_world: World) -> None:
    world = committed_world
    bodies = [
        year(starts_on=f"2030-09-0{day}", ends_on="2031-05-31", periods=[], holidays=[])
        for day in range(1, 5)
    ]

    responses = await asyncio.gather(
        *(world.client.post("/years", json=b, headers=world.auth("deputy")) for b in bodies)
    )

    assert sorted(r.status_code for r in responses) == [201, 409, 409, 409]
    # beside the world's 2026/27
    opened = "school_id = :id AND starts_on > '2030-01-01'"
    assert await count(world.db, "academic_years", opened, id=world.school_id) == 1


async def test_the_last_two_active_work_types_deactivated_at_once_leave_one(
    committed_world: World,
) -> None:
    world = committed_world
    for code in ("answer", "homework", "independent"):
        await world.patch_work_type(code, {"active": False})

    responses = await asyncio.gather(
        *(
            world.client.patch(
                f"/work-types/{code}", json={"active": False}, headers=world.auth("deputy")
            )
            for code in ("test", "control")
        )
    )

    assert sorted(r.status_code for r in responses) == [200, 409]
    active = await count(world.db, "work_types", "school_id = :id AND active", id=world.school_id)
    assert active == 1


async def test_first_grading_settings_set_at_once_are_two_versions(
    committed_world: World,
) -> None:
    world = committed_world
    base = {
        "min_marks_per_period": 3,
        "late_entry_days": 7,
        "lock_after_days": 14,
        "half_year_grades": [10, 11],
    }

    responses = await asyncio.gather(
        *(
            world.client.put(
                "/grading-settings",
                json={**base, "rounding_rule": rule},
                headers=world.auth("deputy"),
            )
            for rule in ("from_0_60", "from_0_65")
        )
    )

    assert [r.status_code for r in responses] == [200, 200]
    assert sorted(r.json()["version"] for r in responses) == [1, 2]
    events = await outbox(world.db, "journal.grading.changed.v1", world.school_id)
    assert sorted(e["version"] for e in events) == [1, 2]
