"""HTTP shapes of marks."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from journal.schemas import RequestModel
from shared.inputs import Text

WorkTypeCode = Annotated[Text, StringConstraints(min_length=1, max_length=32)]


class MarkCreate(RequestModel):
    student_id: uuid.UUID
    # Strict: `true` or "5" are not marks a teacher meant to give.
    value: Annotated[int, Field(strict=True, ge=1, le=5)]
    work_type: WorkTypeCode


class MarkOut(BaseModel):
    mark_id: uuid.UUID
    lesson_id: uuid.UUID
    student_id: uuid.UUID
    value: int
    work_type: str
    work_type_name: str
    weight: int
    posted_by: uuid.UUID
    posted_at: datetime
    version: int
