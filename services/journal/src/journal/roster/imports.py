"""Importing a class list: all or nothing, and the same file twice changes nothing.

A row's student is the class's student with the same surname, name, patronymic and date
of birth (compared without case and with ё as е) enrolled in the class today; otherwise a
new student is enrolled from today. A row's parent is the student's linked guardian with
the same full name, or one made earlier from the same file (brothers and sisters share
one), otherwise a new guardian. The import adds and links; it never removes anyone nor
overwrites details already recorded (those change through PATCH, with history).
"""

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from journal.access import require_role
from journal.roster.enrolled import class_students_on
from journal.roster.importing import (
    BadRows,
    ParentRow,
    UnreadableFile,
    normalise,
    read_class_list,
    student_key,
)
from journal.roster.models import Guardian, Guardianship, SchoolClass, Student
from journal.roster.schemas import ImportSummary
from journal.roster.service import (
    KEEPERS,
    add_guardian,
    add_student,
    class_in_school,
    link,
    require_keeper,
    today,
)
from shared.errors import Problem
from shared.security import User


def _full_name(last_name: str, first_name: str, middle_name: str | None) -> str:
    return normalise(f"{last_name} {first_name} {middle_name or ''}")


async def class_to_import_into(
    session: AsyncSession, user: User, class_id: uuid.UUID
) -> SchoolClass:
    """The class, if the caller keeps its list (checked before the file is read)."""
    require_role(user, *KEEPERS)
    school_class = await class_in_school(session, user.school_id, class_id)
    require_keeper(user, school_class)
    return school_class


async def import_class_list(
    session: AsyncSession, user: User, school_class: SchoolClass, filename: str, content: bytes
) -> ImportSummary:
    class_id = school_class.id
    try:
        rows = read_class_list(filename, content)
    except UnreadableFile as exc:
        raise Problem(422, "unreadable-file", "Unreadable file", str(exc)) from None
    except BadRows as exc:
        raise Problem(
            422,
            "invalid-rows",
            "Invalid rows",
            "; ".join(f"line {bad.line}: {bad.reason}" for bad in exc.errors),
            errors=[{"line": bad.line, "reason": bad.reason} for bad in exc.errors],
        ) from None

    # Two imports into one class at once would both enroll a new student: one waits.
    await session.execute(
        select(SchoolClass.id).where(SchoolClass.id == class_id).with_for_update()
    )
    day = await today(session, user.school_id)
    students: dict[tuple[str, str, str, object], Student] = {
        student_key(s.last_name, s.first_name, s.middle_name, s.birth_date): s
        for s in await session.scalars(
            select(Student).where(Student.id.in_(class_students_on(class_id, day)))
        )
    }
    summary = ImportSummary(
        rows=len(rows),
        students_enrolled=0,
        students_matched=0,
        guardians_created=0,
        guardians_linked=0,
    )
    seen: set[uuid.UUID] = set()
    made_here: dict[tuple[str, str | None, str | None], Guardian] = {}
    for row in rows:
        student = students.get(row.key)
        if student is None:
            student, _ = await add_student(
                session,
                user,
                school_class,
                last_name=row.last_name,
                first_name=row.first_name,
                middle_name=row.middle_name,
                birth_date=row.birth_date,
                starts_on=day,
            )
            students[row.key] = student
            summary.students_enrolled += 1
        elif student.id not in seen:
            summary.students_matched += 1
        seen.add(student.id)
        if row.parent is not None:
            guardian = await _guardian_for(session, user, student.id, row.parent, made_here)
            if guardian is None:
                guardian = await add_guardian(
                    session,
                    user,
                    last_name=row.parent.last_name,
                    first_name=row.parent.first_name,
                    middle_name=row.parent.middle_name,
                    phone=row.parent.phone,
                    email=row.parent.email,
                    address=row.parent.address,
                )
                made_here[_parent_key(row.parent)] = guardian
                summary.guardians_created += 1
            if await link(session, user, guardian.id, student.id, row.parent.kind):
                summary.guardians_linked += 1
    return summary


def _parent_key(parent: ParentRow) -> tuple[str, str | None, str | None]:
    return (
        _full_name(parent.last_name, parent.first_name, parent.middle_name),
        parent.phone,
        parent.email,
    )


async def _guardian_for(
    session: AsyncSession,
    user: User,
    student_id: uuid.UUID,
    parent: ParentRow,
    made_here: dict[tuple[str, str | None, str | None], Guardian],
) -> Guardian | None:
    wanted = _full_name(parent.last_name, parent.first_name, parent.middle_name)
    linked = await session.scalars(
        select(Guardian)
        .join(Guardianship, Guardianship.guardian_id == Guardian.id)
        .where(
            Guardianship.student_id == student_id,
            Guardianship.unlinked_at.is_(None),
            Guardian.school_id == user.school_id,
        )
    )
    for guardian in linked:
        if _full_name(guardian.last_name, guardian.first_name, guardian.middle_name) == wanted:
            return guardian
    return made_here.get(_parent_key(parent))
