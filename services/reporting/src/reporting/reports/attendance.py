"""Attendance for a period: per student and per class, absences by reason (Н, Б, П, ОП)
and the share of lessons missed (Н + Б + П over the lessons held while the student was in
the class; ОП, late, is not a lesson missed)."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from reporting.access import outside_reach, reach_of, school_class
from reporting.formats.documents import FILE_RESPONSES, FileFormat, as_format
from reporting.projections.tables import AttendanceRow, LessonRow
from reporting.reports.context import classes_of, find_period, spells_in_school
from reporting.reports.progress import PeriodOut, period_out
from reporting.reports.scope import ReportModel
from reporting.rules import TENTHS
from shared.openapi import problems
from shared.security import CurrentUser, User
from shared.web import Session

router = APIRouter(tags=["attendance"])

CODES = ("Н", "Б", "П", "ОП")
MISSED = ("Н", "Б", "П")


class AbsencesOut(ReportModel):
    """Absences by reason, named by their codes in the answer (Н, Б, П, ОП)."""

    model_config = ConfigDict(populate_by_name=True)

    absent: int = Field(alias="Н", description="Н: absent without a reason.")
    ill: int = Field(alias="Б", description="Б: ill.")
    excused: int = Field(alias="П", description="П: absent with a valid reason.")
    late: int = Field(alias="ОП", description="ОП: late (not a lesson missed).")
    missed: int = Field(description="Н + Б + П.")
    missed_share: float | None = Field(description="Lessons missed over lessons, %.")


class AttendanceStudentOut(AbsencesOut):
    student_id: uuid.UUID
    lessons: int = Field(description="The class's lessons held while the student was in it.")


class AttendanceClassOut(AbsencesOut):
    class_id: uuid.UUID
    class_name: str | None
    lessons_held: int
    student_lessons: int = Field(description="Σ of the students' lessons.")
    students: list[AttendanceStudentOut]


class AttendanceOut(ReportModel):
    period: PeriodOut
    classes: list[AttendanceClassOut]


def _share(missed: int, lessons: int) -> float | None:
    from decimal import ROUND_HALF_UP, Decimal

    if lessons == 0:
        return None
    return float((Decimal(100 * missed) / Decimal(lessons)).quantize(TENTHS, ROUND_HALF_UP))


async def attendance_report(
    session: AsyncSession,
    user: User,
    period_id: uuid.UUID | None,
    year_id: uuid.UUID | None,
    class_id: uuid.UUID | None,
) -> AttendanceOut:
    reach = await reach_of(session, user)
    period = await find_period(session, user.school_id, period_id, year_id)
    classes = await classes_of(session, user.school_id)
    if class_id is not None:
        await school_class(session, user, class_id)
        if not reach.sees_class(class_id):
            raise outside_reach("class")
        wanted = [class_id]
    else:
        wanted = [c for c in classes if reach.sees_class(c)]
    spells = await spells_in_school(session, user.school_id)
    # The class's lessons held in the period, by date (the class's whole timetable: a
    # group lesson counts for the whole class, a simplification documented in README).
    held: dict[uuid.UUID, list[Any]] = {}
    for klass, day in await session.execute(
        select(LessonRow.class_id, LessonRow.lesson_date).where(
            LessonRow.school_id == user.school_id,
            LessonRow.class_id.in_(wanted),
            LessonRow.cancelled.is_(False),
            LessonRow.lesson_date.between(period.starts_on, period.ends_on),
        )
    ):
        held.setdefault(klass, []).append(day)
    absences: dict[tuple[uuid.UUID, uuid.UUID], dict[str, int]] = {}
    for klass, student, code, n in await session.execute(
        select(AttendanceRow.class_id, AttendanceRow.student_id, AttendanceRow.code, func.count())
        .where(
            AttendanceRow.school_id == user.school_id,
            AttendanceRow.class_id.in_(wanted),
            AttendanceRow.deleted.is_(False),
            AttendanceRow.lesson_date.between(period.starts_on, period.ends_on),
        )
        .group_by(AttendanceRow.class_id, AttendanceRow.student_id, AttendanceRow.code)
    ):
        absences.setdefault((klass, student), {})[str(code)] = int(n)
    out = []
    for klass in sorted(
        wanted, key=lambda c: (classes[c].grade, classes[c].name) if c in classes else (0, str(c))
    ):
        days = held.get(klass, [])
        students: dict[uuid.UUID, int] = {}
        for spell in spells:
            if spell.class_id == klass and spell.meets(period.starts_on, period.ends_on):
                students[spell.student_id] = students.get(spell.student_id, 0) + sum(
                    1 for day in days if spell.covers(day)
                )
        for k, student in absences:
            if k == klass and student not in students:
                students[student] = len(days)  # no enrollment known: the class's lessons
        rows = []
        totals = dict.fromkeys(CODES, 0)
        total_lessons = 0
        for student, lessons in sorted(students.items(), key=lambda kv: str(kv[0])):
            codes = {code: absences.get((klass, student), {}).get(code, 0) for code in CODES}
            missed = sum(codes[c] for c in MISSED)
            rows.append(
                {
                    "student_id": student,
                    **codes,
                    "lessons": lessons,
                    "missed": missed,
                    "missed_share": _share(missed, lessons),
                }
            )
            for code in CODES:
                totals[code] += codes[code]
            total_lessons += lessons
        missed = sum(totals[c] for c in MISSED)
        out.append(
            {
                "class_id": klass,
                "class_name": classes[klass].name if klass in classes else None,
                "lessons_held": len(days),
                **totals,
                "student_lessons": total_lessons,
                "missed": missed,
                "missed_share": _share(missed, total_lessons),
                "students": rows,
            }
        )
    return AttendanceOut.model_validate({"period": period_out(period), "classes": out})


@router.get("/attendance", responses={**problems(403, 404, 422), **FILE_RESPONSES})
async def attendance(
    session: Session,
    user: CurrentUser,
    period_id: Annotated[uuid.UUID | None, Query()] = None,
    year_id: Annotated[uuid.UUID | None, Query()] = None,
    class_id: Annotated[uuid.UUID | None, Query()] = None,
    file_format: FileFormat = "json",
) -> AttendanceOut:
    """Absences by reason per student and class, with the share of lessons missed."""
    return as_format(
        "attendance",
        await attendance_report(session, user, period_id, year_id, class_id),
        file_format,
    )
