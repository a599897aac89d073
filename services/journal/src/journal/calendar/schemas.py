"""HTTP shapes of the school calendar."""

import datetime as dt
import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from journal.schemas import RequestModel, Title
from shared.contracts.journal import PeriodKind
from shared.inputs import Day, Text

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
    closed_at: dt.datetime | None = Field(description="Set while the period is closed.")
    closed_by: uuid.UUID | None
    version: int = Field(description="The period's closing version (+ 1 per close/reopen).")


ClosingReason = Annotated[
    Text, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)
]
ClosingVersion = Annotated[int, Field(strict=True, ge=1, le=2**31 - 1)]


class PeriodClosingIn(RequestModel):
    """A closing or a reopening; both fields optional (an empty body or none at all)."""

    version: ClosingVersion | None = Field(
        default=None,
        description="The period's version the change is based on; a stale one is 409.",
    )
    reason: ClosingReason | None = Field(
        default=None, description="Why (kept in the period's history, never published)."
    )


class PeriodStateOut(BaseModel):
    """A period with its year and closing state, as closing and reopening answer."""

    period_id: uuid.UUID
    year_id: uuid.UUID
    kind: PeriodKind
    number: int
    name: str = Field(description="«2 четверть», «1 полугодие».")
    starts_on: dt.date
    ends_on: dt.date
    closed_at: dt.datetime | None
    closed_by: uuid.UUID | None
    version: int


class PeriodClosingOut(BaseModel):
    version: int
    action: Literal["closed", "reopened"]
    changed_by: uuid.UUID
    changed_at: dt.datetime
    reason: str | None


class PeriodHistory(BaseModel):
    period_id: uuid.UUID
    changes: list[PeriodClosingOut]


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
    # Set once archive has sealed the closed year; the SHA-256 of its signed manifest.
    archived_at: dt.datetime | None = None
    archive_manifest_sha256: str | None = None


class YearList(BaseModel):
    items: list[YearOut]
