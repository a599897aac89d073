"""HTTP shapes of marks."""

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints, model_validator

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


Reason = Annotated[Text, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
"""Why a mark or an attendance cell is corrected: required, kept in the history."""

# A version names a state of a cell; PostgreSQL's integer bounds it.
Version = Annotated[int, Field(strict=True, ge=1, le=2**31 - 1)]


class MarkCorrection(RequestModel):
    """A change of a mark: a new value, a new work type, or both, and why."""

    value: Annotated[int, Field(strict=True, ge=1, le=5)] | None = None
    work_type: WorkTypeCode | None = None
    reason: Reason
    version: Version | None = Field(
        default=None, description="The version the change is based on (or If-Match)."
    )

    @model_validator(mode="after")
    def _changes_something(self) -> "MarkCorrection":
        if self.value is None and self.work_type is None:
            raise ValueError("give a new value, a new work type or both")
        return self


class MarkRemoval(RequestModel):
    reason: Reason
    version: Version | None = Field(
        default=None, description="The version the removal is based on (or If-Match)."
    )


class MarkChangedOut(BaseModel):
    mark_id: uuid.UUID
    lesson_id: uuid.UUID
    student_id: uuid.UUID
    value: int
    work_type: str
    work_type_name: str
    weight: int
    changed_by: uuid.UUID
    changed_at: datetime
    version: int


class MarkRemovedOut(BaseModel):
    mark_id: uuid.UUID
    lesson_id: uuid.UUID
    student_id: uuid.UUID
    value: int
    work_type: str
    work_type_name: str
    weight: int
    removed_by: uuid.UUID
    removed_at: datetime
    version: int


class MarkHistoryEntry(BaseModel):
    """One version of a mark: posted (version 1), changed, or removed (no new value)."""

    version: int
    changed_by: uuid.UUID
    changed_at: datetime
    old_value: int | None
    new_value: int | None
    old_work_type: str | None
    new_work_type: str | None
    reason: str


class MarkHistory(BaseModel):
    mark_id: uuid.UUID
    removed: bool
    changes: list[MarkHistoryEntry]


class SchoolMarkChange(MarkHistoryEntry):
    """A change of a mark in the school-wide list (postings left out)."""

    mark_id: uuid.UUID
    lesson_id: uuid.UUID
    lesson_date: date
    class_id: uuid.UUID
    subject_id: uuid.UUID
    teacher_id: uuid.UUID
    student_id: uuid.UUID


class SchoolMarkChanges(BaseModel):
    items: list[SchoolMarkChange]
    total: int
