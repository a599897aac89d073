"""Use cases of lessons: recording one (edits of its topic: journal.lessons.editing)."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from journal.access import TEACHING, require_role
from journal.calendar.closing import require_open
from journal.lessons.models import Lesson
from journal.lessons.schemas import LessonCreate
from journal.teaching.models import Assignment
from shared.errors import Forbidden, NotFound
from shared.security import User


def require_own_teaching(user: User, teacher_id: uuid.UUID) -> None:
    """403 unless the caller is the teacher of the assignment (`teacher_id`)."""
    # Same school, another teacher's work: 403, not 404. The timetable of one's own school
    # is no secret, so hiding the lesson protects nothing, and "not yours" tells the
    # teacher what went wrong. Other schools' lessons are 404 (they do not exist for you).
    if teacher_id != user.account_id:
        raise Forbidden("Only the teacher of this class and subject writes its lessons.")


async def create_lesson(
    session: AsyncSession, user: User, data: LessonCreate
) -> tuple[Lesson, Assignment]:
    """Record a lesson of the caller's own assignment."""
    require_role(user, *TEACHING)
    assignment = await session.get(Assignment, data.assignment_id)
    if assignment is None or assignment.school_id != user.school_id:
        raise NotFound("assignment")
    require_own_teaching(user, assignment.teacher_id)
    await require_open(session, user.school_id, assignment.class_id, data.date)
    lesson = Lesson(
        id=uuid.uuid4(),
        school_id=user.school_id,
        assignment_id=assignment.id,
        class_id=assignment.class_id,
        subject_id=assignment.subject_id,
        date=data.date,
        topic=data.topic or None,
        homework=data.homework or None,
        created_by=user.account_id,
    )
    session.add(lesson)
    await session.flush()
    return lesson, assignment
