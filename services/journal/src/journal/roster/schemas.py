"""HTTP shapes of the roster: classes, students, guardians."""

import uuid
from datetime import date
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from journal.schemas import PersonName, RequestModel
from shared.inputs import Day, Text

ClassName = Annotated[Text, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9()\- ]{5,32}$")]
# No NUL (nor any other control character) in an address.
Email = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        max_length=254,
        pattern=r"^[^@\s\x00-\x1f]+@[^@\s\x00-\x1f]+\.[^@\s\x00-\x1f]+$",
    ),
]


def _not_in_future(value: date) -> date:
    if value > date.today() or value.year < 1900:
        raise ValueError("birth date must be a real date in the past")
    return value


def _distinct(ids: list[uuid.UUID]) -> list[uuid.UUID]:
    return list(dict.fromkeys(ids))


class ClassCreate(RequestModel):
    name: ClassName
    grade: Annotated[int, Field(strict=True, ge=1, le=11)]
    class_teacher_id: uuid.UUID | None = None


class ClassOut(BaseModel):
    class_id: uuid.UUID
    name: str
    grade: int
    class_teacher_id: uuid.UUID | None


class StudentCreate(RequestModel):
    class_id: uuid.UUID
    last_name: PersonName
    first_name: PersonName
    middle_name: PersonName | None = None
    birth_date: Annotated[Day, AfterValidator(_not_in_future)]


class StudentOut(BaseModel):
    student_id: uuid.UUID
    class_id: uuid.UUID
    last_name: str
    first_name: str
    middle_name: str | None
    birth_date: date


class ClassStudent(BaseModel):
    student_id: uuid.UUID
    last_name: str
    first_name: str
    middle_name: str | None
    # Only for those who keep the roster (administration, the class teacher): a subject
    # teacher needs names, not birth dates.
    birth_date: date | None


class ClassStudentList(BaseModel):
    class_id: uuid.UUID
    items: list[ClassStudent]


class GuardianCreate(RequestModel):
    last_name: PersonName
    first_name: PersonName
    middle_name: PersonName | None = None
    phone: Phone | None = None
    email: Email | None = None
    student_ids: Annotated[
        list[uuid.UUID], Field(min_length=1, max_length=20), AfterValidator(_distinct)
    ]


class GuardianOut(BaseModel):
    guardian_id: uuid.UUID
    last_name: str
    first_name: str
    middle_name: str | None
    phone: str | None
    email: str | None
    student_ids: list[uuid.UUID]
