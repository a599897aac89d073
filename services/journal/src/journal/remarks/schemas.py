"""HTTP shapes of remarks."""

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, StringConstraints

from journal.schemas import RequestModel
from shared.inputs import Day, Text

RemarkKind = Literal["remark", "praise"]
RemarkText = Annotated[
    Text, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)
]


class RemarkCreate(RequestModel):
    kind: RemarkKind
    text: RemarkText
    date: Day


class RemarkOut(BaseModel):
    remark_id: uuid.UUID
    student_id: uuid.UUID
    class_id: uuid.UUID
    author_id: uuid.UUID
    author_name: str
    kind: RemarkKind
    text: str
    date: date
    created_at: datetime


class RemarkList(BaseModel):
    items: list[RemarkOut]
