"""The school's years and periods as reporting knows them, for the screens' period pickers
(a period journal has but reporting has not heard of yet would answer 404 in a report)."""

import uuid
from datetime import date

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from reporting.access import reach_of
from reporting.projections.tables import PeriodStateRow
from reporting.reports.context import grading_of, years_of
from shared.openapi import problems
from shared.security import CurrentUser, User
from shared.web import Session

router = APIRouter(tags=["periods"])


class SchoolPeriodOut(BaseModel):
    period_id: uuid.UUID
    kind: str
    number: int
    starts_on: date
    ends_on: date
    closed: bool


class SchoolYearOut(BaseModel):
    year_id: uuid.UUID
    name: str
    starts_on: date
    ends_on: date
    periods: list[SchoolPeriodOut]


class SchoolPeriodsOut(BaseModel):
    half_year_grades: list[int]
    unmarked_grades: list[int] = Field(description="The class levels taught without marks.")
    years: list[SchoolYearOut]


async def school_periods(session: AsyncSession, user: User) -> SchoolPeriodsOut:
    await reach_of(session, user)
    closed = {
        row.period_id: row.closed
        for row in await session.scalars(
            select(PeriodStateRow).where(PeriodStateRow.school_id == user.school_id)
        )
    }
    grading = await grading_of(session, user.school_id)
    years = []
    for year in reversed(await years_of(session, user.school_id)):
        periods = [
            SchoolPeriodOut.model_validate(
                {**p, "closed": closed.get(uuid.UUID(p["period_id"]), False)}
            )
            for p in year.periods
        ]
        periods.sort(key=lambda p: (p.starts_on, p.kind))
        years.append(
            SchoolYearOut(
                year_id=year.year_id,
                name=year.name,
                starts_on=year.starts_on,
                ends_on=year.ends_on,
                periods=periods,
            )
        )
    return SchoolPeriodsOut(
        half_year_grades=sorted(grading.half_year_grades),
        unmarked_grades=sorted(grading.unmarked_grades),
        years=years,
    )


@router.get("/periods", responses=problems(403))
async def get_periods(session: Session, user: CurrentUser) -> SchoolPeriodsOut:
    """The school's years (newest first) with their quarters and halves, each closed or
    not, and the class levels graded by halves (staff only)."""
    return await school_periods(session, user)
