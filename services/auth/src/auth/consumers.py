"""What auth consumes: journal's roster facts, so the deputy can issue credentials (to
one person, or to a class: students' classes are kept) and a parent's token can name the
children (those linked to them now)."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from auth import service
from shared.bus import Subscription
from shared.contracts.journal import (
    GuardianLinked,
    GuardianUnlinked,
    StudentEnrolled,
    StudentLeft,
    StudentTransferred,
)
from shared.db import Database
from shared.events import Event
from shared.inbox import Batched, subscription
from shared.topology import bindings_of


def _school(event: Event) -> uuid.UUID:
    """Roster facts are school-scoped; one without a school is a producer bug (dead-letter)."""
    if event.school_id is None:
        raise ValueError(f"{event.routing_key} without a school id")
    return event.school_id


async def on_students_enrolled(session: AsyncSession, events: list[StudentEnrolled]) -> None:
    await service.record_student_classes(
        session, [(_school(e), e.student_id, e.class_id, e.version) for e in events]
    )


async def on_students_transferred(session: AsyncSession, events: list[StudentTransferred]) -> None:
    await service.record_student_classes(
        session, [(_school(e), e.student_id, e.to_class_id, e.version) for e in events]
    )


async def on_students_left(session: AsyncSession, events: list[StudentLeft]) -> None:
    await service.record_student_classes(
        session, [(_school(e), e.student_id, None, e.version) for e in events]
    )


async def on_guardians_linked(session: AsyncSession, events: list[GuardianLinked]) -> None:
    await service.record_guardianships(
        session, [(_school(e), e.guardian_id, e.student_id, e.version) for e in events]
    )


async def on_guardians_unlinked(session: AsyncSession, events: list[GuardianUnlinked]) -> None:
    await service.record_unlinkings(
        session, [(_school(e), e.guardian_id, e.student_id, e.version) for e in events]
    )


CONSUMER = "auth"

# Each applies a batch's events of its type at once.
HANDLERS: dict[type[Event], Batched] = {
    StudentEnrolled: Batched(on_students_enrolled),
    StudentTransferred: Batched(on_students_transferred),
    StudentLeft: Batched(on_students_left),
    GuardianLinked: Batched(on_guardians_linked),
    GuardianUnlinked: Batched(on_guardians_unlinked),
}
BINDINGS = bindings_of(CONSUMER, HANDLERS)


def subscriptions(db: Database) -> list[Subscription]:
    return [subscription(db, CONSUMER, HANDLERS)]
