""" "Enrolled on a date": the students of a class or of a class group on a given day.

Later features take a lesson's students from here: those enrolled in its class (or, for a
group lesson, members of its group who are enrolled in the class) on the lesson's date.
Both ends of an enrollment or a membership are inclusive; an open end is NULL.
"""

import datetime as dt
import uuid

from sqlalchemy import ColumnElement, Select, and_, or_, select

from journal.roster.models import Enrollment, GroupMembership

# The same rule for raw SQL callers (asyncpg), with the enrollment aliased `enrollments`
# and the day as a `date` expression, e.g. ENROLLED_ON_SQL.format(day="lessons.date").
ENROLLED_ON_SQL = (
    "(enrollments.starts_on <= {day}"
    " AND (enrollments.ends_on IS NULL OR enrollments.ends_on >= {day}))"
)


def enrollment_covers(day: dt.date | ColumnElement[dt.date]) -> ColumnElement[bool]:
    return and_(
        Enrollment.starts_on <= day, or_(Enrollment.ends_on.is_(None), Enrollment.ends_on >= day)
    )


def membership_covers(day: dt.date | ColumnElement[dt.date]) -> ColumnElement[bool]:
    return and_(
        GroupMembership.starts_on <= day,
        or_(GroupMembership.ends_on.is_(None), GroupMembership.ends_on >= day),
    )


def class_students_on(class_id: uuid.UUID, day: dt.date) -> Select[uuid.UUID]:
    """Ids of the students enrolled in the class on `day`."""
    return select(Enrollment.student_id).where(
        Enrollment.class_id == class_id, enrollment_covers(day)
    )


def group_students_on(group_id: uuid.UUID, class_id: uuid.UUID, day: dt.date) -> Select[uuid.UUID]:
    """Ids of the group's members on `day` who are enrolled in its class that day too (a
    student transferred out keeps no group of the old class)."""
    return (
        select(GroupMembership.student_id)
        .join(Enrollment, Enrollment.student_id == GroupMembership.student_id)
        .where(
            GroupMembership.group_id == group_id,
            membership_covers(day),
            Enrollment.class_id == class_id,
            enrollment_covers(day),
        )
    )


def current_enrollment(student_id: uuid.UUID) -> Select[Enrollment]:
    """The student's current enrollment (none once they have left the school)."""
    return select(Enrollment).where(
        Enrollment.student_id == student_id, Enrollment.left_at.is_(None)
    )
