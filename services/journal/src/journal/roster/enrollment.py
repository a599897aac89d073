"""Moving through the school: transfers between classes and leaving.

A transfer ends the current enrollment the day before the new one starts, so on any day
a student is enrolled in at most one class; leaving ends it on the last day. Group
memberships of the old class end with it.
"""

import datetime as dt
import uuid

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from journal.roster import history
from journal.roster.enrolled import current_enrollment
from journal.roster.models import ClassGroup, Enrollment, GroupMembership, SchoolClass, Student
from journal.roster.schemas import Leaving, Transfer
from journal.roster.service import (
    class_in_school,
    keeps,
    kept_student,
    start_enrollment,
)
from journal.yearend.close import refuse_closed_days
from shared.contracts.journal import GroupLeft, StudentLeft, StudentTransferred
from shared.errors import Forbidden, Problem
from shared.outbox import add_event
from shared.security import User


def _invalid(detail: str) -> Problem:
    return Problem(422, "invalid-enrollment-date", "Invalid enrollment date", detail)


async def _current(session: AsyncSession, student: Student) -> Enrollment:
    enrollment = await session.scalar(current_enrollment(student.id).with_for_update())
    if enrollment is None:
        raise Problem(
            409, "student-not-enrolled", "Not enrolled", "The student has left the school."
        )
    return enrollment


async def _end(
    session: AsyncSession,
    user: User,
    student: Student,
    enrollment: Enrollment,
    last_day: dt.date,
    reason: str,
) -> None:
    if last_day < enrollment.starts_on:
        raise _invalid(
            f"The enrollment began on {enrollment.starts_on.isoformat()}: it cannot end before."
        )
    # The enrollment changes from the day after: no closed year may hold that change.
    await refuse_closed_days(session, user.school_id, last_day + dt.timedelta(days=1))
    enrollment.ends_on = last_day
    enrollment.end_reason = reason
    enrollment.left_at = dt.datetime.now(dt.UTC)
    await session.flush()
    await history.record(
        session,
        user,
        "enrollment",
        enrollment.id,
        student.id,
        {"ends_on": (None, last_day), "end_reason": (None, reason)},
    )
    await _end_memberships(session, user, student, enrollment.class_id, last_day)


async def _end_memberships(
    session: AsyncSession, user: User, student: Student, class_id: uuid.UUID, last_day: dt.date
) -> None:
    """A student leaving a class leaves its groups on the same day."""
    open_ones = list(
        await session.scalars(
            select(GroupMembership)
            .join(ClassGroup, ClassGroup.id == GroupMembership.group_id)
            .where(
                GroupMembership.student_id == student.id,
                GroupMembership.ends_on.is_(None),
                ClassGroup.class_id == class_id,
            )
            .with_for_update(of=GroupMembership)
        )
    )
    for membership in open_ones:
        # A membership starting after the last day never happened: it ends as it began.
        ends_on = max(last_day, membership.starts_on)
        await session.execute(
            update(GroupMembership)
            .where(GroupMembership.id == membership.id)
            .values(ends_on=ends_on, version=GroupMembership.version + 1)
        )
        await history.record(
            session,
            user,
            "group_membership",
            membership.id,
            student.id,
            {"ends_on": (None, ends_on)},
        )
        await add_event(
            session,
            GroupLeft(
                school_id=user.school_id,
                version=membership.version + 1,
                membership_id=membership.id,
                group_id=membership.group_id,
                student_id=student.id,
                last_day=ends_on,
            ),
        )


async def transfer(
    session: AsyncSession, user: User, student_id: uuid.UUID, data: Transfer
) -> tuple[Student, Enrollment, SchoolClass]:
    """Move a student to another class from `data.on`: the administration, or a class
    teacher who leads both classes (a transfer changes two lists)."""
    student = await kept_student(session, user, student_id, lock=True)
    target = await class_in_school(session, user.school_id, data.class_id)
    if not keeps(user, target):
        raise Forbidden("Only the administration or the class teacher of both classes transfers.")
    enrollment = await _current(session, student)
    if enrollment.class_id == target.id:
        raise Problem(
            409, "already-in-class", "Already in that class", "The student is in that class."
        )
    if data.on <= enrollment.starts_on:
        raise _invalid("A transfer must come after the current enrollment began.")
    from_class_id = enrollment.class_id
    await _end(session, user, student, enrollment, data.on - dt.timedelta(days=1), "transferred")
    student.version += 1
    await session.flush()
    new_enrollment = await start_enrollment(session, user, student, target, data.on)
    await add_event(
        session,
        StudentTransferred(
            school_id=user.school_id,
            version=student.version,
            student_id=student.id,
            from_class_id=from_class_id,
            to_class_id=target.id,
            enrollment_id=new_enrollment.id,
            on=data.on,
        ),
    )
    return student, new_enrollment, target


async def leave(
    session: AsyncSession, user: User, student_id: uuid.UUID, data: Leaving
) -> Enrollment:
    """The student leaves the school; `last_day` is their last day enrolled."""
    student = await kept_student(session, user, student_id, lock=True)
    enrollment = await _current(session, student)
    await _end(session, user, student, enrollment, data.last_day, "left")
    student.version += 1
    await session.flush()
    await add_event(
        session,
        StudentLeft(
            school_id=user.school_id,
            version=student.version,
            student_id=student.id,
            class_id=enrollment.class_id,
            last_day=data.last_day,
        ),
    )
    return enrollment
