"""Routes of lessons: recording, editing the topic, and the administration's changes."""

import uuid

from fastapi import APIRouter, status
from fastapi.responses import Response

from journal.corrections import based_on
from journal.lessons import changes, editing, service
from journal.lessons.schemas import (
    LessonCancel,
    LessonCreate,
    LessonEdit,
    LessonEdited,
    LessonHistory,
    LessonMove,
    LessonOut,
    LessonSubstitution,
)
from journal.marks.api import CORRECTION_ANSWERS, IdempotencyKeyHeader, IfMatchHeader, idempotent
from shared.openapi import problems
from shared.security import CurrentUser
from shared.web import Session

router = APIRouter(tags=["lessons"])

CHANGE_ANSWERS = problems(400, 404, 409, 428)


@router.post("/lessons", status_code=status.HTTP_201_CREATED, responses=problems(404, 409))
async def create_lesson(data: LessonCreate, session: Session, user: CurrentUser) -> LessonOut:
    """Record a lesson of one's own assignment on a school day, with its topic and
    homework (a lesson number, if given, must be free for the class and the teacher; 409
    `period-closed` on a day of a closed period)."""
    return (await service.create_lesson(session, user, data)).out()


@router.patch("/lessons/{lesson_id}", response_model=LessonEdited, responses=CORRECTION_ANSWERS)
async def edit_lesson(
    lesson_id: uuid.UUID,
    data: LessonEdit,
    session: Session,
    user: CurrentUser,
    if_match: IfMatchHeader = None,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Response:
    """Set or clear a lesson's topic and its item of the assignment's thematic plan,
    based on the lesson's version (`If-Match` or `version`; a stale one answers 409 with
    the lesson as it is). The lesson's teacher until it locks, the deputy at any time;
    nobody once its period is closed."""
    version = based_on(if_match, data.version)
    lesson = await editing.editing(session, user, lesson_id)
    topic = data.topic if "topic" in data.model_fields_set else lesson.topic
    item = data.plan_item_id if "plan_item_id" in data.model_fields_set else lesson.plan_item_id
    owners = await editing.plan_items_of(session, user, [item] if item is not None else [])

    async def write() -> bytes:
        _, body = await editing.set_topic(
            session, user, lesson, topic, item, owners.get(item) if item else None, version
        )
        return body

    return await idempotent(
        session,
        user,
        idempotency_key,
        f"PATCH /lessons/{lesson_id}",
        {**data.model_dump(mode="json", exclude_unset=True), "version": version},
        write,
    )


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
    """Every version of a lesson (deputy, director): created, moved, cancelled, substituted."""
    return await changes.lesson_history(session, user, lesson_id)
