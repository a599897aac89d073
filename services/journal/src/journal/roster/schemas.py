"""HTTP shapes of the roster: classes, groups, students, enrollments, guardians."""

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

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


GuardianKind = Literal["mother", "father", "guardian"]
Address = Annotated[Text, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
GroupName = Annotated[Text, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
BirthDate = Annotated[Day, AfterValidator(_not_in_future)]


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


class SchoolClassItem(ClassOut):
    students: int = Field(description="How many students the class has today.")


class SchoolClassList(BaseModel):
    items: list[SchoolClassItem] = Field(description="By grade, then name.")


class StudentCreate(RequestModel):
    class_id: uuid.UUID
    last_name: PersonName
    first_name: PersonName
    middle_name: PersonName | None = None
    birth_date: BirthDate
    # The first day in the class; today (in the school's time zone) when left out.
    starts_on: Day | None = None


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
    address: Address | None = None
    kind: GuardianKind = "guardian"
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
    address: str | None = None
    student_ids: list[uuid.UUID]


class StudentUpdate(RequestModel):
    """The student's details to change; fields left out stay as they are."""

    last_name: PersonName | None = None
    first_name: PersonName | None = None
    middle_name: PersonName | None = None
    birth_date: BirthDate | None = None


class GuardianUpdate(RequestModel):
    """The guardian's details to change; fields left out stay, an explicit null clears an
    optional one (middle name, phone, email, address)."""

    last_name: PersonName | None = None
    first_name: PersonName | None = None
    middle_name: PersonName | None = None
    phone: Phone | None = None
    email: Email | None = None
    address: Address | None = None


class LinkCreate(RequestModel):
    kind: GuardianKind = "guardian"


class Transfer(RequestModel):
    class_id: uuid.UUID
    # The first day in the new class; the old enrollment ends the day before.
    on: Day


class Leaving(RequestModel):
    last_day: Day


class EnrollmentOut(BaseModel):
    enrollment_id: uuid.UUID
    class_id: uuid.UUID
    class_name: str
    starts_on: date
    ends_on: date | None
    end_reason: str | None


class LinkedGuardian(BaseModel):
    guardian_id: uuid.UUID
    kind: GuardianKind
    last_name: str
    first_name: str
    middle_name: str | None
    phone: str | None
    email: str | None
    address: str | None


class StudentCard(BaseModel):
    """A student as those who keep the roster see them."""

    student_id: uuid.UUID
    last_name: str
    first_name: str
    middle_name: str | None
    birth_date: date
    version: int
    class_id: uuid.UUID | None  # the current class; None once the student has left
    enrollments: list[EnrollmentOut]
    guardians: list[LinkedGuardian]


class ChangeOut(BaseModel):
    subject: str
    subject_id: uuid.UUID
    field: str
    old_value: str | None
    new_value: str | None
    changed_by: uuid.UUID
    changed_at: datetime


class ChangeList(BaseModel):
    items: list[ChangeOut]


class GroupCreate(RequestModel):
    name: GroupName


class GroupOut(BaseModel):
    group_id: uuid.UUID
    class_id: uuid.UUID
    name: str


class GroupList(BaseModel):
    items: list[GroupOut]


class MembershipCreate(RequestModel):
    student_id: uuid.UUID
    starts_on: Day


class MembershipOut(BaseModel):
    membership_id: uuid.UUID
    group_id: uuid.UUID
    student_id: uuid.UUID
    starts_on: date
    ends_on: date | None


class ImportSummary(BaseModel):
    """What an import changed; all zeros when the same file comes again."""

    rows: int
    students_enrolled: int
    students_matched: int
    guardians_created: int
    guardians_linked: int
