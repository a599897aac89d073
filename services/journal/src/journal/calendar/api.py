"""Routes of the school calendar."""

import uuid

from fastapi import APIRouter, status

from journal.calendar import service
from journal.calendar.schemas import HolidayOut, PeriodOut, YearIn, YearList, YearOut
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
            )
            for p in view.periods
        ],
        holidays=[
            HolidayOut(name=h.name, starts_on=h.starts_on, ends_on=h.ends_on) for h in view.holidays
        ],
        closed_at=year.closed_at,
        closed_by=year.closed_by,
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
