"""HTTP shapes of the diary."""

import datetime as dt
import uuid
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.journal import AttendanceCode


class DiaryMark(BaseModel):
    mark_id: uuid.UUID
    value: int
    work_type: str
    work_type_name: str
    weight: int


class DiaryLesson(BaseModel):
    lesson_id: uuid.UUID
    lesson_number: int | None = Field(description="Its number in the day; null: unnumbered.")
    cancelled: bool = Field(description="A cancelled lesson stays listed, flagged.")
    subject_id: uuid.UUID
    subject_name: str
    topic: str | None
    homework: str | None
    attendance: AttendanceCode | None = Field(
        description="Н, Б, П or ОП; null when the student was present."
    )
    marks: list[DiaryMark] = Field(description="Current marks; removed ones are left out.")


class DiaryDay(BaseModel):
    date: dt.date
    lessons: list[DiaryLesson]


class Diary(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    student_id: uuid.UUID
    date_from: dt.date = Field(alias="from")
    date_to: dt.date = Field(alias="to")
    days: list[DiaryDay] = Field(description="Days that have lessons, in date order.")


class DiaryPeriodRef(BaseModel):
    period_id: uuid.UUID
    year_id: uuid.UUID
    kind: str = Field(description="`quarter` or `half`.")
    number: int
    starts_on: dt.date
    ends_on: dt.date


class DiaryPeriodMark(BaseModel):
    mark_id: uuid.UUID
    lesson_id: uuid.UUID
    date: dt.date
    value: int
    work_type: str
    work_type_name: str
    weight: int = Field(description="The work type's current weight (it weighs every mark).")


class DiaryProgramme(BaseModel):
    planned: int = Field(description="Topics of the year's thematic plan.")
    held: int = Field(description="Plan topics covered by lessons held so far.")


class DiarySubject(BaseModel):
    subject_id: uuid.UUID
    subject_name: str
    marks: list[DiaryPeriodMark] = Field(description="Current marks, by date.")
    average: Decimal | None = Field(
        description="Σ(mark × weight) / Σ(weight), two places; null without marks."
    )
    absences: dict[str, int] = Field(description="Lessons missed by code (Н, Б, П, ОП).")
    programme: DiaryProgramme
    final_mark: int | str | None = Field(
        description="The period's final mark (1-5, н/а, осв, зч); null until it is set."
    )


class DiaryRemark(BaseModel):
    remark_id: uuid.UUID
    kind: Literal["remark", "praise"]
    text: str
    date: dt.date
    author_name: str


class DiaryPeriod(BaseModel):
    student_id: uuid.UUID
    period: DiaryPeriodRef
    subjects: list[DiarySubject] = Field(description="By subject name.")
    remarks: list[DiaryRemark] = Field(description="Newest first.")


class DiaryYear(BaseModel):
    year_id: uuid.UUID
    name: str
    starts_on: dt.date
    ends_on: dt.date
    class_id: uuid.UUID
    class_name: str
    periods: list[DiaryPeriodRef] = Field(description="The periods of the student's class level.")


class DiaryYears(BaseModel):
    student_id: uuid.UUID
    last_name: str = Field(description="The student's name, as the roster holds it.")
    first_name: str
    middle_name: str | None
    years: list[DiaryYear] = Field(description="Newest first.")


class DiaryFinal(BaseModel):
    period_id: uuid.UUID | None = Field(description="Null: the year's final mark.")
    kind: str | None = Field(description="`quarter` or `half`; null for the year's.")
    number: int | None
    value: int | str = Field(description="1-5, н/а, осв or зч.")


class DiaryFinalsSubject(BaseModel):
    subject_id: uuid.UUID
    subject_name: str
    finals: list[DiaryFinal] = Field(description="The periods in order, then the year's.")


class DiaryFinals(BaseModel):
    student_id: uuid.UUID
    year_id: uuid.UUID
    subjects: list[DiaryFinalsSubject] = Field(description="Subjects with a final mark set.")


class DiaryAttachment(BaseModel):
    attachment_id: uuid.UUID
    file_name: str
    content_type: str
    size: int
    url: str = Field(description="Where to download it (GET, with the same token).")


class DiaryHomework(BaseModel):
    lesson_id: uuid.UUID
    lesson_date: dt.date = Field(description="The lesson it was set at.")
    due_on: dt.date
    subject_id: uuid.UUID
    subject_name: str
    text: str
    attachments: list[DiaryAttachment]


class DiaryHomeworkDue(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    student_id: uuid.UUID
    date_from: dt.date = Field(alias="from")
    date_to: dt.date = Field(alias="to")
    items: list[DiaryHomework] = Field(description="By due date, then subject.")
