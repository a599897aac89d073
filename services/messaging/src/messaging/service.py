"""Messaging use cases: keep the guardianship projection, notify about marks and absences,
read notices."""

import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Table, any_, bindparam, func, select, update
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.ext.asyncio import AsyncSession

from messaging.models import Base, Guardianship, Notification
from shared.bulk import insert_new
from shared.contracts.journal import (
    AttendanceMarked,
    GuardianLinked,
    MarkChanged,
    MarkPosted,
    MarkRemoved,
)
from shared.errors import NotFound
from shared.events import Event
from shared.security import User

MARK_POSTED = "mark_posted"
MARK_CHANGED = "mark_changed"
MARK_REMOVED = "mark_removed"
ATTENDANCE_MARKED = "attendance_marked"

# What parents read for each attendance code (DESIGN §7).
ATTENDANCE_TEXTS: dict[str, str] = {
    "Н": "отсутствие без уважительной причины",
    "Б": "отсутствие по болезни",
    "П": "отсутствие по уважительной причине",
    "ОП": "опоздание",
}

_UUIDS = ARRAY(UUID(as_uuid=True))

WORK_TYPE_NAMES: dict[str, str] = {
    "answer": "Ответ на уроке",
    "homework": "Домашняя работа",
    "independent": "Самостоятельная работа",
    "test": "Проверочная работа",
    "control": "Контрольная работа",
}


class MissingSchool(ValueError):
    """An event without a school cannot be scoped; it is retried and then dead-lettered."""


def work_type_name(code: str) -> str:
    """The Russian name of a work type; an unknown code is shown as it is."""
    return WORK_TYPE_NAMES.get(code, code)


def mark_posted_text(
    *, value: int, work_type: str, weight: int, subject_name: str, lesson_date: date
) -> str:
    """The notice a student and their parents read about a new mark."""
    return (
        f"Новая отметка {value} ({work_type_name(work_type)}, вес {weight}) "
        f"по предмету «{subject_name}» за {lesson_date:%d.%m.%Y}"
    )


def mark_changed_text(
    *,
    old_value: int,
    value: int,
    work_type: str,
    weight: int,
    subject_name: str,
    lesson_date: date,
) -> str:
    """The notice a student and their parents read about a corrected mark."""
    return (
        f"Отметка по предмету «{subject_name}» за {lesson_date:%d.%m.%Y} исправлена: "
        f"{old_value} → {value} ({work_type_name(work_type)}, вес {weight})"
    )


def mark_removed_text(*, value: int, work_type: str, subject_name: str, lesson_date: date) -> str:
    """The notice a student and their parents read about a removed mark."""
    return (
        f"Отметка {value} ({work_type_name(work_type)}) по предмету «{subject_name}» "
        f"за {lesson_date:%d.%m.%Y} удалена"
    )


def attendance_text(*, code: str, subject_name: str, lesson_date: date) -> str:
    """The notice parents read about an absence or a lateness."""
    return (
        f"{code}: {ATTENDANCE_TEXTS.get(code, code)} на уроке по предмету «{subject_name}» "
        f"за {lesson_date:%d.%m.%Y}"
    )


def _school_of(event: Event) -> uuid.UUID:
    if event.school_id is None:
        raise MissingSchool(f"{event.routing_key} {event.event_id} carries no school")
    return event.school_id


async def link_guardians(session: AsyncSession, events: Sequence[GuardianLinked]) -> None:
    """Remember that guardians are linked to students (a repeated link changes nothing)."""
    await insert_new(
        session,
        _table(Guardianship),
        ["student_id", "guardian_id"],
        [
            {
                "student_id": event.student_id,
                "guardian_id": event.guardian_id,
                "school_id": _school_of(event),
                "linked_at": event.occurred_at,
            }
            for event in events
        ],
    )


def _table(model: type[Base]) -> Table:
    return Base.metadata.tables[model.__tablename__]


def mark_posted_notice(event: MarkPosted) -> tuple[dict[str, Any], str]:
    """What a notice of a new mark carries (for the apps) and says (for people)."""
    payload: dict[str, Any] = {
        "mark_id": str(event.mark_id),
        "lesson_id": str(event.lesson_id),
        "lesson_date": event.lesson_date.isoformat(),
        "class_id": str(event.class_id),
        "subject_id": str(event.subject_id),
        "subject_name": event.subject_name,
        "teacher_id": str(event.teacher_id),
        "value": event.value,
        "work_type": event.work_type,
        "work_type_name": work_type_name(event.work_type),
        "weight": event.weight,
    }
    text = mark_posted_text(
        value=event.value,
        work_type=event.work_type,
        weight=event.weight,
        subject_name=event.subject_name,
        lesson_date=event.lesson_date,
    )
    return payload, text


async def guardians_of_students(
    session: AsyncSession, students: Iterable[tuple[uuid.UUID, uuid.UUID]]
) -> dict[tuple[uuid.UUID, uuid.UUID], list[uuid.UUID]]:
    """The guardians linked now to each (school, student), in a stable order, in one query."""
    wanted = set(students)
    found: dict[tuple[uuid.UUID, uuid.UUID], list[uuid.UUID]] = {pair: [] for pair in wanted}
    if not wanted:
        return found
    rows = await session.execute(
        select(Guardianship.school_id, Guardianship.student_id, Guardianship.guardian_id)
        .where(Guardianship.student_id == any_(bindparam("students", type_=_UUIDS)))
        .order_by(Guardianship.guardian_id),
        {"students": list({student for _, student in wanted})},
    )
    for school_id, student_id, guardian_id in rows:
        if (school_id, student_id) in found:
            found[school_id, student_id].append(guardian_id)
    return found


Notice = tuple[str, dict[str, Any], str]
"""A notice's kind, what it carries (for the apps) and what it says (for people)."""


def _mark_payload(event: MarkPosted | MarkChanged | MarkRemoved) -> dict[str, Any]:
    return {
        "mark_id": str(event.mark_id),
        "lesson_id": str(event.lesson_id),
        "lesson_date": event.lesson_date.isoformat(),
        "class_id": str(event.class_id),
        "subject_id": str(event.subject_id),
        "subject_name": event.subject_name,
        "teacher_id": str(event.teacher_id),
        "value": event.value,
        "work_type": event.work_type,
        "work_type_name": work_type_name(event.work_type),
        "weight": event.weight,
        "version": event.version,
    }


def mark_changed_notice(event: MarkChanged) -> Notice:
    payload = {**_mark_payload(event), "old_value": event.old_value}
    text = mark_changed_text(
        old_value=event.old_value,
        value=event.value,
        work_type=event.work_type,
        weight=event.weight,
        subject_name=event.subject_name,
        lesson_date=event.lesson_date,
    )
    return MARK_CHANGED, payload, text


def mark_removed_notice(event: MarkRemoved) -> Notice:
    text = mark_removed_text(
        value=event.value,
        work_type=event.work_type,
        subject_name=event.subject_name,
        lesson_date=event.lesson_date,
    )
    return MARK_REMOVED, _mark_payload(event), text


def attendance_notice(event: AttendanceMarked) -> Notice:
    payload: dict[str, Any] = {
        "lesson_id": str(event.lesson_id),
        "lesson_date": event.lesson_date.isoformat(),
        "class_id": str(event.class_id),
        "subject_id": str(event.subject_id),
        "subject_name": event.subject_name,
        "teacher_id": str(event.teacher_id),
        "code": event.code,
        "version": event.version,
    }
    text = attendance_text(
        code=event.code, subject_name=event.subject_name, lesson_date=event.lesson_date
    )
    return ATTENDANCE_MARKED, payload, text


async def _notify(
    session: AsyncSession,
    events: Sequence[MarkPosted | MarkChanged | MarkRemoved | AttendanceMarked],
    notice: Callable[[Any], Notice],
    *,
    to_student: bool,
) -> None:
    """For each event, one notice to each guardian linked now (and to the student if
    `to_student`); all of a batch's notices in one statement (one already there is left
    as it is, so a redelivered event notifies nobody twice)."""
    schools = [_school_of(event) for event in events]
    pairs = [(school, event.student_id) for school, event in zip(schools, events, strict=True)]
    guardians = await guardians_of_students(session, pairs)
    now = datetime.now(UTC)
    notices: list[dict[str, Any]] = []
    for school_id, event in zip(schools, events, strict=True):
        kind, payload, text = notice(event)
        recipients = [
            *([event.student_id] if to_student else []),
            *guardians[school_id, event.student_id],
        ]
        notices.extend(
            {
                "id": uuid.uuid4(),
                "school_id": school_id,
                "recipient_person_id": recipient,
                "student_id": event.student_id,
                "kind": kind,
                "payload": payload,
                "text": text,
                "source_event_id": event.event_id,
                "created_at": now,
            }
            for recipient in dict.fromkeys(recipients)
        )
    await insert_new(
        session, _table(Notification), ["source_event_id", "recipient_person_id"], notices
    )


def _posted_notice(event: MarkPosted) -> Notice:
    payload, text = mark_posted_notice(event)
    return MARK_POSTED, payload, text


async def notify_marks_posted(session: AsyncSession, events: Sequence[MarkPosted]) -> None:
    """For each mark, one notice to the student and one to each guardian linked now."""
    await _notify(session, events, _posted_notice, to_student=True)


async def notify_marks_changed(session: AsyncSession, events: Sequence[MarkChanged]) -> None:
    """A corrected mark: the student and their parents read the new value beside the old."""
    await _notify(session, events, mark_changed_notice, to_student=True)


async def notify_marks_removed(session: AsyncSession, events: Sequence[MarkRemoved]) -> None:
    await _notify(session, events, mark_removed_notice, to_student=True)


async def notify_attendance(session: AsyncSession, events: Sequence[AttendanceMarked]) -> None:
    """An absence or a lateness is told to the parents (the student knows it already)."""
    await _notify(session, events, attendance_notice, to_student=False)


async def list_notifications(
    session: AsyncSession, user: User, *, limit: int, offset: int
) -> tuple[list[Notification], int]:
    """The caller's own notifications, newest first, and how many there are in all."""
    if user.person_id is None:
        return [], 0  # staff have no roster person, so no notifications yet
    mine = (
        Notification.recipient_person_id == user.person_id,
        Notification.school_id == user.school_id,
    )
    total = await session.scalar(select(func.count()).select_from(Notification).where(*mine))
    items = await session.scalars(
        select(Notification)
        .where(*mine)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(items), total or 0


async def mark_read(session: AsyncSession, user: User, notification_id: uuid.UUID) -> None:
    """Mark one of the caller's notifications read; the first reading time is kept."""
    if user.person_id is None:
        raise NotFound("notification")
    found = await session.scalar(
        update(Notification)
        .where(
            Notification.id == notification_id,
            Notification.recipient_person_id == user.person_id,
            Notification.school_id == user.school_id,
        )
        .values(read_at=func.coalesce(Notification.read_at, func.now()))
        .returning(Notification.id)
    )
    if found is None:
        raise NotFound("notification")
