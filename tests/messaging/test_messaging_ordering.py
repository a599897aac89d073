"""Redelivered and reordered events never make a second or a stale notification: per
recipient and aggregate the live notification is always the newest version's, whatever
the order and batching the events arrive in, each duplicate changes nothing, and an
event older than what was told (a change after a removal) is dropped."""

import random
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime

import pytest
from messaging_events import (
    class_opened,
    family_in_class,
    final_versions,
    homework_versions,
    mark_versions,
    period_versions,
)
from sqlalchemy import select

from messaging.models import Notification
from messaging.notifications.models import OutgoingEmail, Preferences, SchoolEmail
from shared.contracts.journal import GuardianLinked
from shared.db import Database
from shared.events import CloudEvent, Event

Deliver = Callable[[Event], Awaitable[CloudEvent]]
DeliverBatch = Callable[[Sequence[Event]], Awaitable[list[CloudEvent]]]


async def all_notices(db: Database, recipient: uuid.UUID) -> list[Notification]:
    async with db.transaction() as session:
        query = select(Notification).where(Notification.recipient_person_id == recipient)
        return list(await session.scalars(query.order_by(Notification.seq)))


def live(notices: list[Notification]) -> list[Notification]:
    return [n for n in notices if n.superseded_at is None]


async def deliver_shuffled(
    deliver_batch: DeliverBatch, events: list[Event], rng: random.Random
) -> None:
    """The events, each possibly twice, in a random order cut into random batches."""
    stream = [*events, *rng.sample(events, k=rng.randint(0, len(events)))]
    rng.shuffle(stream)
    while stream:
        size = rng.randint(1, len(stream))
        batch, stream = stream[:size], stream[size:]
        await deliver_batch(batch)


@pytest.mark.parametrize("seed", range(12))
async def test_a_marks_life_in_any_order_leaves_only_its_removal_live(
    db: Database, deliver: Deliver, deliver_batch: DeliverBatch, seed: int
) -> None:
    rng = random.Random(seed)
    school, student, parent = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await deliver(GuardianLinked(school_id=school, guardian_id=parent, student_id=student))
    versions = mark_versions(school, student)

    await deliver_shuffled(deliver_batch, list(versions), rng)

    for recipient in (student, parent):
        notices = await all_notices(db, recipient)
        [current] = live(notices)
        assert (current.kind, current.version) == ("mark_removed", 4)
        # Each version at most once, each told only while it was the newest.
        assert len({n.version for n in notices}) == len(notices)
        assert [n.version for n in notices] == sorted(n.version for n in notices)
        assert [n.seq for n in notices] == sorted({n.seq for n in notices})


@pytest.mark.parametrize("seed", range(8))
async def test_changes_without_a_removal_leave_the_newest_change_live(
    db: Database, deliver: Deliver, deliver_batch: DeliverBatch, seed: int
) -> None:
    rng = random.Random(100 + seed)
    school, student, parent = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await deliver(GuardianLinked(school_id=school, guardian_id=parent, student_id=student))
    posted, first, second, _ = mark_versions(school, student)

    await deliver_shuffled(deliver_batch, [posted, first, second], rng)

    [current] = live(await all_notices(db, parent))
    assert (current.kind, current.version, current.payload["value"]) == ("mark_changed", 3, 5)
    assert "4 → 5" in current.text


async def test_a_change_arriving_after_the_removal_is_dropped(
    db: Database, deliver: Deliver
) -> None:
    school, student = uuid.uuid4(), uuid.uuid4()
    posted, changed, _, removed = mark_versions(school, student)
    await deliver(posted)
    await deliver(removed)

    await deliver(changed)
    await deliver(posted)  # and the first one again, under its own id: already told

    notices = await all_notices(db, student)
    assert [(n.kind, n.version) for n in notices] == [("mark_posted", 1), ("mark_removed", 4)]
    assert [n.kind for n in live(notices)] == ["mark_removed"]


async def test_an_older_version_under_a_new_event_id_is_still_stale(
    db: Database, deliver: Deliver
) -> None:
    school, student = uuid.uuid4(), uuid.uuid4()
    _, changed, newer, _ = mark_versions(school, student)
    await deliver(newer)

    # A producer retry re-staged the older fact with a fresh event id: the inbox lets it
    # in, the version check does not.
    await deliver(changed.model_copy(update={"event_id": uuid.uuid4()}))

    assert [(n.version) for n in await all_notices(db, student)] == [3]


async def test_a_removal_withdraws_the_unsent_email_of_the_change_it_supersedes(
    db: Database, deliver: Deliver
) -> None:
    school, student = uuid.uuid4(), uuid.uuid4()
    async with db.transaction() as session:
        session.add(
            SchoolEmail(
                school_id=school,
                enabled=True,
                sender="school@example.org",
                updated_at=datetime.now(UTC),
            )
        )
        session.add(
            Preferences(
                recipient_id=student,
                school_id=school,
                muted=[],
                delivery="immediate",
                digest_hour=18,
                email="pupil@example.org",
                updated_at=datetime.now(UTC),
            )
        )
    posted, _, _, removed = mark_versions(school, student)
    await deliver(posted)
    await deliver(removed)

    async with db.transaction() as session:
        emails = list(
            await session.scalars(
                select(OutgoingEmail)
                .where(OutgoingEmail.recipient_id == student)
                .order_by(OutgoingEmail.created_at, OutgoingEmail.subject)
            )
        )
    by_subject = {e.subject: e for e in emails}
    assert by_subject["Новая отметка"].cancelled_at is not None
    assert by_subject["Отметка удалена"].cancelled_at is None


@pytest.mark.parametrize("seed", range(6))
async def test_final_marks_homework_and_periods_in_any_order_keep_the_newest(
    db: Database, deliver: Deliver, deliver_batch: DeliverBatch, seed: int
) -> None:
    rng = random.Random(200 + seed)
    school = uuid.uuid4()
    opened = class_opened(school, grade=5)
    student, parent, roster = family_in_class(school, opened.class_id)
    for event in [opened, *roster]:
        await deliver(event)
    finals = final_versions(school, student)
    homework = homework_versions(school, opened.class_id)
    periods = period_versions(school)

    await deliver_shuffled(deliver_batch, [*finals, *homework, *periods], rng)

    current = {(n.kind, n.version) for n in live(await all_notices(db, parent))}
    assert current == {("final_mark_removed", 3), ("homework_cleared", 5), ("period_closed", 3)}
    student_sees = {(n.kind, n.version) for n in live(await all_notices(db, student))}
    assert student_sees == current


async def test_a_reopened_period_withdraws_its_closing_notice_and_says_nothing(
    db: Database, deliver: Deliver
) -> None:
    school = uuid.uuid4()
    opened = class_opened(school, grade=7)
    student, parent, roster = family_in_class(school, opened.class_id)
    for event in [opened, *roster]:
        await deliver(event)
    closed, reopened, _ = period_versions(school)

    await deliver(closed)
    await deliver(reopened)

    for recipient in (student, parent):
        notices = await all_notices(db, recipient)
        assert [n.kind for n in notices] == ["period_closed"]
        assert live(notices) == []
