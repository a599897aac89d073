"""What auth consumes: journal's roster facts, so the deputy can issue credentials and a
parent's token can name the children."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from auth import service
from shared.bus import Subscription
from shared.contracts.journal import GuardianLinked, StudentEnrolled
from shared.db import Database
from shared.events import Event
from shared.inbox import EventHandler, subscription
from shared.topology import bindings_of


def _school(event: Event) -> uuid.UUID:
    """Roster facts are school-scoped; one without a school is a producer bug (dead-letter)."""
    if event.school_id is None:
        raise ValueError(f"{event.routing_key} without a school id")
    return event.school_id


async def on_student_enrolled(session: AsyncSession, event: StudentEnrolled) -> None:
    await service.record_student(session, school_id=_school(event), student_id=event.student_id)


async def on_guardian_linked(session: AsyncSession, event: GuardianLinked) -> None:
    await service.record_guardianship(
        session,
        school_id=_school(event),
        guardian_id=event.guardian_id,
        student_id=event.student_id,
    )


CONSUMER = "auth"

HANDLERS: dict[type[Event], EventHandler] = {
    StudentEnrolled: on_student_enrolled,
    GuardianLinked: on_guardian_linked,
}
BINDINGS = bindings_of(CONSUMER, HANDLERS)


def subscriptions(db: Database) -> list[Subscription]:
    return [subscription(db, CONSUMER, HANDLERS)]
