"""Migrating a reporting database that already holds marks and work type changes fills
the marks' work types and the current weights from the event log, so its averages use
the current weights at once (migration 0003)."""

import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
from reporting_school import School

from reporting.main import MIGRATIONS
from shared.events import Event
from shared.migrations import upgrade
from shared.testing import create_database, drop_database, unique_name, with_database


@pytest.fixture
async def before_0003(pg_admin_url: str) -> AsyncIterator[tuple[str, str]]:
    """A reporting database migrated up to the revision before the work types: its
    SQLAlchemy URL and its libpq one."""
    name = unique_name("test_reporting_0003")
    await create_database(pg_admin_url, name)
    url = with_database(pg_admin_url, name)
    try:
        await upgrade(MIGRATIONS, url, "0002")
        yield url, with_database(pg_admin_url, name, driver="")
    finally:
        await drop_database(pg_admin_url, name)


async def test_the_marks_work_types_and_the_current_weights_come_from_the_log(
    before_0003: tuple[str, str],
) -> None:
    url, libpq_url = before_0003
    school = School.__new__(School)  # only its events: nothing is delivered
    school.id = uuid.uuid4()
    klass, subject = uuid.uuid4(), uuid.uuid4()
    posted = school.mark(class_id=klass, subject_id=subject, value=2, weight=3, work_type="test")
    changed = school.mark_changed(posted, value=4, weight=3, version=2)
    changed = changed.model_copy(update={"work_type": "control"})
    weights: list[Event] = [
        school.work_type_changed("control", weight=3, version=1),
        school.work_type_changed("control", weight=5, version=3),
        school.work_type_changed("control", weight=4, version=2),
    ]
    connection = await asyncpg.connect(libpq_url)
    try:
        for event in [posted, changed, *weights]:
            record = event.to_cloudevent().as_record()
            await connection.execute(
                "INSERT INTO event_log (event_id, event_type, school_id, subject, version, "
                "envelope) VALUES ($1, $2, $3, $4, $5, $6::jsonb)",
                record["event_id"],
                record["event_type"],
                record["school_id"],
                record["subject"],
                record["version"],
                event.to_cloudevent().model_dump_json(exclude_none=True),
            )
        await connection.execute(
            "INSERT INTO marks (mark_id, school_id, class_id, subject_id, student_id, value, "
            "weight, version) VALUES ($1, $2, $3, $4, $5, 4, 3, 2)",
            posted.mark_id,
            school.id,
            klass,
            subject,
            posted.student_id,
        )

        await upgrade(MIGRATIONS, url)

        work_type = await connection.fetchval(
            "SELECT work_type FROM marks WHERE mark_id = $1", posted.mark_id
        )
        current = await connection.fetch("SELECT school_id, code, weight, version FROM work_types")
    finally:
        await connection.close()

    assert work_type == "control"  # as the stored version (2) said, not the posting
    assert [tuple(row) for row in current] == [(school.id, "control", 5, 3)]
