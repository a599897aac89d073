"""The version rule: a projection row changes only for a newer version of its aggregate, so
projections end the same whatever order events arrive in, and repeats change nothing."""

import uuid

from reporting_school import School
from sqlalchemy import select

from reporting import service
from reporting.models import AssignmentRow, ClassRow, MarkRow
from shared.db import Database


async def stored_mark(db: Database, mark_id: uuid.UUID) -> MarkRow | None:
    async with db.transaction() as session:
        return await session.get(MarkRow, mark_id)


async def test_a_newer_mark_version_replaces_the_older(db: Database, school: School) -> None:
    klass, subject, mark = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await school.deliver(school.mark(class_id=klass, subject_id=subject, mark_id=mark, value=3))
    await school.deliver(
        school.mark(class_id=klass, subject_id=subject, mark_id=mark, value=4, weight=2, version=2)
    )

    row = await stored_mark(db, mark)
    assert row is not None
    assert (row.value, row.weight, row.version) == (4, 2, 2)


async def test_an_older_mark_version_arriving_late_is_ignored(db: Database, school: School) -> None:
    klass, subject, mark = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await school.deliver(
        school.mark(class_id=klass, subject_id=subject, mark_id=mark, value=4, version=2)
    )
    await school.deliver(
        school.mark(class_id=klass, subject_id=subject, mark_id=mark, value=3, version=1)
    )

    row = await stored_mark(db, mark)
    assert row is not None
    assert (row.value, row.version) == (4, 2)


async def test_the_same_version_again_changes_nothing(db: Database, school: School) -> None:
    klass, subject, mark = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await school.deliver(school.mark(class_id=klass, subject_id=subject, mark_id=mark, value=5))
    # Another event (new id, so the inbox lets it in) claiming the same version.
    await school.deliver(school.mark(class_id=klass, subject_id=subject, mark_id=mark, value=2))

    row = await stored_mark(db, mark)
    assert row is not None
    assert (row.value, row.version) == (5, 1)


async def test_a_tombstone_hides_a_mark_and_an_older_version_cannot_revive_it(
    db: Database, school: School
) -> None:
    klass, subject, mark, student = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()

    def state(version: int, deleted: bool) -> service.MarkState:
        return service.MarkState(
            mark_id=mark,
            school_id=school.id,
            class_id=klass,
            subject_id=subject,
            student_id=student,
            value=5,
            weight=1,
            work_type="answer",
            version=version,
            deleted=deleted,
        )

    async with db.transaction() as session:
        await service.apply_mark(session, state(2, deleted=True))
        await service.apply_mark(session, state(1, deleted=False))

    row = await stored_mark(db, mark)
    assert row is not None
    assert (row.deleted, row.version) == (True, 2)


async def test_a_newer_class_version_keeps_its_class_teacher(db: Database, school: School) -> None:
    klass, first, second = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await school.deliver(school.class_opened(class_id=klass, class_teacher_id=second, version=2))
    await school.deliver(school.class_opened(class_id=klass, class_teacher_id=first, version=1))

    async with db.transaction() as session:
        row = await session.get(ClassRow, klass)
    assert row is not None
    assert (row.class_teacher_id, row.version) == (second, 2)


async def test_a_newer_assignment_version_keeps_its_teacher(db: Database, school: School) -> None:
    assignment, klass, subject = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    first, second = uuid.uuid4(), uuid.uuid4()
    await school.deliver(
        school.assignment(
            assignment_id=assignment,
            teacher_id=second,
            class_id=klass,
            subject_id=subject,
            version=2,
        )
    )
    await school.deliver(
        school.assignment(
            assignment_id=assignment,
            teacher_id=first,
            class_id=klass,
            subject_id=subject,
            version=1,
        )
    )

    async with db.transaction() as session:
        rows = list(
            await session.scalars(
                select(AssignmentRow).where(AssignmentRow.assignment_id == assignment)
            )
        )
    assert [(r.teacher_id, r.version) for r in rows] == [(second, 2)]
