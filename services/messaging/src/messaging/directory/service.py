"""Keeping the directory: each handler applies a batch of one event type in one statement,
by version (`upsert_newer`), so redelivered and reordered events end in the same state."""

import uuid
from collections.abc import Iterable, Sequence

from sqlalchemy import String, Table, cast, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from messaging.directory.models import (
    DirectoryAssignment,
    DirectoryClass,
    DirectoryGuardianship,
    DirectoryStaff,
    DirectoryStudent,
)
from messaging.models import Base
from shared.bulk import upsert_newer
from shared.contracts.auth import StaffAccountCreated
from shared.contracts.journal import (
    AssignmentMade,
    ClassOpened,
    GuardianLinked,
    GuardianUnlinked,
    StudentEnrolledV2,
    StudentLeft,
    StudentTransferred,
)
from shared.events import Event


class MissingSchool(ValueError):
    """An event without a school cannot be scoped; it is retried and then dead-lettered."""


def _school_of(event: Event) -> uuid.UUID:
    if event.school_id is None:
        raise MissingSchool(f"{event.routing_key} {event.event_id} carries no school")
    return event.school_id


def _table(model: type[Base]) -> Table:
    return Base.metadata.tables[model.__tablename__]


async def record_staff(session: AsyncSession, events: Sequence[StaffAccountCreated]) -> None:
    """A staff account's name and roles."""
    await upsert_newer(
        session,
        _table(DirectoryStaff),
        ["account_id"],
        [
            {
                "account_id": event.account_id,
                "school_id": _school_of(event),
                "last_name": event.last_name,
                "first_name": event.first_name,
                "middle_name": event.middle_name,
                "roles": list(event.roles),
                "version": event.version,
            }
            for event in events
        ],
    )


async def record_classes(session: AsyncSession, events: Sequence[ClassOpened]) -> None:
    """A class with its name, grade and class teacher."""
    await upsert_newer(
        session,
        _table(DirectoryClass),
        ["class_id"],
        [
            {
                "class_id": event.class_id,
                "school_id": _school_of(event),
                "name": event.name,
                "grade": event.grade,
                "class_teacher_id": event.class_teacher_id,
                "version": event.version,
            }
            for event in events
        ],
    )


async def _student_classes(
    session: AsyncSession, rows: list[tuple[Event, uuid.UUID, uuid.UUID | None]]
) -> None:
    await upsert_newer(
        session,
        _table(DirectoryStudent),
        ["student_id"],
        [
            {
                "student_id": student_id,
                "school_id": _school_of(event),
                "class_id": class_id,
                "version": event.version,
            }
            for event, student_id, class_id in rows
        ],
    )


async def record_enrollments(session: AsyncSession, events: Sequence[StudentEnrolledV2]) -> None:
    """A student's class from now on (a first enrollment or the new class of a transfer,
    which carries the transfer's version)."""
    await _student_classes(session, [(e, e.student_id, e.class_id) for e in events])


async def record_transfers(session: AsyncSession, events: Sequence[StudentTransferred]) -> None:
    await _student_classes(session, [(e, e.student_id, e.to_class_id) for e in events])


async def record_leavings(session: AsyncSession, events: Sequence[StudentLeft]) -> None:
    """A student who left is in no class: no group reaches them, nobody there writes to them."""
    await _student_classes(session, [(e, e.student_id, None) for e in events])


async def _guardianships(
    session: AsyncSession, events: Sequence[GuardianLinked | GuardianUnlinked], *, linked: bool
) -> None:
    await upsert_newer(
        session,
        _table(DirectoryGuardianship),
        ["guardian_id", "student_id"],
        [
            {
                "guardian_id": event.guardian_id,
                "student_id": event.student_id,
                "school_id": _school_of(event),
                "linked": linked,
                "version": event.version,
            }
            for event in events
        ],
    )


async def record_links(session: AsyncSession, events: Sequence[GuardianLinked]) -> None:
    await _guardianships(session, events, linked=True)


async def record_unlinks(session: AsyncSession, events: Sequence[GuardianUnlinked]) -> None:
    await _guardianships(session, events, linked=False)


async def record_assignments(session: AsyncSession, events: Sequence[AssignmentMade]) -> None:
    await upsert_newer(
        session,
        _table(DirectoryAssignment),
        ["assignment_id"],
        [
            {
                "assignment_id": event.assignment_id,
                "school_id": _school_of(event),
                "teacher_id": event.teacher_id,
                "class_id": event.class_id,
                "subject_id": event.subject_id,
                "subject_name": event.subject_name,
                "version": event.version,
            }
            for event in events
        ],
    )


async def administration_of(
    session: AsyncSession, schools: Iterable[uuid.UUID]
) -> dict[uuid.UUID, list[uuid.UUID]]:
    """Each school's director and deputies (their account ids) as the directory knows them."""
    wanted = sorted(set(schools))
    if not wanted:
        return {}
    rows = await session.execute(
        select(DirectoryStaff.school_id, DirectoryStaff.account_id)
        .where(
            DirectoryStaff.school_id.in_(wanted),
            DirectoryStaff.roles.overlap(cast(["director", "deputy"], ARRAY(String(30)))),
        )
        .order_by(DirectoryStaff.school_id, DirectoryStaff.account_id)
    )
    found: dict[uuid.UUID, list[uuid.UUID]] = {}
    for school, account in rows:
        found.setdefault(school, []).append(account)
    return found
