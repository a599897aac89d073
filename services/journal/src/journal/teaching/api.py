"""Routes of subjects and teaching assignments."""

import uuid

from fastapi import APIRouter, status

from journal.teaching import service
from journal.teaching.models import Assignment, Subject
from journal.teaching.schemas import (
    AssignmentCreate,
    AssignmentList,
    AssignmentOut,
    SubjectCreate,
    SubjectOut,
)
from shared.openapi import problems
from shared.security import CurrentUser
from shared.web import Session

router = APIRouter(tags=["teaching"])


@router.post("/subjects", status_code=status.HTTP_201_CREATED, responses=problems(409))
async def create_subject(data: SubjectCreate, session: Session, user: CurrentUser) -> SubjectOut:
    """Add a subject to the school's list (deputy or director)."""
    subject = await service.create_subject(session, user, data)
    return SubjectOut(subject_id=subject.id, name=subject.name)


@router.post("/assignments", status_code=status.HTTP_201_CREATED, responses=problems(404, 409))
async def make_assignment(
    data: AssignmentCreate, session: Session, user: CurrentUser
) -> AssignmentOut:
    """Assign a teacher to teach a subject in a class (deputy or director)."""
    assignment, subject = await service.make_assignment(session, user, data)
    return assignment_out(assignment, subject)


@router.get("/assignments")
async def list_assignments(
    session: Session, user: CurrentUser, class_id: uuid.UUID | None = None
) -> AssignmentList:
    """Teaching assignments: a teacher's own, or the whole school's for the administration;
    optionally of one class."""
    rows = await service.list_assignments(session, user, class_id)
    return AssignmentList(items=[assignment_out(a, s) for a, s in rows])


def assignment_out(assignment: Assignment, subject: Subject) -> AssignmentOut:
    return AssignmentOut(
        assignment_id=assignment.id,
        teacher_id=assignment.teacher_id,
        class_id=assignment.class_id,
        subject_id=assignment.subject_id,
        subject_name=subject.name,
    )
