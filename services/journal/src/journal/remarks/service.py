"""Writing and reading remarks.

Writers: any teacher of the student (the class teacher of their current class, or a
teacher with an assignment in it). Readers of a student's remarks: the student, their
parents, the administration, the class teacher (all of them), and a subject teacher
(their own). The class's remarks: the administration and the class teacher.
"""

import datetime as dt
import uuid

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from journal.access import ADMINISTRATION, TEACHING, require_role
from journal.remarks.models import Remark
from journal.remarks.schemas import RemarkCreate
from journal.roster.service import (
    class_in_school,
    current_class_id,
    keeps,
    leads,
    student_in_school,
    teaches_class,
)
from journal.school.models import Staff
from journal.yearend.close import refuse_closed_days
from shared.contracts.journal import RemarkWritten
from shared.errors import Forbidden, NotFound, Problem
from shared.outbox import add_event
from shared.security import User

RemarkRow = tuple[Remark, str]


async def write_remark(
    session: AsyncSession, user: User, student_id: uuid.UUID, data: RemarkCreate
) -> RemarkRow:
    require_role(user, *TEACHING)
    student = await student_in_school(session, user.school_id, student_id)
    class_id = await current_class_id(session, student.id)
    if class_id is None:
        raise Problem(
            409, "student-not-enrolled", "Not enrolled", "The student has left the school."
        )
    school_class = await class_in_school(session, user.school_id, class_id)
    if not leads(user, school_class) and not await teaches_class(session, user, class_id):
        raise Forbidden("Only the student's teachers write remarks about them.")
    await refuse_closed_days(session, user.school_id, data.date, data.date)
    remark = Remark(
        id=uuid.uuid4(),
        school_id=user.school_id,
        student_id=student.id,
        class_id=class_id,
        author_id=user.account_id,
        kind=data.kind,
        text=data.text,
        date=data.date,
    )
    session.add(remark)
    await session.flush()
    await session.refresh(remark, ["created_at"])
    await add_event(
        session,
        RemarkWritten(
            school_id=user.school_id,
            version=1,
            remark_id=remark.id,
            student_id=student.id,
            class_id=class_id,
            author_id=user.account_id,
            kind=remark.kind,
            on=remark.date,
        ),
    )
    author = await session.get(Staff, user.account_id)
    return remark, _name(author)


def _name(staff: Staff | None) -> str:
    if staff is None:
        return ""
    return " ".join(part for part in (staff.last_name, staff.first_name, staff.middle_name) if part)


def _with_authors() -> Select[Remark, Staff]:
    return select(Remark, Staff).join(Staff, Staff.account_id == Remark.author_id)


async def _rows(session: AsyncSession, query: Select[Remark, Staff]) -> list[RemarkRow]:
    result = await session.execute(
        query.order_by(Remark.date.desc(), Remark.created_at.desc(), Remark.id)
    )
    return [(remark, _name(staff)) for remark, staff in result]


def _in_range(
    query: Select[Remark, Staff], date_from: dt.date | None, date_to: dt.date | None
) -> Select[Remark, Staff]:
    if date_from is not None:
        query = query.where(Remark.date >= date_from)
    if date_to is not None:
        query = query.where(Remark.date <= date_to)
    return query


async def student_remarks(
    session: AsyncSession,
    user: User,
    student_id: uuid.UUID,
    date_from: dt.date | None,
    date_to: dt.date | None,
) -> list[RemarkRow]:
    require_role(user, *ADMINISTRATION, *TEACHING, "student", "parent")
    family = (user.has("student") and user.person_id == student_id) or (
        user.has("parent") and student_id in user.children
    )
    staff = user.has(*ADMINISTRATION, *TEACHING)
    if not family and not staff:
        raise NotFound("student")  # another child does not exist for a family
    student = await student_in_school(session, user.school_id, student_id)
    query = _in_range(_with_authors().where(Remark.student_id == student.id), date_from, date_to)
    if family or user.has(*ADMINISTRATION):
        return await _rows(session, query)
    class_id = await current_class_id(session, student.id)
    school_class = await class_in_school(session, user.school_id, class_id) if class_id else None
    if leads(user, school_class):
        return await _rows(session, query)
    if class_id is not None and await teaches_class(session, user, class_id):
        return await _rows(session, query.where(Remark.author_id == user.account_id))
    raise Forbidden("Only the student's teachers read remarks about them.")


async def class_remarks(
    session: AsyncSession,
    user: User,
    class_id: uuid.UUID,
    date_from: dt.date | None,
    date_to: dt.date | None,
) -> list[RemarkRow]:
    require_role(user, *ADMINISTRATION, *TEACHING)
    school_class = await class_in_school(session, user.school_id, class_id)
    if not keeps(user, school_class):
        raise Forbidden("Only the administration and the class teacher read the class's remarks.")
    return await _rows(
        session, _in_range(_with_authors().where(Remark.class_id == class_id), date_from, date_to)
    )
