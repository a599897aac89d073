"""Routes of the diary."""

import datetime as dt
import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from journal.calendar.service import school_today
from journal.diary import service, summary
from journal.diary.schemas import Diary, DiaryFinals, DiaryHomeworkDue, DiaryPeriod, DiaryYears
from shared.inputs import Day
from shared.openapi import problems
from shared.security import CurrentUser
from shared.web import Pooled, Session

router = APIRouter(tags=["diary"])


# The body comes from PostgreSQL as JSON bytes and is sent as it is; `response_model`
# still documents its shape in the OpenAPI document.
@router.get("/diary/{student_id}", response_model=Diary, response_model_by_alias=True)
async def read_diary(
    student_id: uuid.UUID,
    user: CurrentUser,  # before the connection: a caller without a token never takes one
    connection: Pooled,
    date_from: Annotated[Day | None, Query(alias="from")] = None,
    date_to: Annotated[Day | None, Query(alias="to")] = None,
) -> Response:
    """A student's lessons, homework and marks by day; by default the current week
    (Mon–Sun, in the school's time zone), at most 31 days."""
    body = await service.read_diary(connection, user, student_id, date_from, date_to)
    return Response(body, media_type="application/json")


@router.get("/diary/{student_id}/years", responses=problems(404))
async def read_diary_years(
    student_id: uuid.UUID, session: Session, user: CurrentUser
) -> DiaryYears:
    """Every school year the student was enrolled in (all are still held), with the
    periods of their class level, for choosing what to read."""
    return await summary.student_years(session, user, student_id)


@router.get("/diary/{student_id}/periods/{period_id}", responses=problems(404))
async def read_diary_period(
    student_id: uuid.UUID, period_id: uuid.UUID, session: Session, user: CurrentUser
) -> DiaryPeriod:
    """A period at a glance: marks by subject with the weighted average, absences, the
    programme's progress against the thematic plan, and the teachers' remarks. A subject
    teacher sees only their own subjects."""
    return await summary.period_summary(session, user, student_id, period_id)


@router.get("/diary/{student_id}/years/{year_id}/finals", responses=problems(404))
async def read_diary_finals(
    student_id: uuid.UUID, year_id: uuid.UUID, session: Session, user: CurrentUser
) -> DiaryFinals:
    """The student's final marks of a year: each period's and the year's, by subject."""
    return await summary.year_finals(session, user, student_id, year_id)


@router.get(
    "/diary/{student_id}/homework",
    response_model=DiaryHomeworkDue,
    response_model_by_alias=True,
    responses=problems(404, 422),
)
async def read_homework_due(
    student_id: uuid.UUID,
    session: Session,
    user: CurrentUser,
    date_from: Annotated[Day | None, Query(alias="from")] = None,
    date_to: Annotated[Day | None, Query(alias="to")] = None,
) -> DiaryHomeworkDue:
    """Homework due in a range (by default the coming week from today in the school's time
    zone, at most 31 days), with its files."""
    if date_from is None and date_to is None:
        today = await school_today(session, user.school_id)
        first, last = today, today + dt.timedelta(days=6)
    else:
        first, last = service.asked_range(date_from, date_to)
    return await summary.homework_due(session, user, student_id, first, last)
