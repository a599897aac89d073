"""HTTP shapes of the diary."""

import datetime as dt
import uuid

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
