"""HTTP shapes of the school calendar."""

import datetime as dt
import uuid
from typing import Annotated

from pydantic import BaseModel, Field

from journal.schemas import RequestModel, Title
from shared.contracts.journal import PeriodKind
from shared.inputs import Day

PeriodNumber = Annotated[int, Field(ge=1, le=4)]


class PeriodIn(RequestModel):
    kind: PeriodKind
    number: PeriodNumber
    starts_on: Day
    ends_on: Day


class HolidayIn(RequestModel):
    name: Title
    starts_on: Day
    ends_on: Day | None = Field(
        default=None, description="The last day off; a single day off when left out."
    )


class YearIn(RequestModel):
    """A year's dates with its periods (quarters and/or halves) and holidays."""

    starts_on: Day
    ends_on: Day
    periods: list[PeriodIn] = Field(default_factory=list, max_length=6)
    holidays: list[HolidayIn] = Field(default_factory=list, max_length=100)


class PeriodOut(BaseModel):
    period_id: uuid.UUID
    kind: PeriodKind
    number: int
    starts_on: dt.date
    ends_on: dt.date


class HolidayOut(BaseModel):
    name: str
    starts_on: dt.date
    ends_on: dt.date


class YearOut(BaseModel):
    year_id: uuid.UUID
    name: str
    starts_on: dt.date
    ends_on: dt.date
    version: int
    periods: list[PeriodOut]
    holidays: list[HolidayOut]
    # Set once the year is closed (POST /years/{id}/close): it is read-only then.
    closed_at: dt.datetime | None = None
    closed_by: uuid.UUID | None = None


class YearList(BaseModel):
    items: list[YearOut]
