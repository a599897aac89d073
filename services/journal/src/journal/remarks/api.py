"""Routes of remarks: written by a student's teachers, read by the family and the class
teacher."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from journal.remarks import service
from journal.remarks.models import Remark
from journal.remarks.schemas import RemarkCreate, RemarkList, RemarkOut
from shared.inputs import Day
from shared.openapi import problems
from shared.security import CurrentUser
from shared.web import Session

router = APIRouter(tags=["remarks"])


def _out(remark: Remark, author_name: str) -> RemarkOut:
    return RemarkOut(
        remark_id=remark.id,
        student_id=remark.student_id,
        class_id=remark.class_id,
        author_id=remark.author_id,
        author_name=author_name,
        kind=remark.kind,
        text=remark.text,
        date=remark.date,
        created_at=remark.created_at,
    )


@router.post(
    "/students/{student_id}/remarks",
    status_code=status.HTTP_201_CREATED,
    responses=problems(404, 409),
)
async def write_remark(
    student_id: uuid.UUID, data: RemarkCreate, session: Session, user: CurrentUser
) -> RemarkOut:
    """Write a remark (замечание) or praise (благодарность) about a student: any teacher
    of the student's class."""
    return _out(*await service.write_remark(session, user, student_id, data))


@router.get("/students/{student_id}/remarks", responses=problems(404))
async def student_remarks(
    student_id: uuid.UUID,
    session: Session,
    user: CurrentUser,
    date_from: Annotated[Day | None, Query(alias="from")] = None,
    date_to: Annotated[Day | None, Query(alias="to")] = None,
) -> RemarkList:
    """A student's remarks, newest first: the student, their parents, the administration
    and the class teacher see all; a subject teacher their own."""
    rows = await service.student_remarks(session, user, student_id, date_from, date_to)
    return RemarkList(items=[_out(*row) for row in rows])


@router.get("/classes/{class_id}/remarks", responses=problems(404))
async def class_remarks(
    class_id: uuid.UUID,
    session: Session,
    user: CurrentUser,
    date_from: Annotated[Day | None, Query(alias="from")] = None,
    date_to: Annotated[Day | None, Query(alias="to")] = None,
) -> RemarkList:
    """All remarks of a class, newest first (the administration and the class teacher)."""
    rows = await service.class_remarks(session, user, class_id, date_from, date_to)
    return RemarkList(items=[_out(*row) for row in rows])
