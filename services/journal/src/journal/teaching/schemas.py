"""HTTP shapes of subjects and teaching assignments."""

import uuid

from pydantic import BaseModel

from journal.schemas import RequestModel, Title


class SubjectCreate(RequestModel):
    name: Title


class SubjectOut(BaseModel):
    subject_id: uuid.UUID
    name: str


class AssignmentCreate(RequestModel):
    teacher_id: uuid.UUID
    class_id: uuid.UUID
    subject_id: uuid.UUID


class AssignmentOut(BaseModel):
    assignment_id: uuid.UUID
    teacher_id: uuid.UUID
    class_id: uuid.UUID
    subject_id: uuid.UUID
    subject_name: str


class AssignmentList(BaseModel):
    items: list[AssignmentOut]
