"""Routes of the school calendar."""

import uuid

from fastapi import APIRouter, status

from journal.calendar import service
from journal.calendar.closing import period_label
from journal.calendar.schemas import (
    HolidayOut,
    PeriodClosingIn,
    PeriodClosingOut,
    PeriodHistory,
    PeriodOut,
    PeriodStateOut,
    YearIn,
    YearList,
    YearOut,
)
from shared.openapi import problems
from shared.security import CurrentUser
from shared.web import Session

router = APIRouter(tags=["calendar"])


def year_out(view: service.YearView) -> YearOut:
    year = view.year
    return YearOut(
        year_id=year.id,
        name=year.name,
        starts_on=year.starts_on,
        ends_on=year.ends_on,
        version=year.version,
        periods=[
            PeriodOut(
                period_id=p.id,
                kind=p.kind,
                number=p.number,
                starts_on=p.starts_on,
                ends_on=p.ends_on,
                closed_at=p.closed_at,
                closed_by=p.closed_by,
                version=p.version,
            )
            for p in view.periods
        ],
        holidays=[
            HolidayOut(name=h.name, starts_on=h.starts_on, ends_on=h.ends_on) for h in view.holidays
        ],
        closed_at=year.closed_at,
        closed_by=year.closed_by,
        archived_at=year.archived_at,
        archive_manifest_sha256=year.archive_manifest_sha256,
    )


@router.get("/years")
async def list_years(session: Session, user: CurrentUser) -> YearList:
    """The school's academic years, newest first, with their periods and holidays."""
    return YearList(items=[year_out(v) for v in await service.list_years(session, user)])


@router.post("/years", status_code=status.HTTP_201_CREATED, responses=problems(404, 409))
async def open_year(data: YearIn, session: Session, user: CurrentUser) -> YearOut:
    """Open an academic year with its periods and holidays (deputy or director)."""
    return year_out(await service.open_year(session, user, data))


@router.get("/years/current", responses=problems(404))
async def current_year(session: Session, user: CurrentUser) -> YearOut:
    """The year holding today in the school's time zone, or the next one between years."""
    return year_out(await service.current_year(session, user))


@router.get("/years/{year_id}")
async def get_year(year_id: uuid.UUID, session: Session, user: CurrentUser) -> YearOut:
    """One academic year of the school."""
    return year_out(await service.get_year(session, user, year_id))


@router.put("/years/{year_id}", responses=problems(409))
async def change_year(
    year_id: uuid.UUID, data: YearIn, session: Session, user: CurrentUser
) -> YearOut:
    """Replace a year's dates, periods and holidays (deputy or director)."""
    return year_out(await service.change_year(session, user, year_id, data))


def period_state_out(state: service.PeriodState) -> PeriodStateOut:
    period = state.period
    return PeriodStateOut(
        period_id=period.id,
        year_id=period.year_id,
        kind=period.kind,
        number=period.number,
        name=period_label(period.kind, period.number),
        starts_on=period.starts_on,
        ends_on=period.ends_on,
        closed_at=period.closed_at,
        closed_by=period.closed_by,
        version=period.version,
    )


@router.post("/periods/{period_id}/close", responses=problems(404, 409))
async def close_period(
    period_id: uuid.UUID,
    session: Session,
    user: CurrentUser,
    data: PeriodClosingIn | None = None,
) -> PeriodStateOut:
    """Close a quarter or a half (the deputy): every change dated inside it is refused
    (409 `period-closed`) until it is reopened. Closing a closed period changes nothing."""
    state = await service.close_period(session, user, period_id, data or PeriodClosingIn())
    return period_state_out(state)


@router.post("/periods/{period_id}/reopen", responses=problems(404, 409))
async def reopen_period(
    period_id: uuid.UUID,
    session: Session,
    user: CurrentUser,
    data: PeriodClosingIn | None = None,
) -> PeriodStateOut:
    """Reopen a closed period (the deputy); refused while its year is closed (409
    `year-closed`). Reopening an open period changes nothing."""
    state = await service.reopen_period(session, user, period_id, data or PeriodClosingIn())
    return period_state_out(state)


@router.get("/periods/{period_id}/history", responses=problems(404))
async def period_history(
    period_id: uuid.UUID, session: Session, user: CurrentUser
) -> PeriodHistory:
    """Every closing and reopening of a period with who, when and why (deputy, director)."""
    period, changes = await service.period_history(session, user, period_id)
    return PeriodHistory(
        period_id=period.id,
        changes=[
            PeriodClosingOut(
                version=c.version,
                action=c.action,
                changed_by=c.changed_by,
                changed_at=c.changed_at,
                reason=c.reason,
            )
            for c in changes
        ],
    )
