"""Use cases of the roster: classes, students and their details, guardians and links.

Who may (DESIGN.md §2): the director and the deputy keep every class's list and records;
a class teacher keeps their own class's; a subject teacher reads the lists of the classes
they teach; students and parents have nothing here.
"""

import datetime as dt
import uuid

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from journal.access import ADMINISTRATION, TEACHING, require_role
from journal.base import add_unique
from journal.calendar.service import school_today
from journal.roster import history
from journal.roster.enrolled import class_students_on, current_enrollment, enrollment_covers
from journal.roster.models import (
    Enrollment,
    Guardian,
    Guardianship,
    RosterChange,
    SchoolClass,
    Student,
)
from journal.roster.schemas import (
    ClassCreate,
    GuardianCreate,
    GuardianUpdate,
    StudentCreate,
    StudentUpdate,
)
from journal.school.service import staff_member
from journal.teaching.models import Assignment
from journal.yearend.close import refuse_closed_days
from shared.contracts.journal import (
    ClassOpened,
    GuardianLinked,
    GuardianUnlinked,
    StudentEnrolled,
    StudentEnrolledV2,
)
from shared.errors import Conflict, Forbidden, NotFound, Problem
from shared.outbox import add_event
from shared.security import User

KEEPERS = (*ADMINISTRATION, *TEACHING)


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


async def today(session: AsyncSession, school_id: uuid.UUID) -> dt.date:
    """Today in the school's time zone."""
    return await school_today(session, school_id)


def leads(user: User, school_class: SchoolClass | None) -> bool:
    return (
        school_class is not None
        and user.has(*TEACHING)
        and school_class.class_teacher_id == user.account_id
    )


def keeps(user: User, school_class: SchoolClass | None) -> bool:
    """Whether the caller keeps this class's list and records."""
    return user.has(*ADMINISTRATION) or leads(user, school_class)


def require_keeper(user: User, school_class: SchoolClass | None) -> None:
    if not keeps(user, school_class):
        raise Forbidden("Only the administration or this class's class teacher keeps its list.")


async def teaches_class(session: AsyncSession, user: User, class_id: uuid.UUID) -> bool:
    if not user.has(*TEACHING):
        return False
    return bool(
        await session.scalar(
            select(
                exists().where(
                    Assignment.class_id == class_id, Assignment.teacher_id == user.account_id
                )
            )
        )
    )


async def school_classes(
    session: AsyncSession, user: User, *, led_by_me: bool
) -> list[tuple[SchoolClass, int]]:
    """The school's classes by grade and name, each with how many students it has today;
    for staff. `led_by_me`: only those whose class teacher the caller is."""
    require_role(user, *ADMINISTRATION, *TEACHING)
    today = await school_today(session, user.school_id)
    students = (
        select(func.count())
        .where(Enrollment.class_id == SchoolClass.id, enrollment_covers(today))
        .scalar_subquery()
    )
    query = (
        select(SchoolClass, students)
        .where(SchoolClass.school_id == user.school_id)
        .order_by(SchoolClass.grade, SchoolClass.name)
    )
    if led_by_me:
        query = query.where(SchoolClass.class_teacher_id == user.account_id)
    return [(school_class, count) for school_class, count in await session.execute(query)]


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


async def start_enrollment(
    session: AsyncSession,
    user: User,
    student: Student,
    school_class: SchoolClass,
    starts_on: dt.date,
) -> Enrollment:
    """Open the student's enrollment in a class (the caller has closed any current one and
    raised the student's version) and publish it, old and new contract side by side."""
    await refuse_closed_days(session, user.school_id, starts_on)
    enrollment = Enrollment(
        id=uuid.uuid4(),
        school_id=user.school_id,
        student_id=student.id,
        class_id=school_class.id,
        starts_on=starts_on,
    )
    session.add(enrollment)
    await session.flush()
    await history.record(
        session,
        user,
        "enrollment",
        enrollment.id,
        student.id,
        {"class_id": (None, school_class.id), "starts_on": (None, starts_on)},
    )
    await add_event(
        session,
        StudentEnrolled(
            school_id=user.school_id,
            version=student.version,
            student_id=student.id,
            class_id=school_class.id,
        ),
    )
    await add_event(
        session,
        StudentEnrolledV2(
            school_id=user.school_id,
            version=student.version,
            student_id=student.id,
            class_id=school_class.id,
            enrollment_id=enrollment.id,
            starts_on=starts_on,
        ),
    )
    return enrollment


async def enroll_student(
    session: AsyncSession, user: User, data: StudentCreate
) -> tuple[Student, Enrollment]:
    """Add a new student to a class list."""
    require_role(user, *KEEPERS)
    school_class = await class_in_school(session, user.school_id, data.class_id)
    require_keeper(user, school_class)
    return await add_student(
        session,
        user,
        school_class,
        last_name=data.last_name,
        first_name=data.first_name,
        middle_name=data.middle_name,
        birth_date=data.birth_date,
        starts_on=data.starts_on or await today(session, user.school_id),
    )


async def add_student(
    session: AsyncSession,
    user: User,
    school_class: SchoolClass,
    *,
    last_name: str,
    first_name: str,
    middle_name: str | None,
    birth_date: dt.date,
    starts_on: dt.date,
) -> tuple[Student, Enrollment]:
    student = Student(
        id=uuid.uuid4(),
        school_id=user.school_id,
        last_name=last_name,
        first_name=first_name,
        middle_name=middle_name,
        birth_date=birth_date,
        version=1,
    )
    session.add(student)
    await session.flush()
    enrollment = await start_enrollment(session, user, student, school_class, starts_on)
    return student, enrollment


async def student_in_school(
    session: AsyncSession, school_id: uuid.UUID, student_id: uuid.UUID, *, lock: bool = False
) -> Student:
    query = select(Student).where(Student.id == student_id, Student.school_id == school_id)
    student = await session.scalar(query.with_for_update() if lock else query)
    if student is None:
        raise NotFound("student")
    return student


async def class_of(session: AsyncSession, student_id: uuid.UUID) -> SchoolClass | None:
    """The class that keeps the student's records: the current one, or the last one once
    the student has left."""
    return await session.scalar(
        select(SchoolClass)
        .join(Enrollment, Enrollment.class_id == SchoolClass.id)
        .where(Enrollment.student_id == student_id)
        .order_by(Enrollment.left_at.desc().nulls_first(), Enrollment.starts_on.desc())
        .limit(1)
    )


async def kept_student(
    session: AsyncSession, user: User, student_id: uuid.UUID, *, lock: bool = False
) -> Student:
    """The student, if the caller keeps their records (403 otherwise, 404 elsewhere)."""
    require_role(user, *KEEPERS)
    student = await student_in_school(session, user.school_id, student_id, lock=lock)
    require_keeper(user, await class_of(session, student.id))
    return student


async def update_student(
    session: AsyncSession, user: User, student_id: uuid.UUID, data: StudentUpdate
) -> Student:
    student = await kept_student(session, user, student_id, lock=True)
    given = data.model_dump(exclude_unset=True)
    for required in ("last_name", "first_name", "birth_date"):
        if required in given and given[required] is None:
            raise Problem(422, "invalid-student", "Invalid student", f"`{required}` is required.")
    changes = {field: (getattr(student, field), value) for field, value in given.items()}
    changes = {field: (old, new) for field, (old, new) in changes.items() if old != new}
    if changes:
        await history.record(session, user, "student", student.id, student.id, changes)
        for field, (_, new) in changes.items():
            setattr(student, field, new)
        student.version += 1
        await session.flush()
    return student


async def student_card(
    session: AsyncSession, user: User, student_id: uuid.UUID
) -> tuple[Student, list[tuple[Enrollment, str]], list[tuple[Guardianship, Guardian]]]:
    student = await kept_student(session, user, student_id)
    enrollments = (
        await session.execute(
            select(Enrollment, SchoolClass.name)
            .join(SchoolClass, SchoolClass.id == Enrollment.class_id)
            .where(Enrollment.student_id == student.id)
            .order_by(Enrollment.starts_on, Enrollment.enrolled_at)
        )
    ).all()
    guardians = (
        await session.execute(
            select(Guardianship, Guardian)
            .join(Guardian, Guardian.id == Guardianship.guardian_id)
            .where(Guardianship.student_id == student.id, Guardianship.unlinked_at.is_(None))
            .order_by(Guardian.last_name, Guardian.first_name, Guardian.id)
        )
    ).all()
    return (
        student,
        [(row[0], row[1]) for row in enrollments],
        [(row[0], row[1]) for row in guardians],
    )


async def student_history(
    session: AsyncSession, user: User, student_id: uuid.UUID
) -> list[RosterChange]:
    """Every change of the student's records, their enrollments, groups and links."""
    student = await kept_student(session, user, student_id)
    changes = await session.scalars(
        select(RosterChange)
        .where(RosterChange.student_id == student.id)
        .order_by(RosterChange.changed_at, RosterChange.seq)
    )
    return list(changes)


async def class_list(
    session: AsyncSession, user: User, class_id: uuid.UUID, on: dt.date | None
) -> tuple[list[Student], bool, dt.date]:
    """The students enrolled in a class on a day (today by default), and whether the
    caller may see their birth dates (those who keep the roster may)."""
    require_role(user, *KEEPERS)
    school_class = await class_in_school(session, user.school_id, class_id)
    keeps_roster = keeps(user, school_class)
    if not keeps_roster and not await teaches_class(session, user, class_id):
        raise Forbidden("Only the class's teachers and the administration read its list.")
    day = on or await today(session, user.school_id)
    students = await session.scalars(
        select(Student)
        .where(Student.id.in_(class_students_on(class_id, day)))
        .order_by(Student.last_name, Student.first_name, Student.middle_name, Student.id)
    )
    return list(students), keeps_roster, day


async def _students_classes(
    session: AsyncSession, user: User, student_ids: list[uuid.UUID]
) -> list[SchoolClass | None]:
    found = set(
        await session.scalars(
            select(Student.id).where(
                Student.id.in_(student_ids), Student.school_id == user.school_id
            )
        )
    )
    if len(found) != len(student_ids):
        raise NotFound("student")
    return [await class_of(session, student_id) for student_id in student_ids]


async def link_guardian(session: AsyncSession, user: User, data: GuardianCreate) -> Guardian:
    """Record a parent of one or more students: the administration, or the class teacher
    of every one of those students' classes."""
    require_role(user, *KEEPERS)
    classes = await _students_classes(session, user, data.student_ids)
    if not all(keeps(user, school_class) for school_class in classes):
        raise Forbidden(
            "Only the administration or the children's class teacher records guardians."
        )
    guardian = await add_guardian(
        session,
        user,
        last_name=data.last_name,
        first_name=data.first_name,
        middle_name=data.middle_name,
        phone=data.phone,
        email=data.email,
        address=data.address,
    )
    for student_id in data.student_ids:
        await link(session, user, guardian.id, student_id, data.kind)
    return guardian


async def add_guardian(
    session: AsyncSession,
    user: User,
    *,
    last_name: str,
    first_name: str,
    middle_name: str | None,
    phone: str | None,
    email: str | None,
    address: str | None,
) -> Guardian:
    guardian = Guardian(
        id=uuid.uuid4(),
        school_id=user.school_id,
        last_name=last_name,
        first_name=first_name,
        middle_name=middle_name,
        phone=phone,
        email=email,
        address=address,
    )
    session.add(guardian)
    await session.flush()
    return guardian


async def link(
    session: AsyncSession,
    user: User,
    guardian_id: uuid.UUID,
    student_id: uuid.UUID,
    kind: str,
) -> bool:
    """Link (or relink, or change the kind of) a guardian to a student; False when it
    was already exactly so. Callers have checked who may."""
    existing = await session.scalar(
        select(Guardianship)
        .where(Guardianship.guardian_id == guardian_id, Guardianship.student_id == student_id)
        .with_for_update()
    )
    if existing is None:
        existing = Guardianship(
            guardian_id=guardian_id,
            student_id=student_id,
            school_id=user.school_id,
            kind=kind,
            version=1,
        )
        session.add(existing)
        changes: dict[str, tuple[str | None, str | None]] = {
            "linked": (None, "yes"),
            "kind": (None, kind),
        }
    elif existing.unlinked_at is None and existing.kind == kind:
        return False
    else:
        changes = {"kind": (existing.kind, kind)}
        if existing.unlinked_at is not None:
            changes["linked"] = ("no", "yes")
        existing.kind = kind
        existing.unlinked_at = None
        existing.version += 1
    await session.flush()
    await history.record(session, user, "guardianship", guardian_id, student_id, changes)
    await add_event(
        session,
        GuardianLinked(
            school_id=user.school_id,
            version=existing.version,
            guardian_id=guardian_id,
            student_id=student_id,
        ),
    )
    return True


async def kept_guardian(
    session: AsyncSession, user: User, guardian_id: uuid.UUID, *, lock: bool = False
) -> Guardian:
    """The guardian, if the caller keeps the records of every child linked to them."""
    require_role(user, *KEEPERS)
    query = select(Guardian).where(Guardian.id == guardian_id, Guardian.school_id == user.school_id)
    guardian = await session.scalar(query.with_for_update() if lock else query)
    if guardian is None:
        raise NotFound("guardian")
    if not user.has(*ADMINISTRATION):
        children = list(
            await session.scalars(
                select(Guardianship.student_id).where(
                    Guardianship.guardian_id == guardian.id, Guardianship.unlinked_at.is_(None)
                )
            )
        )
        classes = [await class_of(session, child) for child in children]
        if not classes or not all(leads(user, school_class) for school_class in classes):
            raise Forbidden("Only the administration or the children's class teacher does this.")
    return guardian


async def guardian_children(session: AsyncSession, guardian_id: uuid.UUID) -> list[uuid.UUID]:
    return list(
        await session.scalars(
            select(Guardianship.student_id)
            .where(Guardianship.guardian_id == guardian_id, Guardianship.unlinked_at.is_(None))
            .order_by(Guardianship.created_at, Guardianship.student_id)
        )
    )


async def update_guardian(
    session: AsyncSession, user: User, guardian_id: uuid.UUID, data: GuardianUpdate
) -> Guardian:
    guardian = await kept_guardian(session, user, guardian_id, lock=True)
    given = data.model_dump(exclude_unset=True)
    for required in ("last_name", "first_name"):
        if required in given and given[required] is None:
            raise Problem(422, "invalid-guardian", "Invalid guardian", f"`{required}` is required.")
    changes = {
        field: (getattr(guardian, field), value)
        for field, value in given.items()
        if getattr(guardian, field) != value
    }
    if changes:
        # The history is read per student: one copy for each child it concerns.
        children: list[uuid.UUID | None] = [*await guardian_children(session, guardian.id)]
        for child in children or [None]:
            await history.record(session, user, "guardian", guardian.id, child, changes)
        for field, (_, new) in changes.items():
            setattr(guardian, field, new)
        await session.flush()
    return guardian


async def link_child(
    session: AsyncSession, user: User, guardian_id: uuid.UUID, student_id: uuid.UUID, kind: str
) -> bool:
    """Link an existing guardian to a student: the caller keeps the student's records."""
    require_role(user, *KEEPERS)
    guardian = await session.scalar(
        select(Guardian).where(Guardian.id == guardian_id, Guardian.school_id == user.school_id)
    )
    if guardian is None:
        raise NotFound("guardian")
    await kept_student(session, user, student_id)
    return await link(session, user, guardian_id, student_id, kind)


async def unlink_child(
    session: AsyncSession, user: User, guardian_id: uuid.UUID, student_id: uuid.UUID
) -> None:
    await kept_student(session, user, student_id)
    existing = await session.scalar(
        select(Guardianship)
        .where(
            Guardianship.guardian_id == guardian_id,
            Guardianship.student_id == student_id,
            Guardianship.school_id == user.school_id,
            Guardianship.unlinked_at.is_(None),
        )
        .with_for_update()
    )
    if existing is None:
        raise NotFound("guardianship")
    existing.unlinked_at = dt.datetime.now(dt.UTC)
    existing.version += 1
    await session.flush()
    await history.record(
        session, user, "guardianship", guardian_id, student_id, {"linked": ("yes", "no")}
    )
    await add_event(
        session,
        GuardianUnlinked(
            school_id=user.school_id,
            version=existing.version,
            guardian_id=guardian_id,
            student_id=student_id,
        ),
    )


async def current_class_id(session: AsyncSession, student_id: uuid.UUID) -> uuid.UUID | None:
    enrollment = await session.scalar(current_enrollment(student_id))
    return enrollment.class_id if enrollment else None
