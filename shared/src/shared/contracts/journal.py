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


class StudentEnrolledV2(Event):
    """A student joined a class on a date (a first enrollment, or the new class of a
    transfer, which also publishes `StudentTransferred`). `version` is the student's."""

    routing_key: ClassVar[str] = "journal.student.enrolled.v2"
    aggregate: ClassVar[str] = "student"

    student_id: uuid.UUID
    class_id: uuid.UUID
    enrollment_id: uuid.UUID
    starts_on: date

    def aggregate_id(self) -> str:
        return str(self.student_id)


class StudentTransferred(Event):
    """A student moved to another class: the old enrollment ended the day before `on`."""

    routing_key: ClassVar[str] = "journal.student.transferred.v1"
    aggregate: ClassVar[str] = "student"

    student_id: uuid.UUID
    from_class_id: uuid.UUID
    to_class_id: uuid.UUID
    enrollment_id: uuid.UUID
    on: date

    def aggregate_id(self) -> str:
        return str(self.student_id)


class StudentLeft(Event):
    """A student left the school; `last_day` is the last day they were enrolled."""

    routing_key: ClassVar[str] = "journal.student.left.v1"
    aggregate: ClassVar[str] = "student"

    student_id: uuid.UUID
    class_id: uuid.UUID
    last_day: date

    def aggregate_id(self) -> str:
        return str(self.student_id)


class GuardianUnlinked(Event):
    """A guardian is no longer linked to a student (the tombstone of `GuardianLinked`,
    with the link's version)."""

    routing_key: ClassVar[str] = "journal.guardian.unlinked.v1"
    aggregate: ClassVar[str] = "guardianship"

    guardian_id: uuid.UUID
    student_id: uuid.UUID

    def aggregate_id(self) -> str:
        return f"{self.guardian_id}:{self.student_id}"


class GroupOpened(Event):
    """A group (a language subgroup, say) was opened within a class."""

    routing_key: ClassVar[str] = "journal.group.opened.v1"
    aggregate: ClassVar[str] = "group"

    group_id: uuid.UUID
    class_id: uuid.UUID
    name: str

    def aggregate_id(self) -> str:
        return str(self.group_id)


class GroupJoined(Event):
    """A student became a member of a class group from `starts_on` (membership version 1)."""

    routing_key: ClassVar[str] = "journal.group.joined.v1"
    aggregate: ClassVar[str] = "group_membership"

    membership_id: uuid.UUID
    group_id: uuid.UUID
    class_id: uuid.UUID
    student_id: uuid.UUID
    starts_on: date

    def aggregate_id(self) -> str:
        return str(self.membership_id)


class GroupLeft(Event):
    """A student's group membership ended; `last_day` was its last day."""

    routing_key: ClassVar[str] = "journal.group.left.v1"
    aggregate: ClassVar[str] = "group_membership"

    membership_id: uuid.UUID
    group_id: uuid.UUID
    student_id: uuid.UUID
    last_day: date

    def aggregate_id(self) -> str:
        return str(self.membership_id)


class RemarkWritten(Event):
    """A teacher wrote a remark (`remark`, замечание) or praise (`praise`) about a student.
    The text stays in journal: consumers read it there, with the family's permission."""

    routing_key: ClassVar[str] = "journal.remark.written.v1"
    aggregate: ClassVar[str] = "remark"

    remark_id: uuid.UUID
    student_id: uuid.UUID
    class_id: uuid.UUID
    author_id: uuid.UUID
    kind: str
    on: date

    def aggregate_id(self) -> str:
        return str(self.remark_id)


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
    StudentEnrolledV2,
    StudentTransferred,
    StudentLeft,
    GuardianUnlinked,
    GroupOpened,
    GroupJoined,
    GroupLeft,
    RemarkWritten,
    AssignmentMade,
    MarkPosted,
)
