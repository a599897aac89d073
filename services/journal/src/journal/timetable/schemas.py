"""HTTP shapes of the bell schedule and the timetable."""

import datetime as dt
import uuid
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from journal.lessons.schemas import LessonNumber, Version
from journal.schemas import RequestModel
from shared.inputs import Day

ClockTime = Annotated[
    str,
    StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$"),
    Field(
        description="A time of day in the school's zone, HH:MM (e.g. 08:30).", examples=["08:30"]
    ),
]
Weekday = Annotated[int, Field(ge=1, le=6, strict=True, description="1 = Monday .. 6 = Saturday")]


def clock(text: str) -> dt.time:
    return dt.time.fromisoformat(text)


class BellLessonIn(RequestModel):
    lesson_number: LessonNumber
    starts_at: ClockTime
    ends_at: ClockTime


class BellScheduleIn(RequestModel):
    version: Version = Field(description="The version read (0 while the school has none).")
    lessons: list[BellLessonIn] = Field(min_length=1, max_length=12)


class BellLessonOut(BaseModel):
    lesson_number: int
    starts_at: str = Field(description="HH:MM in the school's time zone.")
    ends_at: str


class BellScheduleOut(BaseModel):
    version: int
    lessons: list[BellLessonOut]


class EntryCreate(RequestModel):
    assignment_id: uuid.UUID
    group_id: uuid.UUID | None = Field(
        default=None, description="A group of the assignment's class; none: the whole class."
    )
    weekday: Weekday
    lesson_number: LessonNumber
    valid_from: Day
    valid_to: Day | None = None


class EntryEnd(RequestModel):
    valid_to: Day = Field(description="The entry's last day.")
    version: Version | None = None


class EntryOut(BaseModel):
    entry_id: uuid.UUID
    assignment_id: uuid.UUID
    class_id: uuid.UUID
    group_id: uuid.UUID | None
    subject_id: uuid.UUID
    subject_name: str
    teacher_id: uuid.UUID
    weekday: int
    lesson_number: int
    starts_at: str | None = Field(description="From the bell schedule, HH:MM.")
    ends_at: str | None
    valid_from: dt.date
    valid_to: dt.date | None
    version: int


class ClassTimetable(BaseModel):
    class_id: uuid.UUID
    on: dt.date
    items: list[EntryOut] = Field(description="By weekday, lesson number, then group.")


class GenerateIn(RequestModel):
    period_id: uuid.UUID
    class_id: uuid.UUID | None = Field(
        default=None, description="One class; none: every class whose periods are this kind."
    )


class GenerateOut(BaseModel):
    period_id: uuid.UUID
    classes: int
    school_days: int = Field(description="Days of the period with lessons possible.")
    holidays_skipped: int
    created: int = Field(description="Lessons made now.")
    already_there: int = Field(description="Slots that already had their lesson (or a moved one).")
