"""Reporting's consumer: every known event is logged as it arrived, and projected, once."""

import uuid

import pytest
from pydantic import ValidationError
from reporting_school import School
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from reporting.consumers import PROJECTED_EVENTS, rebuild_projections, subscriptions
from reporting.models import AssignmentRow, ClassRow, LoggedEvent, MarkRow
from reporting.projections.registry import PROJECTIONS
from reporting.service import MissingSchool
from shared.contracts import ALL_EVENTS
from shared.contracts.auth import UserLoggedIn
from shared.contracts.journal import StudentEnrolled
from shared.db import Database
from shared.events import CloudEvent
from shared.inbox import inbox
from shared.testing import inserts_into, statements


async def count(db: Database, model: type, **where: object) -> int:
    async with db.transaction() as session:
        return int(
            await session.scalar(select(func.count()).select_from(model).filter_by(**where)) or 0
        )


def test_reporting_listens_to_every_known_event_and_projects_its_projections() -> None:
    [subscription] = subscriptions(Database.__new__(Database))
    assert subscription.queue == "reporting"
    assert set(subscription.routing_keys) == {e.routing_key for e in ALL_EVENTS}
    # Every event some projection is built from, and nothing else (the rest is only logged).
    assert set(PROJECTED_EVENTS) == {e for p in PROJECTIONS for e in p.makers}
    assert {e.routing_key for e in PROJECTED_EVENTS} >= {
        "journal.class.opened.v1",
        "journal.assignment.made.v1",
        "journal.mark.posted.v1",
        "journal.mark.changed.v1",
        "journal.mark.removed.v1",
        "journal.work_type.changed.v1",
        "journal.attendance.marked.v1",
        "journal.final_mark.set.v1",
        "journal.lesson.topic_set.v1",
        "auth.session.logged_in.v1",
    }
    # Revoked sessions and disabled accounts: their tokens are refused by reporting too.
    assert {"auth.session.revoked.v1", "auth.account.disabled.v1"} <= set(subscription.routing_keys)


async def test_a_duplicate_delivery_is_logged_and_applied_once(
    db: Database, school: School
) -> None:
    klass, subject = uuid.uuid4(), uuid.uuid4()
    mark = school.mark(class_id=klass, subject_id=subject, value=5)

    await school.deliver(mark)
    await school.deliver(mark)

    assert await count(db, LoggedEvent, event_id=mark.event_id) == 1
    assert await count(db, MarkRow, class_id=klass) == 1
    assert await count(db, inbox, consumer="reporting", event_id=mark.event_id) == 1


async def test_the_log_keeps_the_envelope_as_it_arrived(db: Database, school: School) -> None:
    mark = school.mark(class_id=uuid.uuid4(), subject_id=uuid.uuid4(), value=4, version=3)
    trace = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    envelope = mark.to_cloudevent(traceparent=trace)
    # A field a newer producer added: consumers ignore it, the log keeps it.
    envelope = envelope.model_copy(update={"data": {**envelope.data, "comment_id": "x1"}})

    await school.deliver(envelope)

    async with db.transaction() as session:
        row = await session.get(LoggedEvent, mark.event_id)
    assert row is not None
    assert row.event_type == "journal.mark.posted.v1"
    assert row.school_id == school.id
    assert row.subject == f"mark/{mark.mark_id}"
    assert row.version == 3
    assert row.received_at is not None
    assert row.envelope["data"]["comment_id"] == "x1"
    assert row.envelope["traceparent"] == trace
    assert CloudEvent.model_validate(row.envelope) == CloudEvent.from_json(envelope.to_json())


async def test_events_without_a_projection_are_only_logged(db: Database, school: School) -> None:
    enrolled = StudentEnrolled(school_id=school.id, student_id=uuid.uuid4(), class_id=uuid.uuid4())
    login = UserLoggedIn(school_id=school.id, account_id=uuid.uuid4(), roles=["teacher"])

    await school.deliver(enrolled)
    await school.deliver(login)

    assert await count(db, LoggedEvent, school_id=school.id) == 2
    assert await count(db, MarkRow, school_id=school.id) == 0
    assert await count(db, ClassRow, school_id=school.id) == 0


async def test_an_unknown_event_type_is_acknowledged_and_not_logged(
    db: Database, school: School
) -> None:
    envelope = (
        school.mark(class_id=uuid.uuid4(), subject_id=uuid.uuid4(), value=5)
        .to_cloudevent()
        .model_copy(update={"type": "journal.mark.posted.v9"})
    )

    await school.deliver(envelope)

    assert await count(db, LoggedEvent, event_id=envelope.id) == 0


async def test_v2_then_v1_through_the_consumer_keeps_v2(db: Database, school: School) -> None:
    klass, subject, mark = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await school.deliver(
        school.mark(class_id=klass, subject_id=subject, mark_id=mark, value=2, version=2)
    )
    await school.deliver(
        school.mark(class_id=klass, subject_id=subject, mark_id=mark, value=5, version=1)
    )

    async with db.transaction() as session:
        row = await session.get(MarkRow, mark)
    assert row is not None
    assert (row.value, row.version) == (2, 2)
    assert await count(db, LoggedEvent, subject=f"mark/{mark}") == 2  # both are history


async def test_a_batch_logs_each_event_once_and_projects_the_newest_version(
    db: Database, school: School
) -> None:
    klass, subject, mark = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    versions = [
        school.mark(class_id=klass, subject_id=subject, mark_id=mark, value=v, version=v)
        for v in (1, 3, 2)
    ]
    other = school.mark(class_id=klass, subject_id=subject, value=4)

    await school.deliver_batch([versions[0], versions[1], other, versions[0], versions[2]])

    async with db.transaction() as session:
        row = await session.get(MarkRow, mark)
    assert row is not None
    assert (row.value, row.version) == (3, 3)
    assert await count(db, MarkRow, class_id=klass) == 2
    assert await count(db, LoggedEvent, subject=f"mark/{mark}") == 3  # each version once
    assert await count(db, inbox, consumer="reporting") == 4


async def test_a_batch_of_marks_takes_one_insert_per_table(db: Database, school: School) -> None:
    klass, subject = uuid.uuid4(), uuid.uuid4()
    marks = [school.mark(class_id=klass, subject_id=subject, value=5) for _ in range(100)]

    with statements(db) as sent:
        await school.deliver_batch(list(marks))

    assert [inserts_into(sent, table) for table in ("inbox", "event_log", "marks")] == [1, 1, 1]
    assert await count(db, MarkRow, class_id=klass) == 100


async def test_an_event_without_a_school_is_refused_and_leaves_nothing(
    db: Database, school: School
) -> None:
    klass = uuid.uuid4()
    mark = school.mark(class_id=klass, subject_id=uuid.uuid4(), value=5)
    envelope = mark.to_cloudevent().model_copy(update={"schoolid": None})

    with pytest.raises(MissingSchool):
        await school.deliver(envelope)

    assert await count(db, LoggedEvent, event_id=mark.event_id) == 0
    assert await count(db, MarkRow, class_id=klass) == 0
    assert await count(db, inbox, event_id=mark.event_id) == 0  # redelivered, then dead-lettered


async def test_a_malformed_payload_is_refused_and_leaves_nothing(
    db: Database, school: School
) -> None:
    mark = school.mark(class_id=uuid.uuid4(), subject_id=uuid.uuid4(), value=5)
    envelope = mark.to_cloudevent()
    envelope = envelope.model_copy(
        update={"data": {k: v for k, v in envelope.data.items() if k != "weight"}}
    )

    with pytest.raises(ValidationError):
        await school.deliver(envelope)

    assert await count(db, LoggedEvent, event_id=mark.event_id) == 0
    assert await count(db, inbox, event_id=mark.event_id) == 0


async def test_the_log_is_append_only(db: Database, school: School) -> None:
    mark = school.mark(class_id=uuid.uuid4(), subject_id=uuid.uuid4(), value=5)
    await school.deliver(mark)

    for statement in (
        "UPDATE event_log SET version = 99 WHERE event_id = :id",
        "DELETE FROM event_log WHERE event_id = :id",
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            async with db.transaction() as session:
                await session.execute(text(statement), {"id": mark.event_id})

    assert await count(db, LoggedEvent, event_id=mark.event_id, version=1) == 1


async def test_projections_rebuilt_from_the_log_match_the_live_ones(
    db: Database, school: School
) -> None:
    teacher, klass, subject, mark = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await school.deliver(school.class_opened(class_id=klass, class_teacher_id=teacher))
    await school.deliver(school.assignment(teacher_id=teacher, class_id=klass, subject_id=subject))
    await school.deliver(
        school.mark(class_id=klass, subject_id=subject, mark_id=mark, value=3, version=2)
    )
    await school.deliver(
        school.mark(class_id=klass, subject_id=subject, mark_id=mark, value=5, version=1)
    )
    await school.deliver(school.mark(class_id=klass, subject_id=subject, value=4, weight=2))

    async def snapshot() -> list[object]:
        async with db.transaction() as session:
            marks = (
                await session.execute(
                    select(MarkRow.mark_id, MarkRow.value, MarkRow.weight, MarkRow.version)
                    .where(MarkRow.class_id == klass)
                    .order_by(MarkRow.mark_id)
                )
            ).all()
            classes = (
                await session.execute(
                    select(ClassRow.class_id, ClassRow.class_teacher_id, ClassRow.version).where(
                        ClassRow.class_id == klass
                    )
                )
            ).all()
            assignments = (
                await session.execute(
                    select(AssignmentRow.teacher_id, AssignmentRow.subject_id).where(
                        AssignmentRow.class_id == klass
                    )
                )
            ).all()
        return [marks, classes, assignments]

    live = await snapshot()
    async with db.transaction() as session:
        replayed = await rebuild_projections(session)

    assert replayed >= 5
    assert await snapshot() == live
