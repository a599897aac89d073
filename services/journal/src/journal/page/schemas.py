"""HTTP shapes of the journal page: the grid read in one request and its bulk save."""

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, model_validator

from journal.attendance.schemas import CellVersion
from journal.homework.schemas import HomeworkText
from journal.marks.schemas import Reason, Version, WorkTypeCode
from journal.schemas import RequestModel, Title
from shared.contracts.journal import AttendanceCode, PeriodKind
from shared.inputs import Day

# --- the read ------------------------------------------------------------------------------


class PageAssignment(BaseModel):
    assignment_id: uuid.UUID
    teacher_id: uuid.UUID
    class_id: uuid.UUID
    class_name: str
    subject_id: uuid.UUID
    subject_name: str


class PagePeriod(BaseModel):
    period_id: uuid.UUID
    kind: PeriodKind
    number: int
    starts_on: dt.date
    ends_on: dt.date
    closed: bool


class PageEnrollment(BaseModel):
    starts_on: dt.date
    ends_on: dt.date | None


class PageStudent(BaseModel):
    student_id: uuid.UUID
    last_name: str
    first_name: str
    middle_name: str | None
    enrollments: list[PageEnrollment] = Field(
        description="The student's spells in the class that meet the period: a cell of a "
        "lesson outside all of them is not applicable."
    )


class PageHomework(BaseModel):
    text: str | None
    due_on: dt.date | None
    attachments: int = Field(description="How many files it has.")


class PageLesson(BaseModel):
    lesson_id: uuid.UUID
    date: dt.date
    lesson_number: int | None
    topic: str | None
    plan_item_id: uuid.UUID | None
    homework: PageHomework | None
    version: int
    locked: bool = Field(description="Past the lock period: only the deputy corrects it.")


class PageMark(BaseModel):
    mark_id: uuid.UUID
    work_type: str
    value: int
    version: int


class PageAttendance(BaseModel):
    code: AttendanceCode | None = Field(description="None: a cleared cell (present).")
    version: int


class PageCell(BaseModel):
    lesson_id: uuid.UUID
    student_id: uuid.UUID
    marks: list[PageMark]
    attendance: PageAttendance | None


class PageWorkType(BaseModel):
    code: str
    name: str
    weight: int


class PagePlanItem(BaseModel):
    plan_item_id: uuid.UUID
    position: int
    topic: str
    hours: int
    work_type: str | None
    planned_week: int | None
    planned_on: dt.date | None


class JournalPage(BaseModel):
    assignment: PageAssignment
    period: PagePeriod
    students: list[PageStudent]
    lessons: list[PageLesson] = Field(description="By date, lesson number (none last), id.")
    cells: list[PageCell] = Field(description="Only cells holding marks or attendance.")
    work_types: list[PageWorkType]
    plan_items: list[PagePlanItem]


# --- the save ------------------------------------------------------------------------------


class AddMark(RequestModel):
    op: Literal["add_mark"]
    lesson_id: uuid.UUID
    student_id: uuid.UUID
    value: Annotated[int, Field(strict=True, ge=1, le=5)]
    work_type: WorkTypeCode


class ChangeMark(RequestModel):
    op: Literal["change_mark"]
    mark_id: uuid.UUID
    value: Annotated[int, Field(strict=True, ge=1, le=5)] | None = None
    work_type: WorkTypeCode | None = None
    reason: Reason
    version: Version

    @model_validator(mode="after")
    def _changes_something(self) -> "ChangeMark":
        if self.value is None and self.work_type is None:
            raise ValueError("give a new value, a new work type or both")
        return self


class RemoveMark(RequestModel):
    op: Literal["remove_mark"]
    mark_id: uuid.UUID
    reason: Reason
    version: Version


class SetAttendance(RequestModel):
    op: Literal["set_attendance"]
    lesson_id: uuid.UUID
    student_id: uuid.UUID
    code: AttendanceCode
    reason: Reason | None = None
    version: CellVersion = Field(description="0 for a cell never marked.")


class ClearAttendance(RequestModel):
    op: Literal["clear_attendance"]
    lesson_id: uuid.UUID
    student_id: uuid.UUID
    reason: Reason
    version: CellVersion


class HomeworkEdit(RequestModel):
    text: HomeworkText
    due_on: Day | None = Field(default=None, description="By default the next lesson's date.")


class EditLesson(RequestModel):
    """A lesson's topic, plan item and/or homework (null clears; absent keeps)."""

    op: Literal["edit_lesson"]
    lesson_id: uuid.UUID
    topic: Title | None = None
    plan_item_id: uuid.UUID | None = None
    homework: HomeworkEdit | None = None
    version: Version

    @model_validator(mode="after")
    def _changes_something(self) -> "EditLesson":
        if not {"topic", "plan_item_id", "homework"} & self.model_fields_set:
            raise ValueError("give a topic, a plan item, homework or several")
        return self


PageChange = Annotated[
    AddMark | ChangeMark | RemoveMark | SetAttendance | ClearAttendance | EditLesson,
    Field(discriminator="op"),
]

MAX_CHANGES = 2000  # a whole quarter's grid of a big class at once


class PageSave(RequestModel):
    changes: list[PageChange] = Field(min_length=1, max_length=MAX_CHANGES)


class SavedChange(BaseModel):
    index: int
    op: str
    result: dict[str, Any] = Field(
        description="What the single-cell endpoint answers: MarkOut, MarkChangedOut, "
        "MarkRemovedOut, AttendanceOut, or for a lesson LessonEdited."
    )


class PageSaved(BaseModel):
    saved: list[SavedChange]
