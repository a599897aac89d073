"""The deputy's monthly control of how journals are kept: per teaching assignment the
lessons held, those without a topic or homework, the marks entered late (the school's
threshold), the students with fewer marks in the month than the school's minimum, and the
date of the last entry. A class taught without marks (the school's `unmarked_grades`) has
nobody short of marks."""

import uuid
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from reporting.formats.documents import FILE_RESPONSES, FileFormat, as_format
from reporting.reports.context import (
    grading_of,
    journal_period,
    month_period,
    periods_of_school,
    spells_in_school,
)
from reporting.reports.journal_stats import journals_of
from reporting.reports.scope import (
    AssignmentOut,
    ReportModel,
    assignment_fields,
    assignments_in_scope,
    labels,
    unmarked_classes,
)
from shared.openapi import problems
from shared.security import CurrentUser, User
from shared.web import Session

router = APIRouter(tags=["journal control"])


class JournalPageOut(ReportModel):
    period_id: uuid.UUID
    starts_on: date
    ends_on: date


class ControlRowOut(AssignmentOut):
    journal_period_id: uuid.UUID | None = Field(
        description="The journal page holding most of the month (None: no period known)."
    )
    journal_pages: list[JournalPageOut] = Field(
        description="Every journal page the month meets, for a date's own page."
    )
    lessons_held: int
    lessons_without_topic: int
    lessons_without_homework: int
    dates_without_topic: list[date]
    dates_without_homework: list[date]
    late_marks: int = Field(description="Marks entered more than `late_entry_days` late.")
    students_below_minimum: list[uuid.UUID] = Field(
        description="Students of the class with fewer marks in the month than `min_marks` "
        "(none in a class taught without marks)."
    )
    last_entry_at: datetime | None
    marks_given: bool = Field(description="False: the class is taught without marks.")


class JournalControlOut(ReportModel):
    month: str
    starts_on: date
    ends_on: date
    late_entry_days: int
    min_marks: int
    unmarked_grades: list[int] = Field(description="The class levels taught without marks.")
    assignments: list[ControlRowOut]


async def journal_control(
    session: AsyncSession,
    user: User,
    month: str,
    assignment_id: uuid.UUID | None = None,
    class_id: uuid.UUID | None = None,
) -> JournalControlOut:
    first, last = month_period(month)
    assignments = await assignments_in_scope(session, user, assignment_id, class_id)
    grading = await grading_of(session, user.school_id)
    spells = await spells_in_school(session, user.school_id)
    classes, staff = await labels(session, user.school_id)
    unmarked = unmarked_classes(classes, grading)
    journals = await journals_of(
        session, user.school_id, assignments, first, last, grading, spells, unmarked
    )
    periods = await periods_of_school(session, user.school_id)
    rows = []
    for assignment in assignments:
        journal = journals[assignment.assignment_id]
        klass = classes.get(assignment.class_id)
        kind = grading.period_kind(klass.grade if klass else None)
        pages = [
            p for p in periods if p.kind == kind and p.starts_on <= last and first <= p.ends_on
        ]
        page = journal_period(pages, kind, first, last)
        rows.append(
            {
                **assignment_fields(assignment, classes, staff),
                # The journal pages the month's findings are on (a month may hold the end
                # of one quarter and the start of the next): the one holding most of it,
                # and every one it meets, for a date's own page.
                "journal_period_id": page.period_id if page else None,
                "journal_pages": [
                    {
                        "period_id": p.period_id,
                        "starts_on": str(p.starts_on),
                        "ends_on": str(p.ends_on),
                    }
                    for p in pages
                ],
                "lessons_held": journal.lessons_held,
                "lessons_without_topic": len(journal.lessons_without_topic),
                "lessons_without_homework": len(journal.lessons_without_homework),
                "dates_without_topic": journal.lessons_without_topic,
                "dates_without_homework": journal.lessons_without_homework,
                "late_marks": journal.late_marks,
                "students_below_minimum": journal.students_below_minimum,
                "last_entry_at": journal.last_entry_at,
                "marks_given": assignment.class_id not in unmarked,
            }
        )
    rows.sort(
        key=lambda r: (r["class_name"] or "", r["subject_name"] or "", str(r["assignment_id"]))
    )
    return JournalControlOut.model_validate(
        {
            "month": month,
            "starts_on": first,
            "ends_on": last,
            "late_entry_days": grading.late_entry_days,
            "min_marks": grading.min_marks,
            "unmarked_grades": sorted(grading.unmarked_grades),
            "assignments": rows,
        }
    )


@router.get("/journal-control", responses={**problems(403, 404, 422), **FILE_RESPONSES})
async def get_journal_control(
    session: Session,
    user: CurrentUser,
    month: Annotated[str, Query(examples=["2026-11"])],
    assignment_id: Annotated[uuid.UUID | None, Query()] = None,
    class_id: Annotated[uuid.UUID | None, Query()] = None,
    file_format: FileFormat = "json",
) -> JournalControlOut:
    """The month's control of journal keeping, per teaching assignment."""
    return as_format(
        "journal-control",
        await journal_control(session, user, month, assignment_id, class_id),
        file_format,
    )
