"""Two people correcting one cell at once from the same version: one wins, the other gets
409 with the winner's state, and exactly one history row and one event are written
(committed transactions on the session database, like the other race tests)."""

import asyncio
import uuid

from journal_world import World, count, outbox


async def test_concurrent_changes_of_one_mark_from_one_version_let_one_win(
    committed_world: World,
) -> None:
    world = committed_world
    posted = await world.mark("student", 3)
    mark_id = posted["mark_id"]

    responses = await asyncio.gather(
        *(
            world.client.patch(
                f"/marks/{mark_id}",
                json={"value": value, "reason": f"Правка {value}", "version": 1},
                headers=world.auth(who),
            )
            for value, who in ((4, "class_teacher"), (5, "deputy"), (2, "class_teacher"))
        )
    )

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 409, 409]
    [winner] = [r.json() for r in responses if r.status_code == 200]
    for loser in (r for r in responses if r.status_code == 409):
        assert loser.json()["current"]["value"] == winner["value"]
        assert loser.json()["current"]["version"] == 2
    assert await count(world.db, "mark_history", "mark_id = :id", id=uuid.UUID(mark_id)) == 2
    changed = [
        e
        for e in await outbox(world.db, "journal.mark.changed.v1", world.school_id)
        if e["data"]["mark_id"] == mark_id
    ]
    assert [e["version"] for e in changed] == [2]


async def test_concurrent_first_marks_of_one_attendance_cell_let_one_win(
    committed_world: World,
) -> None:
    world = committed_world
    path = f"/lessons/{world.math_lesson_id}/attendance/{world.classmate_id}"

    responses = await asyncio.gather(
        *(
            world.client.put(path, json={"code": code}, headers=world.auth(who))
            for code, who in (("Н", "class_teacher"), ("Б", "deputy"), ("ОП", "class_teacher"))
        )
    )

    assert sorted(r.status_code for r in responses) == [200, 409, 409]
    assert (
        await count(
            world.db,
            "attendance_history",
            "lesson_id = :lesson AND student_id = :student",
            lesson=world.math_lesson_id,
            student=world.classmate_id,
        )
        == 1
    )
