"""Use cases of the roster: opening classes, enrolling students, linking guardians."""

import uuid

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from journal.access import ADMINISTRATION, TEACHING, require_role
from journal.base import add_unique
from journal.roster.models import Enrollment, Guardian, Guardianship, SchoolClass, Student
from journal.roster.schemas import ClassCreate, GuardianCreate, StudentCreate
from journal.school.service import staff_member
from journal.teaching.models import Assignment
from shared.contracts.journal import ClassOpened, GuardianLinked, StudentEnrolled
from shared.errors import Conflict, Forbidden, NotFound, Problem
from shared.outbox import add_event
from shared.security import User


async def class_in_school(
    session: AsyncSession, school_id: uuid.UUID, class_id: uuid.UUID
) -> SchoolClass:
    """The class if it belongs to this school; another school's class does not exist."""
    school_class = await session.get(SchoolClass, class_id)
    if school_class is None or school_class.school_id != school_id:
        raise NotFound("class")
    return school_class


async def require_teaching_staff(
    session: AsyncSession, school_id: uuid.UUID, account_id: uuid.UUID
) -> None:
    """The account must be a teacher of this school (404 if unknown, 422 if not a teacher)."""
    staff = await staff_member(session, school_id, account_id)
    if not staff.teaches():
        raise Problem(
            422,
            "not-a-teacher",
            "Not a teacher",
            "This staff member does not hold the teacher role.",
        )


async def open_class(session: AsyncSession, user: User, data: ClassCreate) -> SchoolClass:
    require_role(user, *ADMINISTRATION)
    if data.class_teacher_id is not None:
        await require_teaching_staff(session, user.school_id, data.class_teacher_id)
    school_class = SchoolClass(
        id=uuid.uuid4(),
        school_id=user.school_id,
        name=data.name,
        grade=data.grade,
        class_teacher_id=data.class_teacher_id,
    )
    await add_unique(
        session,
        school_class,
        Conflict("class-exists", f"The school already has a class named {data.name}."),
    )
    await add_event(
        session,
        ClassOpened(
            school_id=user.school_id,
            version=1,
            class_id=school_class.id,
            name=school_class.name,
            grade=school_class.grade,
            class_teacher_id=school_class.class_teacher_id,
        ),
    )
    return school_class


def _leads(user: User, school_class: SchoolClass) -> bool:
    return user.has(*TEACHING) and school_class.class_teacher_id == user.account_id


async def enroll_student(
    session: AsyncSession, user: User, data: StudentCreate
) -> tuple[Student, Enrollment]:
    """Add a student to a class list: the deputy, or the class teacher of that class."""
    require_role(user, "deputy", *TEACHING)
    school_class = await class_in_school(session, user.school_id, data.class_id)
    if not user.has("deputy") and not _leads(user, school_class):
        raise Forbidden("Only the deputy or this class's class teacher keeps its list.")
    student = Student(
        id=uuid.uuid4(),
        school_id=user.school_id,
        last_name=data.last_name,
        first_name=data.first_name,
        middle_name=data.middle_name,
        birth_date=data.birth_date,
    )
    enrollment = Enrollment(
        id=uuid.uuid4(), school_id=user.school_id, student_id=student.id, class_id=school_class.id
    )
    session.add(student)
    await session.flush()
    session.add(enrollment)
    await session.flush()
    await add_event(
        session,
        StudentEnrolled(
            school_id=user.school_id,
            version=1,
            student_id=student.id,
            class_id=school_class.id,
        ),
    )
    return student, enrollment


async def link_guardian(session: AsyncSession, user: User, data: GuardianCreate) -> Guardian:
    """Record a parent of one or more students: the deputy, or the class teacher of every
    one of those students' classes."""
    require_role(user, "deputy", *TEACHING)
    rows = (
        await session.execute(
            select(Student.id, SchoolClass.class_teacher_id)
            .outerjoin(
                Enrollment,
                (Enrollment.student_id == Student.id) & Enrollment.left_at.is_(None),
            )
            .outerjoin(SchoolClass, SchoolClass.id == Enrollment.class_id)
            .where(Student.id.in_(data.student_ids), Student.school_id == user.school_id)
        )
    ).all()
    if len(rows) != len(data.student_ids):
        raise NotFound("student")
    if not user.has("deputy") and not (
        user.has(*TEACHING) and all(row.class_teacher_id == user.account_id for row in rows)
    ):
        raise Forbidden("Only the deputy or the children's class teacher records guardians.")
    guardian = Guardian(
        id=uuid.uuid4(),
        school_id=user.school_id,
        last_name=data.last_name,
        first_name=data.first_name,
        middle_name=data.middle_name,
        phone=data.phone,
        email=data.email,
    )
    session.add(guardian)
    await session.flush()
    session.add_all(
        Guardianship(guardian_id=guardian.id, student_id=student_id, school_id=user.school_id)
        for student_id in data.student_ids
    )
    await session.flush()
    for student_id in data.student_ids:
        await add_event(
            session,
            GuardianLinked(
                school_id=user.school_id,
                version=1,
                guardian_id=guardian.id,
                student_id=student_id,
            ),
        )
    return guardian


async def class_list(
    session: AsyncSession, user: User, class_id: uuid.UUID
) -> tuple[list[Student], bool]:
    """The students of a class, and whether the caller may see their birth dates.

    Readers: administration, the class teacher, and teachers assigned to the class.
    """
    require_role(user, *ADMINISTRATION, *TEACHING)
    school_class = await class_in_school(session, user.school_id, class_id)
    keeps_roster = user.has(*ADMINISTRATION) or _leads(user, school_class)
    if not keeps_roster:
        teaches_class = await session.scalar(
            select(
                exists().where(
                    Assignment.class_id == class_id, Assignment.teacher_id == user.account_id
                )
            )
        )
        if not (user.has(*TEACHING) and teaches_class):
            raise Forbidden("Only the class's teachers and the administration read its list.")
    students = await session.scalars(
        select(Student)
        .join(Enrollment, Enrollment.student_id == Student.id)
        .where(Enrollment.class_id == class_id, Enrollment.left_at.is_(None))
        .order_by(Student.last_name, Student.first_name, Student.middle_name, Student.id)
    )
    return list(students), keeps_roster
