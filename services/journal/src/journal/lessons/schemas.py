"""HTTP shapes of lessons."""

import datetime as dt
import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints, model_validator

from journal.schemas import RequestModel, Text, Title
from shared.inputs import INT32_MAX, Day
from shared.inputs import Text as PlainText

LessonNumber = Annotated[int, Field(ge=1, le=12, strict=True)]
Version = Annotated[int, Field(ge=0, le=INT32_MAX, strict=True)]
Reason = Annotated[
    PlainText, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)
]


class LessonCreate(RequestModel):
    assignment_id: uuid.UUID
    date: Day
    lesson_number: LessonNumber | None = None
    topic: Title | None = None
    homework: Text | None = None


class LessonCancel(RequestModel):
    reason: Reason
    version: Version | None = None


class LessonMove(RequestModel):
    date: Day
    lesson_number: LessonNumber | None = Field(
        default=None, description="The new number in the day; left out: keep the current one."
    )
    reason: Reason | None = None
    version: Version | None = None


class LessonSubstitution(RequestModel):
    teacher_id: uuid.UUID | None = Field(
        description="The substitute teacher; null ends the substitution."
    )
    reason: Reason | None = None
    version: Version | None = None


class LessonOut(BaseModel):
    lesson_id: uuid.UUID
    assignment_id: uuid.UUID
    class_id: uuid.UUID
    group_id: uuid.UUID | None
    subject_id: uuid.UUID
    teacher_id: uuid.UUID = Field(description="The assignment's teacher.")
    substitute_id: uuid.UUID | None = Field(description="Who gives this lesson instead, if anyone.")
    date: dt.date
    lesson_number: int | None
    topic: str | None
    homework: str | None
    cancelled: bool
    cancel_reason: str | None
    version: int


class LessonHistoryEntry(BaseModel):
    version: int
    kind: Literal["scheduled", "moved", "cancelled", "substituted"]
    changed_by: uuid.UUID
    changed_at: dt.datetime
    old_date: dt.date | None
    old_lesson_number: int | None
    new_date: dt.date
    new_lesson_number: int | None
    substitute_id: uuid.UUID | None
    reason: str | None


class LessonHistory(BaseModel):
    lesson_id: uuid.UUID
    changes: list[LessonHistoryEntry]


class LessonEdit(RequestModel):
    """A change of a lesson's topic and/or its thematic-plan item (null clears either)."""

    topic: Title | None = None
    plan_item_id: uuid.UUID | None = None
    version: Version | None = Field(
        default=None, description="The lesson's version the change is based on (or If-Match)."
    )

    @model_validator(mode="after")
    def _changes_something(self) -> "LessonEdit":
        if not {"topic", "plan_item_id"} & self.model_fields_set:
            raise ValueError("give a topic, a plan item or both")
        return self


class LessonEdited(BaseModel):
    lesson_id: uuid.UUID
    date: dt.date
    topic: str | None
    plan_item_id: uuid.UUID | None
    homework: str | None
    homework_due_on: dt.date | None
    version: int
