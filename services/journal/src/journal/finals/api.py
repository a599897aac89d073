"""Routes of final marks: a period's and the year's column of an assignment, one
student's final mark, and the whole class's at once."""

import uuid

from fastapi import APIRouter

from journal.corrections import based_on
from journal.finals import service
from journal.finals.models import FinalMark
from journal.finals.rules import loaded
from journal.finals.schemas import (
    FinalMarkHistory,
    FinalMarkIn,
    FinalMarkOut,
    FinalMarkRemoval,
    FinalMarksIn,
    FinalMarksOut,
    PeriodFinals,
    YearFinals,
)
from journal.marks.api import IfMatchHeader
from shared.openapi import problems
from shared.security import CurrentUser
from shared.web import Session

router = APIRouter(tags=["finals"])

PERIOD = "/assignments/{assignment_id}/periods/{period_id}/finals"
YEAR = "/assignments/{assignment_id}/years/{year_id}/finals"
WRITE_ANSWERS = problems(404, 409, 428)


def final_out(row: FinalMark) -> FinalMarkOut:
    return FinalMarkOut(
        final_mark_id=row.id,
        student_id=row.student_id,
        subject_id=row.subject_id,
        class_id=row.class_id,
        year_id=row.year_id,
        period_id=row.period_id,
        value=loaded(row.value),
        version=row.version,
        set_by=row.set_by,
        set_at=row.set_at,
        removed_at=row.removed_at,
    )


def _wanted(student_id: uuid.UUID, data: FinalMarkIn, version: int | None) -> service.Wanted:
    return service.Wanted(student_id, data.value, data.reason, version)


async def _set_one(
    session: Session,
    scope: service.Scope,
    user: CurrentUser,
    student_id: uuid.UUID,
    data: FinalMarkIn,
    if_match: str | None,
) -> FinalMarkOut:
    version = based_on(if_match, data.version)
    [(row, _)] = await service.set_finals(
        session, user, scope, [_wanted(student_id, data, version)], single=True
    )
    return final_out(row)


async def _set_all(
    session: Session, scope: service.Scope, user: CurrentUser, data: FinalMarksIn
) -> FinalMarksOut:
    written = await service.set_finals(
        session,
        user,
        scope,
        [_wanted(e.student_id, e, e.version) for e in data.items],
        single=False,
    )
    return FinalMarksOut(
        items=[final_out(row) for row, _ in written],
        changed=sum(1 for _, changed in written if changed),
    )


async def _remove(
    session: Session,
    scope: service.Scope,
    user: CurrentUser,
    student_id: uuid.UUID,
    data: FinalMarkRemoval,
    if_match: str | None,
) -> FinalMarkOut:
    version = based_on(if_match, data.version)
    return final_out(
        await service.remove_final(session, user, scope, student_id, data.reason, version)
    )


@router.get(PERIOD, responses=problems(404))
async def period_finals(
    assignment_id: uuid.UUID, period_id: uuid.UUID, session: Session, user: CurrentUser
) -> PeriodFinals:
    """The period's final marks of the assignment's class: each student enrolled during the
    period with the weighted average of their current marks of the subject, the mark the
    school's rounding rule suggests and the final mark set. The assignment's teacher, the
    class teacher, the deputy and the director."""
    return await service.period_finals(session, user, assignment_id, period_id)


@router.put(PERIOD, responses=WRITE_ANSWERS)
async def set_period_finals(
    assignment_id: uuid.UUID,
    period_id: uuid.UUID,
    data: FinalMarksIn,
    session: Session,
    user: CurrentUser,
) -> FinalMarksOut:
    """Set the period's final marks of several students at once (the assignment's teacher),
    all or none: every bad entry is named in one answer. An entry already holding its value
    is left as it is; a change needs a reason and the version it is based on."""
    scope = await service.writable(session, user, assignment_id, period_id=period_id)
    return await _set_all(session, scope, user, data)


@router.put(f"{PERIOD}/{{student_id}}", responses=WRITE_ANSWERS)
async def set_period_final(
    assignment_id: uuid.UUID,
    period_id: uuid.UUID,
    student_id: uuid.UUID,
    data: FinalMarkIn,
    session: Session,
    user: CurrentUser,
    if_match: IfMatchHeader = None,
) -> FinalMarkOut:
    """Set or change one student's final mark of the period (the assignment's teacher); a
    change needs a reason and the version it is based on (`If-Match` or `version`)."""
    scope = await service.writable(session, user, assignment_id, period_id=period_id)
    return await _set_one(session, scope, user, student_id, data, if_match)


@router.delete(f"{PERIOD}/{{student_id}}", responses=WRITE_ANSWERS)
async def remove_period_final(
    assignment_id: uuid.UUID,
    period_id: uuid.UUID,
    student_id: uuid.UUID,
    data: FinalMarkRemoval,
    session: Session,
    user: CurrentUser,
    if_match: IfMatchHeader = None,
) -> FinalMarkOut:
    """Remove one student's final mark of the period, with a reason (a JSON body) and the
    version it is based on."""
    scope = await service.writable(session, user, assignment_id, period_id=period_id)
    return await _remove(session, scope, user, student_id, data, if_match)


@router.get(f"{PERIOD}/{{student_id}}/history", responses=problems(404))
async def period_final_history(
    assignment_id: uuid.UUID,
    period_id: uuid.UUID,
    student_id: uuid.UUID,
    session: Session,
    user: CurrentUser,
) -> FinalMarkHistory:
    """Every version of a student's final mark of the period with who, when, old and new
    value and why (deputy, director)."""
    return await service.final_mark_history(
        session, user, assignment_id, student_id, period_id=period_id
    )


@router.get(YEAR, responses=problems(404))
async def year_finals(
    assignment_id: uuid.UUID, year_id: uuid.UUID, session: Session, user: CurrentUser
) -> YearFinals:
    """The year's final marks of the assignment's class: each student's period finals, the
    year's mark they suggest and the year's final mark set."""
    return await service.year_finals(session, user, assignment_id, year_id)


@router.put(YEAR, responses=WRITE_ANSWERS)
async def set_year_finals(
    assignment_id: uuid.UUID,
    year_id: uuid.UUID,
    data: FinalMarksIn,
    session: Session,
    user: CurrentUser,
) -> FinalMarksOut:
    """Set the year's final marks of several students at once; as for a period."""
    scope = await service.writable(session, user, assignment_id, year_id=year_id)
    return await _set_all(session, scope, user, data)


@router.put(f"{YEAR}/{{student_id}}", responses=WRITE_ANSWERS)
async def set_year_final(
    assignment_id: uuid.UUID,
    year_id: uuid.UUID,
    student_id: uuid.UUID,
    data: FinalMarkIn,
    session: Session,
    user: CurrentUser,
    if_match: IfMatchHeader = None,
) -> FinalMarkOut:
    """Set or change one student's final mark of the year; as for a period."""
    scope = await service.writable(session, user, assignment_id, year_id=year_id)
    return await _set_one(session, scope, user, student_id, data, if_match)


@router.delete(f"{YEAR}/{{student_id}}", responses=WRITE_ANSWERS)
async def remove_year_final(
    assignment_id: uuid.UUID,
    year_id: uuid.UUID,
    student_id: uuid.UUID,
    data: FinalMarkRemoval,
    session: Session,
    user: CurrentUser,
    if_match: IfMatchHeader = None,
) -> FinalMarkOut:
    """Remove one student's final mark of the year; as for a period."""
    scope = await service.writable(session, user, assignment_id, year_id=year_id)
    return await _remove(session, scope, user, student_id, data, if_match)


@router.get(f"{YEAR}/{{student_id}}/history", responses=problems(404))
async def year_final_history(
    assignment_id: uuid.UUID,
    year_id: uuid.UUID,
    student_id: uuid.UUID,
    session: Session,
    user: CurrentUser,
) -> FinalMarkHistory:
    """Every version of a student's final mark of the year (deputy, director)."""
    return await service.final_mark_history(
        session, user, assignment_id, student_id, year_id=year_id
    )
