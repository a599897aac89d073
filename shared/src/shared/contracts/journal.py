"""Events published by journal. Children's data is kept to ids: no names leave journal."""

import uuid
from datetime import date
from typing import ClassVar

from shared.events import Event


class ClassOpened(Event):
    routing_key: ClassVar[str] = "journal.class.opened.v1"
    aggregate: ClassVar[str] = "class"

    class_id: uuid.UUID
    name: str
    grade: int
    class_teacher_id: uuid.UUID | None = None

    def aggregate_id(self) -> str:
        return str(self.class_id)


class StudentEnrolled(Event):
    """A student joined a class list."""

    routing_key: ClassVar[str] = "journal.student.enrolled.v1"
    aggregate: ClassVar[str] = "student"

    student_id: uuid.UUID
    class_id: uuid.UUID

    def aggregate_id(self) -> str:
        return str(self.student_id)


class GuardianLinked(Event):
    """A parent (or other legal guardian) was linked to a student."""

    routing_key: ClassVar[str] = "journal.guardian.linked.v1"
    aggregate: ClassVar[str] = "guardianship"

    guardian_id: uuid.UUID
    student_id: uuid.UUID

    def aggregate_id(self) -> str:
        return f"{self.guardian_id}:{self.student_id}"


class AssignmentMade(Event):
    """A teacher was assigned to teach a subject in a class."""

    routing_key: ClassVar[str] = "journal.assignment.made.v1"
    aggregate: ClassVar[str] = "assignment"

    assignment_id: uuid.UUID
    teacher_id: uuid.UUID
    class_id: uuid.UUID
    subject_id: uuid.UUID
    subject_name: str

    def aggregate_id(self) -> str:
        return str(self.assignment_id)


class MarkPosted(Event):
    """A teacher posted a mark (1-5) for a student on a lesson."""

    routing_key: ClassVar[str] = "journal.mark.posted.v1"
    aggregate: ClassVar[str] = "mark"

    mark_id: uuid.UUID
    lesson_id: uuid.UUID
    lesson_date: date
    student_id: uuid.UUID
    class_id: uuid.UUID
    subject_id: uuid.UUID
    subject_name: str
    teacher_id: uuid.UUID
    value: int
    work_type: str
    weight: int
    # Added after v1 was defined (additive): lets consumers word a notification without
    # a lookup; None from producers that predate it.
    work_type_name: str | None = None

    def aggregate_id(self) -> str:
        return str(self.mark_id)


EVENTS: tuple[type[Event], ...] = (
    ClassOpened,
    StudentEnrolled,
    GuardianLinked,
    AssignmentMade,
    MarkPosted,
)
