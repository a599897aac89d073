"""Corrections of marks in reporting: MarkChanged and MarkRemoved (a tombstone) apply by
version, so the class-subject average ends right whatever order the events arrive in."""

import uuid

import httpx
from reporting_school import School
from sqlalchemy import select

from reporting.models import MarkRow
from shared.db import Database

URL = "/api/reporting/class-subject-average"


async def average(
    client: httpx.AsyncClient, school: School, klass: uuid.UUID, subject: uuid.UUID
) -> object:
    response = await client.get(
        URL,
        params={"class_id": str(klass), "subject_id": str(subject)},
        headers=school.token("deputy"),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    return body["weighted_average"], body["marks_count"]


async def opened_class(school: School) -> tuple[uuid.UUID, uuid.UUID]:
    """A class reporting knows of, and a subject of it."""
    klass = uuid.uuid4()
    await school.deliver(school.class_opened(class_id=klass))
    return klass, uuid.uuid4()


async def stored(db: Database, mark_id: uuid.UUID) -> tuple[int, int, int, bool]:
    async with db.transaction() as session:
        row = (
            await session.execute(select(MarkRow).where(MarkRow.mark_id == mark_id))
        ).scalar_one()
        return row.value, row.weight, row.version, row.deleted


async def test_a_changed_mark_counts_with_its_new_value(
    client: httpx.AsyncClient, db: Database, school: School
) -> None:
    klass, subject = await opened_class(school)
    kept = school.mark(class_id=klass, subject_id=subject, value=5)
    corrected = school.mark(class_id=klass, subject_id=subject, value=2)
    await school.deliver_batch([kept, corrected])

    await school.deliver(school.mark_changed(corrected, value=4, weight=1, version=2))

    assert await average(client, school, klass, subject) == (4.5, 2)
    assert await stored(db, corrected.mark_id) == (4, 1, 2, False)


async def test_a_removed_mark_leaves_the_average(
    client: httpx.AsyncClient, db: Database, school: School
) -> None:
    klass, subject = await opened_class(school)
    kept = school.mark(class_id=klass, subject_id=subject, value=5)
    removed = school.mark(class_id=klass, subject_id=subject, value=2)
    await school.deliver_batch([kept, removed])

    await school.deliver(school.mark_removed(removed, version=2))

    assert await average(client, school, klass, subject) == (5.0, 1)
    assert await stored(db, removed.mark_id) == (2, 1, 2, True)


async def test_a_removal_arriving_before_the_posting_keeps_the_mark_removed(
    client: httpx.AsyncClient, db: Database, school: School
) -> None:
    klass, subject = await opened_class(school)
    kept = school.mark(class_id=klass, subject_id=subject, value=3)
    posted = school.mark(class_id=klass, subject_id=subject, value=5)
    changed = school.mark_changed(posted, value=4, weight=1, version=2)
    removed = school.mark_removed(posted, version=3)

    await school.deliver(kept)
    await school.deliver(removed)
    await school.deliver(posted)
    await school.deliver(changed)

    assert await average(client, school, klass, subject) == (3.0, 1)
    assert await stored(db, posted.mark_id) == (5, 1, 3, True)


async def test_two_changes_arriving_reversed_end_at_the_later_one(
    client: httpx.AsyncClient, db: Database, school: School
) -> None:
    klass, subject = await opened_class(school)
    posted = school.mark(class_id=klass, subject_id=subject, value=2)
    first = school.mark_changed(posted, value=3, weight=1, version=2)
    second = school.mark_changed(posted, value=5, weight=2, version=3)

    await school.deliver(second)
    await school.deliver(first)
    await school.deliver(posted)

    assert await average(client, school, klass, subject) == (5.0, 1)
    assert await stored(db, posted.mark_id) == (5, 2, 3, False)


async def test_a_batch_holding_every_version_of_a_mark_applies_the_newest(
    client: httpx.AsyncClient, db: Database, school: School
) -> None:
    klass, subject = await opened_class(school)
    posted = school.mark(class_id=klass, subject_id=subject, value=2)
    changed = school.mark_changed(posted, value=4, weight=1, version=2)
    removed = school.mark_removed(posted, version=3)

    await school.deliver_batch([removed, posted, changed])

    assert await average(client, school, klass, subject) == (None, 0)
    assert await stored(db, posted.mark_id) == (2, 1, 3, True)
