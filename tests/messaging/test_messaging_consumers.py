"""Messaging's consumers: marks become notices for the student and their guardians, once."""

import uuid
from collections.abc import Awaitable, Callable, Sequence

import pytest
from sqlalchemy import func, select

from messaging.models import Guardianship, Notification
from messaging.notifications.fanout import MissingSchool
from shared.contracts.journal import GuardianLinked, MarkPosted
from shared.db import Database
from shared.events import CloudEvent, Event
from shared.inbox import inbox
from shared.testing import inserts_into, statements

Deliver = Callable[[Event], Awaitable[CloudEvent]]

MakeMark = Callable[..., MarkPosted]
MakeLink = Callable[[uuid.UUID, uuid.UUID, uuid.UUID], GuardianLinked]


async def notices(db: Database, **where: uuid.UUID) -> list[Notification]:
    async with db.transaction() as session:
        query = select(Notification).filter_by(**where).order_by(Notification.recipient_person_id)
        return list(await session.scalars(query))


async def test_mark_notifies_the_student_and_each_linked_guardian(
    db: Database, deliver: Deliver, make_mark: MakeMark, make_link: MakeLink
) -> None:
    school, student, mother, father = (uuid.uuid4() for _ in range(4))
    await deliver(make_link(school, mother, student))
    await deliver(make_link(school, father, student))

    mark = make_mark(school, student, value=4, work_type="control", weight=3)
    await deliver(mark)

    found = await notices(db, source_event_id=mark.event_id)
    assert {n.recipient_person_id for n in found} == {student, mother, father}
    for notice in found:
        assert notice.kind == "mark_posted"
        assert notice.school_id == school
        assert notice.student_id == student
        assert notice.read_at is None
        assert notice.text == (
            "Новая отметка 4 (Контрольная работа, вес 3) по предмету «Математика» за 28.11.2026"
        )
        assert notice.payload == {
            "mark_id": str(mark.mark_id),
            "lesson_id": str(mark.lesson_id),
            "lesson_date": "2026-11-28",
            "class_id": str(mark.class_id),
            "subject_id": str(mark.subject_id),
            "subject_name": "Математика",
            "teacher_id": str(mark.teacher_id),
            "value": 4,
            "work_type": "control",
            "work_type_name": "Контрольная работа",
            "weight": 3,
            "version": 1,
        }


async def test_duplicate_mark_delivery_creates_nothing(
    db: Database, deliver: Deliver, make_mark: MakeMark, make_link: MakeLink
) -> None:
    school, student, parent = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await deliver(make_link(school, parent, student))
    mark = make_mark(school, student)

    await deliver(mark)
    await deliver(mark)

    assert len(await notices(db, source_event_id=mark.event_id)) == 2


async def test_duplicate_guardian_link_is_applied_once(
    db: Database, deliver: Deliver, make_link: MakeLink
) -> None:
    school, student, parent = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    link = make_link(school, parent, student)
    await deliver(link)
    await deliver(link)
    # The same link announced again under a new event id is still one link.
    await deliver(make_link(school, parent, student))

    async with db.transaction() as session:
        count = await session.scalar(
            select(func.count()).select_from(Guardianship).where(Guardianship.student_id == student)
        )
    assert count == 1


async def test_guardian_linked_after_the_mark_is_not_notified_of_it(
    db: Database, deliver: Deliver, make_mark: MakeMark, make_link: MakeLink
) -> None:
    school, student, parent = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    earlier = make_mark(school, student)
    await deliver(earlier)
    await deliver(make_link(school, parent, student))
    later = make_mark(school, student, value=3)
    await deliver(later)

    assert await notices(db, recipient_person_id=parent, source_event_id=earlier.event_id) == []
    assert len(await notices(db, recipient_person_id=parent, source_event_id=later.event_id)) == 1


async def test_guardians_of_another_student_are_not_notified(
    db: Database, deliver: Deliver, make_mark: MakeMark, make_link: MakeLink
) -> None:
    school, student, classmate, classmates_parent = (uuid.uuid4() for _ in range(4))
    await deliver(make_link(school, classmates_parent, classmate))

    await deliver(make_mark(school, student))

    assert await notices(db, recipient_person_id=classmates_parent) == []


async def test_a_link_in_another_school_does_not_reach_this_schools_marks(
    db: Database, deliver: Deliver, make_mark: MakeMark, make_link: MakeLink
) -> None:
    school, other_school, student, parent = (uuid.uuid4() for _ in range(4))
    await deliver(make_link(other_school, parent, student))

    await deliver(make_mark(school, student))

    assert await notices(db, recipient_person_id=parent) == []


async def test_a_mark_without_a_school_is_refused_and_leaves_nothing(
    db: Database, deliver: Deliver, make_mark: MakeMark
) -> None:
    student = uuid.uuid4()
    mark = make_mark(None, student)

    with pytest.raises(MissingSchool):
        await deliver(mark)

    assert await notices(db, student_id=student) == []
    async with db.transaction() as session:
        claimed = await session.scalar(
            select(inbox.c.event_id).where(inbox.c.event_id == mark.event_id)
        )
    assert claimed is None  # not claimed, so the bus redelivers it and then dead-letters it


DeliverBatch = Callable[[Sequence[Event]], Awaitable[list[CloudEvent]]]


async def test_a_batch_of_marks_notifies_every_student_and_guardian_once_in_one_insert(
    db: Database,
    deliver: Deliver,
    deliver_batch: DeliverBatch,
    make_mark: MakeMark,
    make_link: MakeLink,
) -> None:
    school = uuid.uuid4()
    students = [uuid.uuid4() for _ in range(20)]
    parents = {student: uuid.uuid4() for student in students}
    for student in students:
        await deliver(make_link(school, parents[student], student))
    marks = [make_mark(school, student) for student in students for _ in range(3)]

    with statements(db) as sent:
        await deliver_batch([*marks, marks[0]])  # the first one delivered twice

    assert inserts_into(sent, "notifications") == 1
    for mark in marks:
        found = await notices(db, source_event_id=mark.event_id)
        assert {n.recipient_person_id for n in found} == {
            mark.student_id,
            parents[mark.student_id],
        }


async def test_a_guardian_linked_in_the_same_batch_as_a_mark_is_notified_of_it(
    db: Database, deliver_batch: DeliverBatch, make_mark: MakeMark, make_link: MakeLink
) -> None:
    school, student, parent = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    mark = make_mark(school, student)

    # Within a batch links are applied first: arrival order across aggregates is not
    # guaranteed anyway, and a notice too many beats a parent left uninformed.
    await deliver_batch([mark, make_link(school, parent, student)])

    assert len(await notices(db, recipient_person_id=parent, source_event_id=mark.event_id)) == 1


async def test_a_batch_of_links_repeating_one_link_keeps_it_once(
    db: Database, deliver_batch: DeliverBatch, make_link: MakeLink
) -> None:
    school, student, parent = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()

    await deliver_batch([make_link(school, parent, student), make_link(school, parent, student)])

    async with db.transaction() as session:
        count = await session.scalar(
            select(func.count()).select_from(Guardianship).where(Guardianship.student_id == student)
        )
    assert count == 1
