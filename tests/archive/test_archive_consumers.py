"""Archive keeps every journal event it receives, once, as it arrived (a year's closing
is applied instead: test_archive_year_closed.py)."""

import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select, text

from archive.consumers import subscriptions
from archive.models import ReceivedEvent
from shared.contracts.auth import SessionsRevoked, UserLoggedIn
from shared.contracts.journal import (
    AssignmentMade,
    ClassOpened,
    GuardianLinked,
    MarkPosted,
    StudentEnrolled,
)
from shared.db import Database
from shared.events import CloudEvent, Event
from shared.inbox import inbox
from shared.testing import inserts_into, statements

Deliver = Callable[[Event | CloudEvent], Awaitable[CloudEvent]]


def journal_events(school: uuid.UUID) -> list[Event]:
    klass, student, subject, teacher = (uuid.uuid4() for _ in range(4))
    return [
        ClassOpened(school_id=school, class_id=klass, name="5А", grade=5, class_teacher_id=teacher),
        StudentEnrolled(school_id=school, student_id=student, class_id=klass),
        GuardianLinked(school_id=school, guardian_id=uuid.uuid4(), student_id=student),
        AssignmentMade(
            school_id=school,
            assignment_id=uuid.uuid4(),
            teacher_id=teacher,
            class_id=klass,
            subject_id=subject,
            subject_name="Математика",
        ),
        MarkPosted(
            school_id=school,
            version=2,
            mark_id=uuid.uuid4(),
            lesson_id=uuid.uuid4(),
            lesson_date=date(2026, 11, 28),
            student_id=student,
            class_id=klass,
            subject_id=subject,
            subject_name="Математика",
            teacher_id=teacher,
            value=5,
            work_type="answer",
            weight=1,
        ),
    ]


async def kept(db: Database, **where: object) -> list[ReceivedEvent]:
    async with db.transaction() as session:
        return list(await session.scalars(select(ReceivedEvent).filter_by(**where)))


def test_archive_subscribes_to_journals_events_and_auths_revocations() -> None:
    [subscription] = subscriptions(Database.__new__(Database))
    assert subscription.queue == "archive"
    assert set(subscription.routing_keys) == {
        "journal.class.opened.v1",
        "journal.student.enrolled.v1",
        "journal.guardian.linked.v1",
        "journal.assignment.made.v1",
        "journal.mark.posted.v1",
        "journal.mark.changed.v1",
        "journal.mark.removed.v1",
        "journal.attendance.marked.v1",
        "journal.attendance.cleared.v1",
        # A page save's marks and attendance arrive inside it (shared.contracts.with_bundles);
        # the inbox unpacks it and the events inside are kept as if they came alone.
        "journal.page.saved.v1",
        # Puts the year in line to be sealed (test_archive_year_closed.py); not kept.
        "journal.year.closed.v1",
        # Only for refusing revoked sessions' tokens; never kept (below).
        "auth.session.revoked.v1",
        "auth.account.disabled.v1",
    }


async def test_auths_revocations_are_applied_not_kept(db: Database, deliver: Deliver) -> None:
    now = datetime.now(UTC)
    event = SessionsRevoked(
        school_id=uuid.uuid4(),
        account_id=uuid.uuid4(),
        session_ids=[uuid.uuid4()],
        reason="logout",
        tokens_expire_by=now + timedelta(minutes=15),
    )
    await deliver(event)
    assert await kept(db, event_id=event.event_id) == []
    async with db.transaction() as session:
        revoked = await session.scalar(
            text("SELECT count(*) FROM token_revocations WHERE subject_id = :s"),
            {"s": event.session_ids[0]},
        )
    assert revoked == 1


async def test_each_journal_event_is_kept_as_it_arrived(db: Database, deliver: Deliver) -> None:
    school = uuid.uuid4()
    for event in journal_events(school):
        envelope = await deliver(event)
        [row] = await kept(db, event_id=event.event_id)
        assert row.event_type == event.routing_key
        assert row.school_id == school
        assert row.subject == envelope.subject
        assert row.version == event.version
        assert row.received_at is not None
        assert CloudEvent.model_validate(row.envelope) == envelope


async def test_a_duplicate_delivery_is_kept_once(db: Database, deliver: Deliver) -> None:
    school = uuid.uuid4()
    events = journal_events(school)
    for event in events:
        await deliver(event)
        await deliver(event)

    assert len(await kept(db, school_id=school)) == 5
    async with db.transaction() as session:
        claims = await session.scalar(
            select(func.count())
            .select_from(inbox)
            .where(
                inbox.c.consumer == "archive",
                inbox.c.event_id.in_([e.event_id for e in events]),
            )
        )
    assert claims == 5


async def test_events_archive_does_not_take_are_acknowledged_and_not_kept(
    db: Database, deliver: Deliver
) -> None:
    school = uuid.uuid4()
    await deliver(UserLoggedIn(school_id=school, account_id=uuid.uuid4(), roles=["teacher"]))

    assert await kept(db, school_id=school) == []


async def test_a_malformed_event_is_refused_and_leaves_nothing(
    db: Database, deliver: Deliver
) -> None:
    school = uuid.uuid4()
    enrolled = StudentEnrolled(school_id=school, student_id=uuid.uuid4(), class_id=uuid.uuid4())
    envelope = enrolled.to_cloudevent()
    envelope = envelope.model_copy(update={"data": {"student_id": "not-a-uuid"}})

    with pytest.raises(ValidationError):
        await deliver(envelope)

    assert await kept(db, event_id=enrolled.event_id) == []


DeliverBatch = Callable[[Sequence[Event | CloudEvent]], Awaitable[list[CloudEvent]]]


async def test_a_batch_is_kept_in_one_insert_each_event_once(
    db: Database, deliver: Deliver, deliver_batch: DeliverBatch
) -> None:
    school = uuid.uuid4()
    earlier, *events = journal_events(school)
    await deliver(earlier)

    with statements(db) as sent:
        await deliver_batch([*events, earlier, events[0]])  # two of them already seen

    assert inserts_into(sent, "received_events") == 1
    assert sorted(row.event_id for row in await kept(db, school_id=school)) == sorted(
        e.event_id for e in (earlier, *events)
    )
