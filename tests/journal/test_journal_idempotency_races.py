"""Concurrent retries with one Idempotency-Key post one mark (committed transactions, so
this test works on the session database instead of a rolled-back one; it leaves a school
of its own behind, which no other test counts)."""

import asyncio
import uuid

from journal_world import World, count, outbox


async def test_concurrent_retries_with_one_key_post_one_mark(committed_world: World) -> None:
    world = committed_world
    key = str(uuid.uuid4())
    body = {"student_id": str(world.student_id), "value": 5, "work_type": "answer"}
    headers = {**world.auth("class_teacher"), "Idempotency-Key": key}

    responses = await asyncio.gather(
        *(
            world.client.post(f"/lessons/{world.math_lesson_id}/marks", json=body, headers=headers)
            for _ in range(5)
        )
    )

    assert [r.status_code for r in responses] == [201] * 5
    assert sum(r.headers.get("idempotent-replayed") == "true" for r in responses) == 4
    (mark_id,) = {r.json()["mark_id"] for r in responses}
    assert await count(world.db, "marks", "lesson_id = :id", id=world.math_lesson_id) == 1
    assert (
        len(
            [
                e
                for e in await outbox(world.db, "journal.mark.posted.v1")
                if e["data"]["mark_id"] == mark_id
            ]
        )
        == 1
    )
