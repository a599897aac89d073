"""Messaging's notices of a corrected or removed mark (student and parents) and of an
absence or a lateness (parents), once per event."""

import uuid
from collections.abc import Awaitable, Callable
from datetime import date

import pytest
from sqlalchemy import select

from messaging.models import Notification
from messaging.notifications.texts import attendance_text, mark_changed_text, mark_removed_text
from shared.contracts.journal import (
    AttendanceCleared,
    AttendanceMarked,
    GuardianLinked,
    MarkChanged,
    MarkPosted,
    MarkRemoved,
)
from shared.db import Database
from shared.events import CloudEvent, Event

Deliver = Callable[[Event], Awaitable[CloudEvent]]
MakeMark = Callable[..., MarkPosted]
MakeLink = Callable[[uuid.UUID, uuid.UUID, uuid.UUID], GuardianLinked]

LESSON_DAY = date(2026, 11, 28)


async def notices(db: Database, event: Event) -> list[Notification]:
    async with db.transaction() as session:
        query = select(Notification).filter_by(source_event_id=event.event_id)
        return list(await session.scalars(query.order_by(Notification.recipient_person_id)))


def changed(school: uuid.UUID, student: uuid.UUID, make_mark: MakeMark) -> MarkChanged:
    posted = make_mark(school, student, value=3, work_type="control", weight=3)
    return MarkChanged(
        school_id=school,
        version=2,
        **posted.model_dump(
            include={
                "mark_id",
                "lesson_id",
                "lesson_date",
                "student_id",
                "class_id",
                "subject_id",
                "subject_name",
                "teacher_id",
                "work_type",
                "weight",
            }
        ),
        value=4,
        work_type_name="Контрольная работа",
        old_value=3,
        old_work_type="control",
    )


def removed(school: uuid.UUID, student: uuid.UUID, make_mark: MakeMark) -> MarkRemoved:
    posted = make_mark(school, student, value=2, work_type="homework")
    return MarkRemoved(
        school_id=school,
        version=3,
        **posted.model_dump(
            include={
                "mark_id",
                "lesson_id",
                "lesson_date",
                "student_id",
                "class_id",
                "subject_id",
                "subject_name",
                "teacher_id",
                "value",
                "work_type",
                "weight",
            }
        ),
        work_type_name="Домашняя работа",
    )


def attendance(school: uuid.UUID, student: uuid.UUID, code: str = "Б") -> AttendanceMarked:
    return AttendanceMarked.model_validate(
        {
            "school_id": school,
            "version": 1,
            "lesson_id": uuid.uuid4(),
            "lesson_date": LESSON_DAY,
            "student_id": student,
            "class_id": uuid.uuid4(),
            "subject_id": uuid.uuid4(),
            "subject_name": "Математика",
            "teacher_id": uuid.uuid4(),
            "code": code,
        }
    )


def test_the_texts_of_a_correction_and_an_absence() -> None:
    assert (
        mark_changed_text(
            old_value=3,
            value=4,
            work_type_name="Контрольная работа",
            weight=3,
            subject_name="Математика",
            lesson_date=LESSON_DAY,
        )
        == "Отметка по предмету «Математика» за 28.11.2026 исправлена: "
        "3 → 4 (Контрольная работа, вес 3)"
    )
    assert (
        mark_removed_text(
            value=2,
            work_type_name="Домашняя работа",
            subject_name="Математика",
            lesson_date=LESSON_DAY,
        )
        == "Отметка 2 (Домашняя работа) по предмету «Математика» за 28.11.2026 удалена"
    )
    assert attendance_text(code="Б", subject_name="Математика", lesson_date=LESSON_DAY) == (
        "Б: отсутствие по болезни на уроке по предмету «Математика» за 28.11.2026"
    )


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("Н", "отсутствие без уважительной причины"),
        ("Б", "отсутствие по болезни"),
        ("П", "отсутствие по уважительной причине"),
        ("ОП", "опоздание"),
    ],
)
def test_each_attendance_code_has_its_words(code: str, words: str) -> None:
    text = attendance_text(code=code, subject_name="Физика", lesson_date=LESSON_DAY)
    assert text == f"{code}: {words} на уроке по предмету «Физика» за 28.11.2026"


@pytest.mark.parametrize("build", [changed, removed])
async def test_a_corrected_or_removed_mark_notifies_the_student_and_the_parents(
    db: Database,
    deliver: Deliver,
    make_mark: MakeMark,
    make_link: MakeLink,
    build: Callable[[uuid.UUID, uuid.UUID, MakeMark], Event],
) -> None:
    school, student, mother = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await deliver(make_link(school, mother, student))
    event = build(school, student, make_mark)

    await deliver(event)
    await deliver(event)  # redelivered: nobody is told twice

    found = await notices(db, event)
    assert sorted(n.recipient_person_id for n in found) == sorted([student, mother])
    for notice in found:
        assert notice.kind == ("mark_changed" if isinstance(event, MarkChanged) else "mark_removed")
        assert notice.payload["version"] == event.version
        assert notice.student_id == student


async def test_a_changed_notice_carries_the_old_and_new_value(
    db: Database, deliver: Deliver, make_mark: MakeMark
) -> None:
    school, student = uuid.uuid4(), uuid.uuid4()
    event = changed(school, student, make_mark)

    await deliver(event)

    [notice] = await notices(db, event)
    assert (notice.payload["old_value"], notice.payload["value"]) == (3, 4)
    assert "3 → 4" in notice.text


async def test_an_absence_notifies_the_parents_only(
    db: Database, deliver: Deliver, make_link: MakeLink
) -> None:
    school, student, mother, father = (uuid.uuid4() for _ in range(4))
    await deliver(make_link(school, mother, student))
    await deliver(make_link(school, father, student))
    event = attendance(school, student, "Н")

    await deliver(event)

    found = await notices(db, event)
    assert sorted(n.recipient_person_id for n in found) == sorted([mother, father])
    for notice in found:
        assert notice.kind == "attendance_marked"
        assert notice.payload["code"] == "Н"
        assert notice.text == (
            "Н: отсутствие без уважительной причины на уроке по предмету «Математика» за 28.11.2026"
        )


async def test_a_cleared_absence_tells_the_parents_and_withdraws_the_absence(
    db: Database, deliver: Deliver, make_link: MakeLink
) -> None:
    school, student, mother = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await deliver(make_link(school, mother, student))
    marked = attendance(school, student)
    cleared = AttendanceCleared(
        school_id=school,
        version=2,
        **marked.model_dump(
            include={
                "lesson_id",
                "lesson_date",
                "student_id",
                "class_id",
                "subject_id",
                "subject_name",
                "teacher_id",
            }
        ),
        old_code="Б",
    )

    await deliver(marked)
    await deliver(cleared)

    [notice] = await notices(db, cleared)
    assert notice.recipient_person_id == mother
    assert notice.kind == "attendance_cleared"
    assert notice.text == (
        "Отметка «Б» на уроке по предмету «Математика» за 28.11.2026 снята: ученик присутствовал"
    )
    [absence] = await notices(db, marked)
    assert absence.superseded_at is not None
