"""HTTP shapes of attendance."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from journal.marks.schemas import Reason
from journal.schemas import RequestModel
from shared.contracts.journal import AttendanceCode

# 0 names a cell never marked; PostgreSQL's integer bounds the rest.
CellVersion = Annotated[int, Field(strict=True, ge=0, le=2**31 - 1)]


class AttendanceSet(RequestModel):
    code: AttendanceCode
    # Required when the cell already holds a code (a change), optional for a first mark.
    reason: Reason | None = None
    version: CellVersion | None = Field(
        default=None,
        description="The cell's version the change is based on (or If-Match); "
        "0 or absent for a cell never marked.",
    )


class AttendanceClear(RequestModel):
    reason: Reason
    version: CellVersion | None = Field(
        default=None, description="The cell's version the clearing is based on (or If-Match)."
    )


class AttendanceOut(BaseModel):
    lesson_id: uuid.UUID
    student_id: uuid.UUID
    code: AttendanceCode | None = Field(description="None: present (the mark was cleared).")
    marked_by: uuid.UUID
    marked_at: datetime
    version: int


class AttendanceHistoryEntry(BaseModel):
    version: int
    changed_by: uuid.UUID
    changed_at: datetime
    old_code: AttendanceCode | None
    new_code: AttendanceCode | None
    reason: str


class AttendanceHistory(BaseModel):
    lesson_id: uuid.UUID
    student_id: uuid.UUID
    changes: list[AttendanceHistoryEntry]
