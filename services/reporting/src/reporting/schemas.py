"""Reporting HTTP models."""

import uuid

from pydantic import BaseModel, ConfigDict


class ClassSubjectAverageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    class_id: uuid.UUID
    subject_id: uuid.UUID
    weighted_average: float | None
    marks_count: int


class SchoolAveragesOut(BaseModel):
    """The whole school's class-and-subject averages, ordered by class and subject id."""

    items: list[ClassSubjectAverageOut]
