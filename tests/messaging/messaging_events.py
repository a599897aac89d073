"""Builders of the events messaging consumes, for its tests."""

import uuid
from datetime import UTC, date, datetime
from typing import Any

from shared.contracts.journal import (
    ClassOpened,
    FinalMarkRemoved,
    FinalMarkSet,
    GuardianLinked,
    HomeworkCleared,
    HomeworkSet,
    MarkChanged,
    MarkPosted,
    MarkRemoved,
    PeriodClosed,
    PeriodReopened,
    StudentEnrolled,
)

LESSON_DAY = date(2026, 11, 28)


def mark_versions(
    school: uuid.UUID, student: uuid.UUID
) -> tuple[MarkPosted, MarkChanged, MarkChanged, MarkRemoved]:
    """One mark's life: posted 3 (v1), changed to 4 (v2), to 5 (v3), removed (v4)."""
    common: dict[str, Any] = {
        "school_id": school,
        "mark_id": uuid.uuid4(),
        "lesson_id": uuid.uuid4(),
        "lesson_date": LESSON_DAY,
        "student_id": student,
        "class_id": uuid.uuid4(),
        "subject_id": uuid.uuid4(),
        "subject_name": "Математика",
        "teacher_id": uuid.uuid4(),
        "work_type": "control",
        "weight": 3,
        "work_type_name": "Контрольная работа",
    }
    return (
        MarkPosted(**common, version=1, value=3),
        MarkChanged(**common, version=2, value=4, old_value=3, old_work_type="control"),
        MarkChanged(**common, version=3, value=5, old_value=4, old_work_type="control"),
        MarkRemoved(**common, version=4, value=5),
    )


def final_versions(
    school: uuid.UUID, student: uuid.UUID, period_id: uuid.UUID | None = None
) -> tuple[FinalMarkSet, FinalMarkSet, FinalMarkRemoved]:
    common: dict[str, Any] = {
        "school_id": school,
        "final_mark_id": uuid.uuid4(),
        "student_id": student,
        "class_id": uuid.uuid4(),
        "subject_id": uuid.uuid4(),
        "subject_name": "Химия",
        "assignment_id": uuid.uuid4(),
        "teacher_id": uuid.uuid4(),
        "year_id": uuid.uuid4(),
        "period_id": period_id,
    }
    return (
        FinalMarkSet(**common, version=1, value=4),
        FinalMarkSet(**common, version=2, value=5, old_value=4),
        FinalMarkRemoved(**common, version=3, old_value=5),
    )


def homework_versions(
    school: uuid.UUID, class_id: uuid.UUID
) -> tuple[HomeworkSet, HomeworkSet, HomeworkCleared]:
    common: dict[str, Any] = {
        "school_id": school,
        "lesson_id": uuid.uuid4(),
        "lesson_date": LESSON_DAY,
        "class_id": class_id,
        "subject_id": uuid.uuid4(),
        "teacher_id": uuid.uuid4(),
    }
    return (
        HomeworkSet(**common, version=2, subject_name="Физика", text="§ 12", due_on=None),
        HomeworkSet(**common, version=4, subject_name="Физика", text="§ 12–13", due_on=None),
        HomeworkCleared(**common, version=5),
    )


def period_versions(
    school: uuid.UUID, kind: str = "quarter"
) -> tuple[PeriodClosed, PeriodReopened, PeriodClosed]:
    common: dict[str, Any] = {
        "school_id": school,
        "period_id": uuid.uuid4(),
        "year_id": uuid.uuid4(),
        "kind": kind,
        "number": 2,
        "starts_on": date(2026, 11, 5),
        "ends_on": date(2026, 12, 27),
    }
    deputy, at = uuid.uuid4(), datetime(2026, 12, 27, 15, tzinfo=UTC)
    return (
        PeriodClosed(**common, version=1, closed_by=deputy, closed_at=at),
        PeriodReopened(**common, version=2, reopened_by=deputy, reopened_at=at),
        PeriodClosed(**common, version=3, closed_by=deputy, closed_at=at),
    )


def family_in_class(
    school: uuid.UUID, class_id: uuid.UUID
) -> tuple[uuid.UUID, uuid.UUID, list[StudentEnrolled | GuardianLinked]]:
    """A student enrolled in the class and a parent linked to them."""
    student, parent = uuid.uuid4(), uuid.uuid4()
    return (
        student,
        parent,
        [
            StudentEnrolled(school_id=school, student_id=student, class_id=class_id),
            GuardianLinked(school_id=school, guardian_id=parent, student_id=student),
        ],
    )


def class_opened(school: uuid.UUID, grade: int, teacher: uuid.UUID | None = None) -> ClassOpened:
    return ClassOpened(
        school_id=school,
        class_id=uuid.uuid4(),
        name=f"{grade}А",
        grade=grade,
        class_teacher_id=teacher,
    )
