"""Routes of lessons."""

from fastapi import APIRouter, status

from journal.lessons import service
from journal.lessons.schemas import LessonCreate, LessonOut
from shared.openapi import problems
from shared.security import CurrentUser
from shared.web import Session

router = APIRouter(tags=["lessons"])


@router.post("/lessons", status_code=status.HTTP_201_CREATED, responses=problems(404, 409))
async def create_lesson(data: LessonCreate, session: Session, user: CurrentUser) -> LessonOut:
    """Record a lesson of one's own assignment, with its topic and homework (409
    `period-closed` on a day of a closed period)."""
    lesson, assignment = await service.create_lesson(session, user, data)
    return LessonOut(
        lesson_id=lesson.id,
        assignment_id=lesson.assignment_id,
        class_id=lesson.class_id,
        subject_id=lesson.subject_id,
        teacher_id=assignment.teacher_id,
        date=lesson.date,
        topic=lesson.topic,
        homework=lesson.homework,
    )
