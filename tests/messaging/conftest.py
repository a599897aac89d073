"""Messaging fixtures (the database, app, client, tokens and `deliver` come from
tests/conftest.py) and event builders."""

import uuid
from collections.abc import Callable
from datetime import date

import pytest

from shared.contracts.journal import GuardianLinked, MarkPosted

# The names journal sends with its marks (each school names its own work types).
WORK_TYPE_NAMES = {
    "answer": "Ответ на уроке",
    "homework": "Домашняя работа",
    "independent": "Самостоятельная работа",
    "test": "Проверочная работа",
    "control": "Контрольная работа",
}


@pytest.fixture(scope="session")
def service() -> str:
    return "messaging"


def mark_posted(
    school_id: uuid.UUID | None,
    student_id: uuid.UUID,
    *,
    value: int = 5,
    work_type: str = "answer",
    weight: int = 1,
    subject_name: str = "Математика",
    lesson_date: date = date(2026, 11, 28),
    work_type_name: str | None = "",
) -> MarkPosted:
    return MarkPosted(
        school_id=school_id,
        mark_id=uuid.uuid4(),
        lesson_id=uuid.uuid4(),
        lesson_date=lesson_date,
        student_id=student_id,
        class_id=uuid.uuid4(),
        subject_id=uuid.uuid4(),
        subject_name=subject_name,
        teacher_id=uuid.uuid4(),
        value=value,
        work_type=work_type,
        weight=weight,
        work_type_name=WORK_TYPE_NAMES.get(work_type) if work_type_name == "" else work_type_name,
    )


def guardian_linked(
    school_id: uuid.UUID, guardian_id: uuid.UUID, student_id: uuid.UUID
) -> GuardianLinked:
    return GuardianLinked(school_id=school_id, guardian_id=guardian_id, student_id=student_id)


@pytest.fixture
def make_mark() -> Callable[..., MarkPosted]:
    """Build a MarkPosted for a student (defaults: a 5 for an answer in Mathematics)."""
    return mark_posted


@pytest.fixture
def make_link() -> Callable[[uuid.UUID, uuid.UUID, uuid.UUID], GuardianLinked]:
    """Build a GuardianLinked(school, guardian, student)."""
    return guardian_linked
