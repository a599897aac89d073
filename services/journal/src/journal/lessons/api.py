"""Routes of lessons: recording, filling, and the administration's changes."""

import uuid

from fastapi import APIRouter, status

from journal.corrections import based_on
from journal.lessons import changes, service
from journal.lessons.schemas import (
    LessonCancel,
    LessonCreate,
    LessonFill,
    LessonHistory,
    LessonMove,
    LessonOut,
    LessonSubstitution,
)
from journal.marks.api import IfMatchHeader
from shared.openapi import problems
from shared.security import CurrentUser
from shared.web import Session

router = APIRouter(tags=["lessons"])

CHANGE_ANSWERS = problems(400, 404, 409, 428)


@router.post("/lessons", status_code=status.HTTP_201_CREATED, responses=problems(404, 409))
async def create_lesson(data: LessonCreate, session: Session, user: CurrentUser) -> LessonOut:
    """Record a lesson of one's own assignment on a school day, with its topic and
    homework (a lesson number, if given, must be free for the class and the teacher)."""
    return (await service.create_lesson(session, user, data)).out()


@router.patch("/lessons/{lesson_id}", responses=CHANGE_ANSWERS)
async def fill_lesson(
    lesson_id: uuid.UUID,
    data: LessonFill,
    session: Session,
    user: CurrentUser,
    if_match: IfMatchHeader = None,
) -> LessonOut:
    """Record or change a lesson's topic or homework, based on its version: the lesson's
    teacher (its substitute while it has one)."""
    version = based_on(if_match, data.version)
    return (await service.fill_lesson(session, user, lesson_id, data, version)).out()


@router.post("/lessons/{lesson_id}/cancel", responses=CHANGE_ANSWERS)
async def cancel_lesson(
    lesson_id: uuid.UUID,
    data: LessonCancel,
    session: Session,
    user: CurrentUser,
    if_match: IfMatchHeader = None,
) -> LessonOut:
    """Cancel a lesson with a reason (deputy, director); it stays, shown as cancelled."""
    version = based_on(if_match, data.version)
    return (await changes.cancel_lesson(session, user, lesson_id, data, version)).out()


@router.post("/lessons/{lesson_id}/move", responses=CHANGE_ANSWERS)
async def move_lesson(
    lesson_id: uuid.UUID,
    data: LessonMove,
    session: Session,
    user: CurrentUser,
    if_match: IfMatchHeader = None,
) -> LessonOut:
    """Move a lesson to another school day and/or lesson number (deputy, director)."""
    version = based_on(if_match, data.version)
    return (await changes.move_lesson(session, user, lesson_id, data, version)).out()


@router.put("/lessons/{lesson_id}/substitute", responses=CHANGE_ANSWERS)
async def substitute_lesson(
    lesson_id: uuid.UUID,
    data: LessonSubstitution,
    session: Session,
    user: CurrentUser,
    if_match: IfMatchHeader = None,
) -> LessonOut:
    """Give a lesson to a substitute teacher, or back (`teacher_id` null) (deputy,
    director). The substitute then fills it: topic, marks, attendance."""
    version = based_on(if_match, data.version)
    return (await changes.substitute_lesson(session, user, lesson_id, data, version)).out()


@router.get("/lessons/{lesson_id}/history", responses=problems(404))
async def lesson_history(
    lesson_id: uuid.UUID, session: Session, user: CurrentUser
) -> LessonHistory:
    """Every version of a lesson: created, filled, moved, cancelled, substituted."""
    return await changes.lesson_history(session, user, lesson_id)
