"""Projections do not depend on delivery order or repeats, and the rebuild from the log
gives exactly the live state: every projection table compared row by row."""

import asyncio
import os
import random
import sys
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from report_world import World, world
from reporting_school import School
from sqlalchemy import select, text

from reporting.main import MIGRATIONS
from reporting.projections.rebuild import rebuild_projections
from reporting.projections.registry import PROJECTIONS
from shared.db import Database
from shared.events import Event
from shared.migrations import upgrade
from shared.testing import create_database, drop_database, unique_name, with_database


def with_corrections(w: World) -> list[Event]:
    """The world, plus corrections that need the version rule: a mark changed then
    removed, a final mark set, changed and removed, a lesson moved after its topic."""
    s = w.school
    events = list(w.events)
    lesson = w.lessons[0]
    posted = s.mark(
        class_id=w.a, subject_id=lesson.subject_id, student_id=w.students[2], value=2,
        lesson_id=lesson.lesson_id, on=lesson.lesson_date,
    )  # fmt: skip
    events += [
        posted,
        s.mark_changed(posted, value=4, weight=1, version=2),
        s.mark_removed(posted, version=3),
    ]
    final = s.final(student_id=w.students[2], class_id=w.a, subject_id=lesson.subject_id, value=2)
    events += [
        final,
        s.final(
            student_id=w.students[2], class_id=w.a, subject_id=lesson.subject_id, value="н/а",
            final_mark_id=final.final_mark_id, version=2,
        ),
        s.final_removed(final, version=3),
    ]  # fmt: skip
    events.append(
        s.lesson(w.maths_a, date(2026, 11, 6), lesson_id=lesson.lesson_id, topic="Дроби",  # type: ignore[arg-type]
                 homework="№ 1", version=4)
    )  # fmt: skip
    events.append(s.grading(min_marks=3, version=2))
    events += [
        s.staff_created(w.maths_teacher, "Сидорова", "Мария", ["teacher"]),
        s.period_closed(2, version=1),
        s.period_reopened(2, version=2),
        s.period_closed(2, version=3),
        s.work_type_changed("control", weight=3, version=1),
        s.work_type_changed("control", weight=4, version=2),
    ]
    events += s.transferred(w.other, w.b, w.a, date(2026, 12, 1), version=2)
    return events


async def projection_tables(db: Database, school_id: uuid.UUID) -> dict[str, list[Any]]:
    """Every projection's rows of the school, sorted (one list per table)."""
    found = {}
    async with db.transaction() as session:
        for projection in PROJECTIONS:
            table = projection.table
            rows = (
                await session.execute(select(table).where(table.c.school_id == school_id))
            ).all()
            found[table.name] = sorted((tuple(row) for row in rows), key=repr)
    return found


async def clear_school(db: Database, school_id: uuid.UUID) -> None:
    async with db.transaction() as session:
        for projection in PROJECTIONS:
            await session.execute(
                projection.table.delete().where(projection.table.c.school_id == school_id)
            )


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_shuffled_and_repeated_events_make_the_same_projections(
    db: Database, school: School, seed: int
) -> None:
    events = with_corrections(world(school))
    await school.deliver_batch(events)  # type: ignore[arg-type]
    in_order = await projection_tables(db, school.id)
    assert all(in_order.values()), [t for t, rows in in_order.items() if not rows]

    # The same facts delivered again into emptied projections (new event ids, so the inbox
    # lets them in), shuffled and partly repeated, in batches of random sizes.
    await clear_school(db, school.id)
    again = {e.event_id: e.model_copy(update={"event_id": uuid.uuid4()}) for e in events}
    rng = random.Random(seed)
    shuffled = list(again.values()) + rng.sample(list(again.values()), len(again) // 3)
    rng.shuffle(shuffled)
    while shuffled:
        size = rng.randint(1, 12)
        await school.deliver_batch(shuffled[:size])  # type: ignore[arg-type]
        shuffled = shuffled[size:]
    expected = dict(in_order)
    # Activity rows are keyed by the event's id: the same rows under the new ids.
    expected["activity"] = sorted(
        ((again[row[0]].event_id, *row[1:]) for row in in_order["activity"]), key=repr
    )
    assert await projection_tables(db, school.id) == expected


async def test_the_rebuild_from_the_log_gives_the_live_projections(
    db: Database, school: School
) -> None:
    events = with_corrections(world(school))
    rng = random.Random(7)
    shuffled = events + rng.sample(events, 10)
    rng.shuffle(shuffled)
    for start in range(0, len(shuffled), 5):
        await school.deliver_batch(shuffled[start : start + 5])  # type: ignore[arg-type]
    live = await projection_tables(db, school.id)

    await clear_school(db, school.id)
    assert not any((await projection_tables(db, school.id)).values())
    progress: list[int] = []
    async with db.transaction() as session:
        replayed = await rebuild_projections(session, progress.append)
    assert replayed >= len(events)
    assert sum(progress) >= len(events)
    assert await projection_tables(db, school.id) == live


async def test_the_rebuild_command_fills_the_projections_from_the_log(
    pg_admin_url: str, tmp_path: Path
) -> None:
    """`python -m reporting rebuild` on a database whose projections were emptied."""
    name = unique_name("test_reporting_rebuild")
    await create_database(pg_admin_url, name)
    url = with_database(pg_admin_url, name)
    try:
        await upgrade(MIGRATIONS, url)
        db = Database(url)
        school = School(db, _NoTokens())  # type: ignore[arg-type]
        try:
            events = with_corrections(world(school))
            await school.deliver_batch(events)  # type: ignore[arg-type]
            live = await projection_tables(db, school.id)
            await clear_school(db, school.id)
        finally:
            await db.dispose()
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "reporting", "rebuild", "--quiet",
            env={**os.environ, "REPORTING_DATABASE_URL": url},
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        _, err = await process.communicate()
        assert process.returncode == 0, err.decode()
        db = Database(url)
        try:
            assert await projection_tables(db, school.id) == live
            async with db.transaction() as session:
                logged = await session.scalar(text("SELECT count(*) FROM event_log"))
            assert logged == len(events)
        finally:
            await db.dispose()
    finally:
        await drop_database(pg_admin_url, name)


class _NoTokens:
    """The command's test needs no tokens."""
