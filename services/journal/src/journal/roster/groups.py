"""Groups within a class (language subgroups): opening them, members with dates."""

import datetime as dt
import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from journal.access import require_role
from journal.base import add_unique
from journal.roster import history
from journal.roster.enrolled import enrollment_covers, group_students_on
from journal.roster.models import ClassGroup, Enrollment, GroupMembership, SchoolClass, Student
from journal.roster.schemas import GroupCreate, Leaving, MembershipCreate
from journal.roster.service import (
    KEEPERS,
    class_in_school,
    keeps,
    require_keeper,
    student_in_school,
    teaches_class,
    today,
)
from journal.yearend.close import refuse_closed_days
from shared.contracts.journal import GroupJoined, GroupLeft, GroupOpened
from shared.errors import Conflict, Forbidden, NotFound, Problem
from shared.outbox import add_event
from shared.security import User


async def open_group(
    session: AsyncSession, user: User, class_id: uuid.UUID, data: GroupCreate
) -> ClassGroup:
    require_role(user, *KEEPERS)
    school_class = await class_in_school(session, user.school_id, class_id)
    require_keeper(user, school_class)
    group = ClassGroup(
        id=uuid.uuid4(), school_id=user.school_id, class_id=school_class.id, name=data.name
    )
    await add_unique(
        session, group, Conflict("group-exists", f"The class already has a group {data.name}.")
    )
    await add_event(
        session,
        GroupOpened(
            school_id=user.school_id,
            version=1,
            group_id=group.id,
            class_id=class_id,
            name=group.name,
        ),
    )
    return group


async def _readable_class(session: AsyncSession, user: User, class_id: uuid.UUID) -> SchoolClass:
    """The class, if the caller keeps it or teaches in it."""
    require_role(user, *KEEPERS)
    school_class = await class_in_school(session, user.school_id, class_id)
    if not keeps(user, school_class) and not await teaches_class(session, user, class_id):
        raise Forbidden("Only the class's teachers and the administration read its groups.")
    return school_class


async def class_groups(session: AsyncSession, user: User, class_id: uuid.UUID) -> list[ClassGroup]:
    await _readable_class(session, user, class_id)
    return list(
        await session.scalars(
            select(ClassGroup).where(ClassGroup.class_id == class_id).order_by(ClassGroup.name)
        )
    )


async def _group(session: AsyncSession, user: User, group_id: uuid.UUID) -> ClassGroup:
    group = await session.scalar(
        select(ClassGroup).where(ClassGroup.id == group_id, ClassGroup.school_id == user.school_id)
    )
    if group is None:
        raise NotFound("group")
    return group


async def _kept_group(session: AsyncSession, user: User, group_id: uuid.UUID) -> ClassGroup:
    require_role(user, *KEEPERS)
    group = await _group(session, user, group_id)
    require_keeper(user, await class_in_school(session, user.school_id, group.class_id))
    return group


async def add_member(
    session: AsyncSession, user: User, group_id: uuid.UUID, data: MembershipCreate
) -> GroupMembership:
    """A student of the group's class joins it from `starts_on` (enrolled in the class
    that day)."""
    group = await _kept_group(session, user, group_id)
    student = await student_in_school(session, user.school_id, data.student_id, lock=True)
    enrolled = await session.scalar(
        select(Enrollment.id).where(
            Enrollment.student_id == student.id,
            Enrollment.class_id == group.class_id,
            enrollment_covers(data.starts_on),
        )
    )
    if enrolled is None:
        raise Problem(
            422,
            "student-not-in-class",
            "Not in the group's class",
            "The student is not enrolled in the group's class on that day.",
        )
    await refuse_closed_days(session, user.school_id, data.starts_on)
    membership = GroupMembership(
        id=uuid.uuid4(),
        school_id=user.school_id,
        group_id=group.id,
        student_id=student.id,
        starts_on=data.starts_on,
        version=1,
    )
    await add_unique(
        session,
        membership,
        Conflict("already-in-group", "The student is already a member of this group."),
    )
    await history.record(
        session,
        user,
        "group_membership",
        membership.id,
        student.id,
        {"group_id": (None, group.id), "starts_on": (None, data.starts_on)},
    )
    await add_event(
        session,
        GroupJoined(
            school_id=user.school_id,
            version=1,
            membership_id=membership.id,
            group_id=group.id,
            class_id=group.class_id,
            student_id=student.id,
            starts_on=data.starts_on,
        ),
    )
    return membership


async def end_member(
    session: AsyncSession, user: User, group_id: uuid.UUID, student_id: uuid.UUID, data: Leaving
) -> GroupMembership:
    group = await _kept_group(session, user, group_id)
    membership = await session.scalar(
        select(GroupMembership)
        .where(
            GroupMembership.group_id == group.id,
            GroupMembership.student_id == student_id,
            GroupMembership.ends_on.is_(None),
        )
        .with_for_update()
    )
    if membership is None:
        raise NotFound("group membership")
    if data.last_day < membership.starts_on:
        raise Problem(
            422,
            "invalid-enrollment-date",
            "Invalid enrollment date",
            "A membership cannot end before it began.",
        )
    await refuse_closed_days(session, user.school_id, data.last_day + dt.timedelta(days=1))
    membership.ends_on = data.last_day
    membership.version += 1
    await session.flush()
    await history.record(
        session,
        user,
        "group_membership",
        membership.id,
        student_id,
        {"ends_on": (None, data.last_day)},
    )
    await add_event(
        session,
        GroupLeft(
            school_id=user.school_id,
            version=membership.version,
            membership_id=membership.id,
            group_id=group.id,
            student_id=student_id,
            last_day=data.last_day,
        ),
    )
    return membership


async def group_list(
    session: AsyncSession, user: User, group_id: uuid.UUID, on: dt.date | None
) -> tuple[ClassGroup, list[Student], bool, dt.date]:
    """The group's members on a day (today by default)."""
    require_role(user, *KEEPERS)
    group = await _group(session, user, group_id)
    school_class = await _readable_class(session, user, group.class_id)
    day = on or await today(session, user.school_id)
    students = await session.scalars(
        select(Student)
        .where(Student.id.in_(group_students_on(group.id, group.class_id, day)))
        .order_by(Student.last_name, Student.first_name, Student.middle_name, Student.id)
    )
    return group, list(students), keeps(user, school_class), day
