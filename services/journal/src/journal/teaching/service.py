"""Use cases of teaching: subjects and assignments of teachers to classes."""

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from journal.access import ADMINISTRATION, TEACHING, require_role
from journal.base import add_unique
from journal.roster.service import class_in_school, require_teaching_staff
from journal.teaching.models import Assignment, Subject
from journal.teaching.schemas import AssignmentCreate, SubjectCreate
from shared.contracts.journal import AssignmentMade
from shared.errors import Conflict, NotFound
from shared.outbox import add_event
from shared.security import User


async def subject_in_school(
    session: AsyncSession, school_id: uuid.UUID, subject_id: uuid.UUID
) -> Subject:
    subject = await session.get(Subject, subject_id)
    if subject is None or subject.school_id != school_id:
        raise NotFound("subject")
    return subject


async def create_subject(session: AsyncSession, user: User, data: SubjectCreate) -> Subject:
    require_role(user, *ADMINISTRATION)
    subject = Subject(id=uuid.uuid4(), school_id=user.school_id, name=data.name)
    await add_unique(
        session,
        subject,
        Conflict("subject-exists", f"The school already has a subject named {data.name}."),
    )
    return subject


async def make_assignment(
    session: AsyncSession, user: User, data: AssignmentCreate
) -> tuple[Assignment, Subject]:
    """Assign a teacher of the school to teach a subject in a class."""
    require_role(user, *ADMINISTRATION)
    school_class = await class_in_school(session, user.school_id, data.class_id)
    subject = await subject_in_school(session, user.school_id, data.subject_id)
    await require_teaching_staff(session, user.school_id, data.teacher_id)
    assignment = Assignment(
        id=uuid.uuid4(),
        school_id=user.school_id,
        teacher_id=data.teacher_id,
        class_id=school_class.id,
        subject_id=subject.id,
    )
    await add_unique(
        session,
        assignment,
        Conflict("assignment-exists", "This teacher already teaches this subject in this class."),
    )
    await add_event(
        session,
        AssignmentMade(
            school_id=user.school_id,
            version=1,
            assignment_id=assignment.id,
            teacher_id=assignment.teacher_id,
            class_id=assignment.class_id,
            subject_id=subject.id,
            subject_name=subject.name,
        ),
    )
    return assignment, subject


async def list_assignments(
    session: AsyncSession, user: User, class_id: uuid.UUID | None = None
) -> list[tuple[Assignment, Subject]]:
    """Teaching assignments of the school: a teacher sees their own, the administration all."""
    require_role(user, *ADMINISTRATION, *TEACHING)
    query = (
        select(Assignment, Subject)
        .join(Subject, Subject.id == Assignment.subject_id)
        .where(Assignment.school_id == user.school_id)
        .order_by(Subject.name, Assignment.id)
    )
    if not user.has(*ADMINISTRATION):
        query = query.where(Assignment.teacher_id == user.account_id)
    if class_id is not None:
        query = query.where(Assignment.class_id == class_id)
    return [(assignment, subject) for assignment, subject in (await session.execute(query)).all()]
