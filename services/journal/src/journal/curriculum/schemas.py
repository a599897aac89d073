"""HTTP shapes of the curriculum and thematic plans."""

import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from journal.curriculum.rules import MAX_HOURS, MAX_TOPIC, MAX_WEEK
from journal.schemas import RequestModel
from shared.inputs import INT32_MAX, Day
from shared.inputs import Text as PlainText

Grade = Annotated[int, Field(ge=1, le=11)]
Version = Annotated[
    int,
    Field(
        ge=0,
        le=INT32_MAX,
        description="The version read before the change (0 when there was none yet); "
        "another version answers 409.",
    ),
]
WeeklyHours = Annotated[Decimal, Field(gt=0, le=40, multiple_of=Decimal("0.5"))]
Topic = Annotated[
    PlainText, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TOPIC)
]
Hours = Annotated[int, Field(ge=1, le=MAX_HOURS)]
Week = Annotated[int, Field(ge=1, le=MAX_WEEK)]
WorkTypeRef = Annotated[
    PlainText, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
]


class SubjectHoursIn(RequestModel):
    subject_id: uuid.UUID
    weekly_hours: WeeklyHours


class CurriculumIn(RequestModel):
    """A class level's whole curriculum for the year: the subjects and their weekly hours."""

    version: Version
    subjects: list[SubjectHoursIn] = Field(max_length=100)


class SubjectHoursOut(BaseModel):
    subject_id: uuid.UUID
    subject_name: str
    weekly_hours: float
    yearly_hours: float


class CurriculumOut(BaseModel):
    year_id: uuid.UUID
    grade: int
    weeks: int
    version: int
    subjects: list[SubjectHoursOut]
    weekly_total: float
    yearly_total: float


class CurriculumList(BaseModel):
    items: list[CurriculumOut]


class PlanItemIn(RequestModel):
    item_id: uuid.UUID | None = Field(
        default=None, description="An item of this plan to keep (its id stays); new when left out."
    )
    topic: Topic
    hours: Hours
    work_type: WorkTypeRef | None = Field(
        default=None, description="A planned control work: the work type's code or name."
    )
    planned_week: Week | None = None
    planned_on: Day | None = None


class PlanIn(RequestModel):
    """The plan's whole ordered list of items."""

    version: Version
    items: list[PlanItemIn] = Field(max_length=1000)


class PlanItemAdd(RequestModel):
    topic: Topic
    hours: Hours
    work_type: WorkTypeRef | None = None
    planned_week: Week | None = None
    planned_on: Day | None = None
    position: Annotated[int, Field(ge=1, le=1000)] | None = Field(
        default=None, description="Where the item goes (1 = first); at the end when left out."
    )
    version: Version | None = None


class PlanItemChange(RequestModel):
    """Fields to change; a field left out stays, `null` clears an optional one."""

    topic: Topic | None = None
    hours: Hours | None = None
    work_type: WorkTypeRef | None = None
    planned_week: Week | None = None
    planned_on: Day | None = None
    position: Annotated[int, Field(ge=1, le=1000)] | None = None
    version: Version | None = None


class PlanItemOut(BaseModel):
    item_id: uuid.UUID
    position: int
    topic: str
    hours: int
    work_type: str | None
    planned_week: int | None
    planned_on: dt.date | None
    held_lessons: int = Field(description="Lessons whose topic links to this item.")


class CurriculumHoursOut(BaseModel):
    weekly_hours: float
    yearly_hours: float


class PlanOut(BaseModel):
    plan_id: uuid.UUID | None
    assignment_id: uuid.UUID
    year_id: uuid.UUID
    class_id: uuid.UUID
    subject_id: uuid.UUID
    version: int = Field(description="0 while the assignment has no plan for the year.")
    items: list[PlanItemOut]
    planned_hours: int
    curriculum: CurriculumHoursOut | None = Field(
        description="The class level's hours of the subject in the year's curriculum."
    )
    hours_match: bool | None = Field(
        description="Planned hours equal the curriculum's yearly hours; null without them. "
        "A mismatch is shown, never refused."
    )
    items_held: int = Field(description="Items with at least one lesson linked to them.")
