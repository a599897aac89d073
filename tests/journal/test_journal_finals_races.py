"""Two teachers' tabs changing one final mark at once from the same version: one wins,
the others get 409 with the winner's mark, and exactly one history row and one event are
written per version (committed transactions on the session database, like the other race
tests)."""

import asyncio
import uuid

from journal_world import World, count, outbox
from test_journal_finals import open_year, period_path

SET = "journal.final_mark.set.v1"


async def final_mark_events(world: World, final_mark_id: str) -> list[int]:
    return [
        e["version"]
        for e in await outbox(world.db, SET, world.school_id)
        if e["data"]["final_mark_id"] == final_mark_id
    ]


async def test_concurrent_changes_of_one_final_mark_from_one_version_let_one_win(
    committed_world: World,
) -> None:
    world = committed_world
    await open_year(world)
    path = f"{period_path(world)}/{world.student_id}"
    first = await world.client.put(path, json={"value": 3}, headers=world.auth("teacher"))
    assert first.status_code == 200, first.text
    final_mark_id = first.json()["final_mark_id"]

    responses = await asyncio.gather(
        *(
            world.client.put(
                path,
                json={"value": value, "reason": f"Пересдал на {value}", "version": 1},
                headers=world.auth("teacher"),
            )
            for value in (4, 5, 2)
        )
    )

    assert sorted(r.status_code for r in responses) == [200, 409, 409]
    [winner] = [r.json() for r in responses if r.status_code == 200]
    assert winner["version"] == 2
    for loser in (r for r in responses if r.status_code == 409):
        assert loser.json()["current"]["value"] == winner["value"]
        assert loser.json()["current"]["version"] == 2
    history = await count(
        world.db, "final_mark_history", "final_mark_id = :id", id=uuid.UUID(final_mark_id)
    )
    assert history == 2
    assert await final_mark_events(world, final_mark_id) == [1, 2]


async def test_concurrent_first_final_marks_of_one_student_let_one_win(
    committed_world: World,
) -> None:
    world = committed_world
    await open_year(world)
    single = f"{period_path(world)}/{world.classmate_id}"
    whole_class = {"items": [{"student_id": str(world.classmate_id), "value": 4}]}

    responses = await asyncio.gather(
        world.client.put(single, json={"value": 5}, headers=world.auth("teacher")),
        world.client.put(single, json={"value": "н/а"}, headers=world.auth("teacher")),
        world.client.put(period_path(world), json=whole_class, headers=world.auth("teacher")),
    )

    assert sorted(r.status_code for r in responses) == [200, 409, 409]
    rows = await count(
        world.db,
        "final_marks",
        "student_id = :student AND term_id = :term",
        student=world.classmate_id,
        term=world.ids["quarter2"],
    )
    assert rows == 1
    [final_mark_id] = {
        e["data"]["final_mark_id"]
        for e in await outbox(world.db, SET, world.school_id)
        if e["data"]["student_id"] == str(world.classmate_id)
    }
    assert await final_mark_events(world, final_mark_id) == [1]
