"""The events a generated school's year would have published, as their envelopes.

Reporting's log and archive keep every envelope they received, and messaging words its
notices from MarkPosted, so these are built with the real contracts.
"""

import uuid
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta

from datagen.school import TIMEZONE, WORK_TYPES, GeneratedSchool, Mark
from shared.contracts.auth import CredentialsIssued, SchoolRegistered, StaffAccountCreated
from shared.contracts.journal import (
    AssignmentMade,
    ClassOpened,
    GuardianLinked,
    MarkPosted,
    StudentEnrolled,
)
from shared.events import CloudEvent, Event


def event_id(school: GeneratedSchool, fact: str) -> uuid.UUID:
    """A stable id for a non-mark event: the same school always has the same events."""
    return uuid.uuid5(school.id, fact)


def year_id_of(school: GeneratedSchool) -> uuid.UUID:
    """The id of the school's academic year in journal."""
    return uuid.uuid5(school.id, f"year:{school.year.start_year}")


def mark_posted(school: GeneratedSchool, mark: Mark) -> MarkPosted:
    assignment = mark.lesson.assignment
    return MarkPosted(
        event_id=mark.event_id,
        occurred_at=mark.posted_at,
        school_id=school.id,
        mark_id=mark.id,
        lesson_id=mark.lesson.id,
        lesson_date=mark.lesson.date,
        student_id=mark.student.id,
        class_id=assignment.school_class.id,
        subject_id=assignment.subject.id,
        subject_name=assignment.subject.name,
        teacher_id=assignment.teacher.id,
        value=mark.value,
        work_type=mark.work_type,
        weight=WORK_TYPES[mark.work_type].weight,
        work_type_name=WORK_TYPES[mark.work_type].name,
    )


def setup_events(school: GeneratedSchool) -> Iterator[Event]:
    """Everything before the first lesson: the school, its staff, classes and roster."""
    at = school.registered_at
    sid = school.id

    def stamp(fact: str, minutes: int) -> dict[str, object]:
        return {
            "event_id": event_id(school, fact),
            "occurred_at": at + timedelta(minutes=minutes),
            "school_id": sid,
        }

    yield SchoolRegistered(**stamp("school", 0), name=school.name, timezone=TIMEZONE)
    for member in school.staff:
        yield StaffAccountCreated(
            **stamp(f"staff:{member.id}", 5),
            account_id=member.id,
            last_name=member.last_name,
            first_name=member.first_name,
            middle_name=member.middle_name,
            roles=member.roles,
        )
    for school_class in school.classes:
        yield ClassOpened(
            **stamp(f"class:{school_class.id}", 60),
            class_id=school_class.id,
            name=school_class.name,
            grade=school_class.grade,
            class_teacher_id=school_class.class_teacher.id if school_class.class_teacher else None,
        )
    for a in school.assignments:
        yield AssignmentMade(
            **stamp(f"assignment:{a.id}", 90),
            assignment_id=a.id,
            teacher_id=a.teacher.id,
            class_id=a.school_class.id,
            subject_id=a.subject.id,
            subject_name=a.subject.name,
        )
    for student in school.students:
        assert student.class_id is not None
        yield StudentEnrolled(
            **stamp(f"enrolled:{student.id}", 120),
            student_id=student.id,
            class_id=student.class_id,
        )
        for guardian in student.guardians:
            yield GuardianLinked(
                **stamp(f"linked:{guardian.id}:{student.id}", 125),
                guardian_id=guardian.id,
                student_id=student.id,
            )
    for person, kind in [
        *((s, "student") for s in school.students),
        *((g, "parent") for g in school.guardians),
    ]:
        assert person.account_id is not None
        yield CredentialsIssued(
            **stamp(f"credentials:{person.id}", 24 * 60),
            account_id=person.account_id,
            person_id=person.id,
            kind=kind,
        )


def marks_posted(school: GeneratedSchool) -> list[MarkPosted]:
    """The MarkPosted event of each of the school's marks, in the order of `school.marks`."""
    return [mark_posted(school, mark) for mark in school.marks]


def envelopes(school: GeneratedSchool, posted: Sequence[MarkPosted]) -> Iterator[CloudEvent]:
    """Every event of the school's year in the order it happened."""
    for event in setup_events(school):
        yield event.to_cloudevent()
    for mark_event in sorted(posted, key=lambda e: e.occurred_at):
        yield mark_event.to_cloudevent()


def received_at(envelope: CloudEvent) -> datetime:
    """When a consumer would have logged it: a moment after it happened."""
    return envelope.time + timedelta(milliseconds=40)
