"""Routes of subjects and teaching assignments."""

from fastapi import APIRouter, status

from journal.teaching import service
from journal.teaching.schemas import AssignmentCreate, AssignmentOut, SubjectCreate, SubjectOut
from shared.security import CurrentUser
from shared.web import Session

router = APIRouter(tags=["teaching"])


@router.post("/subjects", status_code=status.HTTP_201_CREATED)
async def create_subject(data: SubjectCreate, session: Session, user: CurrentUser) -> SubjectOut:
    """Add a subject to the school's list (deputy or director)."""
    subject = await service.create_subject(session, user, data)
    return SubjectOut(subject_id=subject.id, name=subject.name)


@router.post("/assignments", status_code=status.HTTP_201_CREATED)
async def make_assignment(
    data: AssignmentCreate, session: Session, user: CurrentUser
) -> AssignmentOut:
    """Assign a teacher to teach a subject in a class (deputy or director)."""
    assignment, subject = await service.make_assignment(session, user, data)
    return AssignmentOut(
        assignment_id=assignment.id,
        teacher_id=assignment.teacher_id,
        class_id=assignment.class_id,
        subject_id=assignment.subject_id,
        subject_name=subject.name,
    )
