"""The deputy's monthly control of how journals are kept: per teaching assignment the
lessons held, those without a topic or homework, the marks entered late (the school's
threshold), the students with fewer marks in the month than the school's minimum, and the
date of the last entry."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query
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
from reporting.reports.scope import assignment_fields, assignments_in_scope, labels
from shared.openapi import problems
from shared.security import CurrentUser, User
from shared.web import Session

router = APIRouter(tags=["journal control"])


async def journal_control(
    session: AsyncSession,
    user: User,
    month: str,
    assignment_id: uuid.UUID | None = None,
    class_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    first, last = month_period(month)
    assignments = await assignments_in_scope(session, user, assignment_id, class_id)
    grading = await grading_of(session, user.school_id)
    spells = await spells_in_school(session, user.school_id)
    journals = await journals_of(session, user.school_id, assignments, first, last, grading, spells)
    classes, staff = await labels(session, user.school_id)
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
            }
        )
    rows.sort(
        key=lambda r: (r["class_name"] or "", r["subject_name"] or "", str(r["assignment_id"]))
    )
    return {
        "month": month,
        "starts_on": str(first),
        "ends_on": str(last),
        "late_entry_days": grading.late_entry_days,
        "min_marks": grading.min_marks,
        "assignments": rows,
    }


@router.get("/journal-control", responses={**problems(403, 404, 422), **FILE_RESPONSES})
async def get_journal_control(
    session: Session,
    user: CurrentUser,
    month: Annotated[str, Query(examples=["2026-11"])],
    assignment_id: Annotated[uuid.UUID | None, Query()] = None,
    class_id: Annotated[uuid.UUID | None, Query()] = None,
    file_format: FileFormat = "json",
) -> dict[str, Any]:
    """The month's control of journal keeping, per teaching assignment."""
    return as_format(
        "journal-control",
        await journal_control(session, user, month, assignment_id, class_id),
        file_format,
    )
