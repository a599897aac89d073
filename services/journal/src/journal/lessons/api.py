"""Routes of lessons."""

import uuid

from fastapi import APIRouter, status
from fastapi.responses import Response

from journal.corrections import based_on
from journal.lessons import editing, service
from journal.lessons.schemas import LessonCreate, LessonEdit, LessonEdited, LessonOut
from journal.marks.api import CORRECTION_ANSWERS, IdempotencyKeyHeader, IfMatchHeader, idempotent
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
