"""A student's report card for a period: per subject the marks, the weighted average, the
suggested and the final mark, and the absences. For the student, their parents, the class
teacher of their class and the administration; anyone else's child answers 404."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from reporting.access import SCHOOL_READERS
from reporting.formats.documents import FILE_RESPONSES, FileFormat, as_format
from reporting.projections.tables import AttendanceRow, ClassRow, FinalMarkRow, MarkRow
from reporting.reports.context import (
    find_period,
    grading_of,
    marks_between,
    spells_of_student,
    subject_names,
)
from reporting.reports.results import finals_of
from reporting.rules import student_result
from shared.errors import Forbidden, NotFound
from shared.openapi import problems
from shared.security import CurrentUser, User
from shared.web import Session

router = APIRouter(tags=["report card"])

MISSED = ("Н", "Б", "П")


async def _school_classes(session: AsyncSession, school_id: uuid.UUID) -> set[uuid.UUID]:
    return set(
        await session.scalars(select(ClassRow.class_id).where(ClassRow.school_id == school_id))
    )


async def _may_see(session: AsyncSession, user: User, student_id: uuid.UUID) -> None:
    """404 for a student of another school or not one's own; 403 for roles without cards."""
    classes = await _school_classes(session, user.school_id)
    spells = [s for s in await spells_of_student(session, student_id) if s.class_id in classes]
    in_school = (
        bool(spells)
        or (
            await session.scalar(
                select(MarkRow.mark_id)
                .where(MarkRow.student_id == student_id, MarkRow.school_id == user.school_id)
                .limit(1)
            )
        )
        is not None
    )
    if user.has(*SCHOOL_READERS):
        if not in_school:
            raise NotFound("student")
        return
    if user.has("student") and user.person_id == student_id and in_school:
        return
    if user.has("parent") and student_id in user.children and in_school:
        return
    if user.has("class_teacher"):
        led = set(
            await session.scalars(
                select(ClassRow.class_id).where(
                    ClassRow.school_id == user.school_id,
                    ClassRow.class_teacher_id == user.account_id,
                )
            )
        )
        if in_school and any(spell.class_id in led for spell in spells):
            return
    if user.has("student", "parent", "class_teacher"):
        raise NotFound("student")
    raise Forbidden(
        "Report cards are for the student, the parents, the class teacher and the administration."
    )


async def report_card(
    session: AsyncSession, user: User, student_id: uuid.UUID, period_id: uuid.UUID
) -> dict[str, Any]:
    await _may_see(session, user, student_id)
    period = await find_period(session, user.school_id, period_id, None)
    grading = await grading_of(session, user.school_id)
    names = await subject_names(session, user.school_id)
    rows = (
        await session.execute(
            marks_between(user.school_id, period.starts_on, period.ends_on)
            .where(MarkRow.student_id == student_id)
            .order_by(MarkRow.lesson_date, MarkRow.mark_id)
        )
    ).all()
    finals = {
        subject: value
        for (student, subject), (value, _) in (
            await finals_of(session, user.school_id, period)
        ).items()
        if student == student_id
    }
    absences: dict[uuid.UUID, dict[str, int]] = {}
    for subject, code in await session.execute(
        select(AttendanceRow.subject_id, AttendanceRow.code).where(
            AttendanceRow.school_id == user.school_id,
            AttendanceRow.student_id == student_id,
            AttendanceRow.deleted.is_(False),
            AttendanceRow.lesson_date.between(period.starts_on, period.ends_on),
        )
    ):
        absences.setdefault(subject, {})
        absences[subject][str(code)] = absences[subject].get(str(code), 0) + 1
    by_subject: dict[uuid.UUID, list[Any]] = {}
    for row in rows:
        by_subject.setdefault(row.subject_id, []).append(row)
    subjects = sorted(
        set(by_subject) | set(finals) | set(absences), key=lambda s: (names.get(s, ""), str(s))
    )
    lines = []
    for subject in subjects:
        marks = by_subject.get(subject, [])
        suggestion = student_result(
            None, [(m.value, m.weight) for m in marks], grading.rounding_rule, grading.min_marks
        )
        codes = absences.get(subject, {})
        lines.append(
            {
                "subject_id": subject,
                "subject_name": names.get(subject),
                "marks": [
                    {
                        "on": str(m.lesson_date),
                        "value": m.value,
                        "work_type": m.work_type,
                        "weight": m.weight,
                    }
                    for m in marks
                ],
                "weighted_average": float(suggestion.average)
                if suggestion.average is not None
                else None,
                "suggested": suggestion.result,
                "final": finals.get(subject),
                "absences": codes,
                "lessons_missed": sum(codes.get(code, 0) for code in MISSED),
            }
        )
    return {
        "student_id": student_id,
        "period": {
            **period.as_dict(),
            "starts_on": str(period.starts_on),
            "ends_on": str(period.ends_on),
        },
        "subjects": lines,
    }


@router.get(
    "/students/{student_id}/report-card", responses={**problems(403, 404, 422), **FILE_RESPONSES}
)
async def get_report_card(
    session: Session,
    user: CurrentUser,
    student_id: uuid.UUID,
    period_id: Annotated[uuid.UUID, Query()],
    file_format: FileFormat = "json",
) -> dict[str, Any]:
    """The student's report card for a period (marks, averages, finals, absences)."""
    return as_format(
        "report-card", await report_card(session, user, student_id, period_id), file_format
    )


__all__ = ["FinalMarkRow", "router"]
