"""HTTP shapes of lessons."""

import datetime as dt
import uuid

from pydantic import BaseModel, Field, model_validator

from journal.marks.schemas import Version
from journal.schemas import RequestModel, Text, Title
from shared.inputs import Day


class LessonCreate(RequestModel):
    assignment_id: uuid.UUID
    date: Day
    topic: Title | None = None
    homework: Text | None = None


class LessonOut(BaseModel):
    lesson_id: uuid.UUID
    assignment_id: uuid.UUID
    class_id: uuid.UUID
    subject_id: uuid.UUID
    teacher_id: uuid.UUID
    date: dt.date
    topic: str | None
    homework: str | None


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
