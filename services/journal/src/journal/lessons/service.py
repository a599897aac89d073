"""Use cases of lessons."""

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from journal.access import TEACHING, require_role
from journal.lessons.models import Lesson
from journal.lessons.schemas import LessonCreate
from journal.teaching.models import Assignment, Subject
from shared.errors import Forbidden, NotFound
from shared.security import User


@dataclass(frozen=True)
class LessonContext:
    """A lesson with what the rules about it need: its assignment and subject."""

    lesson: Lesson
    assignment: Assignment
    subject: Subject


def _require_own_assignment(user: User, assignment: Assignment) -> None:
    # Same school, another teacher's work: 403, not 404. The timetable of one's own school
    # is no secret, so hiding the lesson protects nothing, and "not yours" tells the
    # teacher what went wrong. Other schools' lessons are 404 (they do not exist for you).
    if assignment.teacher_id != user.account_id:
        raise Forbidden("Only the teacher of this class and subject writes its lessons.")


async def create_lesson(
    session: AsyncSession, user: User, data: LessonCreate
) -> tuple[Lesson, Assignment]:
    """Record a lesson of the caller's own assignment."""
    require_role(user, *TEACHING)
    assignment = await session.get(Assignment, data.assignment_id)
    if assignment is None or assignment.school_id != user.school_id:
        raise NotFound("assignment")
    _require_own_assignment(user, assignment)
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


async def own_lesson(session: AsyncSession, user: User, lesson_id: uuid.UUID) -> LessonContext:
    """A lesson the caller teaches (403 for a colleague's lesson, 404 across schools)."""
    require_role(user, *TEACHING)
    row = (
        await session.execute(
            select(Lesson, Assignment, Subject)
            .join(Assignment, Assignment.id == Lesson.assignment_id)
            .join(Subject, Subject.id == Lesson.subject_id)
            .where(Lesson.id == lesson_id, Lesson.school_id == user.school_id)
        )
    ).one_or_none()
    if row is None:
        raise NotFound("lesson")
    context = LessonContext(lesson=row[0], assignment=row[1], subject=row[2])
    _require_own_assignment(user, context.assignment)
    return context
