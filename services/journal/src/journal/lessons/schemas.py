"""HTTP shapes of lessons."""

import datetime as dt
import uuid

from pydantic import BaseModel

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
