"""Messaging use cases: keep the guardianship projection, notify about marks, read notices."""

import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Table, any_, bindparam, func, select, update
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.ext.asyncio import AsyncSession

from messaging.models import Base, Guardianship, Notification
from shared.bulk import insert_new
from shared.contracts.journal import GuardianLinked, MarkPosted
from shared.errors import NotFound
from shared.events import Event
from shared.security import User

MARK_POSTED = "mark_posted"

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


async def notify_marks_posted(session: AsyncSession, events: Sequence[MarkPosted]) -> None:
    """For each mark, one notice to the student and one to each guardian linked now; all
    of a batch's notices in one statement (one already there is left as it is)."""
    schools = [_school_of(event) for event in events]
    pairs = [(school, event.student_id) for school, event in zip(schools, events, strict=True)]
    guardians = await guardians_of_students(session, pairs)
    now = datetime.now(UTC)
    notices: list[dict[str, Any]] = []
    for school_id, event in zip(schools, events, strict=True):
        payload, text = mark_posted_notice(event)
        recipients = [event.student_id, *guardians[school_id, event.student_id]]
        notices.extend(
            {
                "id": uuid.uuid4(),
                "school_id": school_id,
                "recipient_person_id": recipient,
                "student_id": event.student_id,
                "kind": MARK_POSTED,
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
