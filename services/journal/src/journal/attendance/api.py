"""Routes of attendance: one student's cell of one lesson (the single-cell endpoints)."""

import uuid

from fastapi import APIRouter
from fastapi.responses import Response

from journal.attendance import service
from journal.attendance.schemas import (
    AttendanceClear,
    AttendanceHistory,
    AttendanceOut,
    AttendanceSet,
)
from journal.corrections import based_on
from journal.marks.api import CORRECTION_ANSWERS, IdempotencyKeyHeader, IfMatchHeader, idempotent
from shared.openapi import problems
from shared.security import CurrentUser
from shared.web import Session

router = APIRouter(tags=["attendance"])

CELL = "/lessons/{lesson_id}/attendance/{student_id}"


@router.put(CELL, response_model=AttendanceOut, responses=CORRECTION_ANSWERS)
async def set_attendance(
    lesson_id: uuid.UUID,
    student_id: uuid.UUID,
    data: AttendanceSet,
    session: Session,
    user: CurrentUser,
    if_match: IfMatchHeader = None,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Response:
    """Mark a student Н (absent), Б (ill), П (valid reason) or ОП (late) on a lesson, or
    change the code (with a reason), based on the cell's version (0 for a new cell; a
    stale one answers 409 with the current cell). The lesson's teacher until it locks,
    the deputy at any time."""
    version = based_on(if_match, data.version)
    on = await service.cell(session, user, lesson_id, student_id)
    return await idempotent(
        session,
        user,
        idempotency_key,
        f"PUT /lessons/{lesson_id}/attendance/{student_id}",
        {**data.model_dump(mode="json"), "version": version},
        lambda: service.set_attendance(session, user, on, data.code, data.reason, version),
    )


@router.delete(CELL, response_model=AttendanceOut, responses=CORRECTION_ANSWERS)
async def clear_attendance(
    lesson_id: uuid.UUID,
    student_id: uuid.UUID,
    data: AttendanceClear,
    session: Session,
    user: CurrentUser,
    if_match: IfMatchHeader = None,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Response:
    """Clear a student's code on a lesson (present after all), with a reason (a JSON
    body), based on the cell's version; the same rules as a change."""
    version = based_on(if_match, data.version)
    on = await service.cell(session, user, lesson_id, student_id)
    return await idempotent(
        session,
        user,
        idempotency_key,
        f"DELETE /lessons/{lesson_id}/attendance/{student_id}",
        {**data.model_dump(mode="json"), "version": version},
        lambda: service.clear_attendance(session, user, on, data.reason, version),
    )


@router.get(f"{CELL}/history", response_model=AttendanceHistory, responses=problems(404))
async def attendance_history(
    lesson_id: uuid.UUID, student_id: uuid.UUID, session: Session, user: CurrentUser
) -> AttendanceHistory:
    """Every version of a cell with who, when, old and new code and why (deputy, director)."""
    return await service.attendance_history(session, user, lesson_id, student_id)
