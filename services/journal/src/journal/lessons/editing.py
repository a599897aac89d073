"""Edits of a lesson's topic and homework: who may, on which version, with which event.

Topic and homework edits share the lesson's version: each edit names the version it was
based on and bumps it, its event (with the new version) written in the same statement.
"""

import datetime as dt
import uuid
from dataclasses import dataclass, replace
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from journal import clock, driver
from journal.access import require_role
from journal.calendar.closing import half_grades
from journal.corrections import CORRECTORS, require_may_correct, stale, version_required
from journal.grading.service import DEFAULT_SETTINGS
from journal.lessons.service import cancelled_problem
from shared.contracts.journal import LessonTopicSet
from shared.errors import NotFound, Problem
from shared.outbox import staged
from shared.security import User

# $1 lessons, $2 the caller's school, $3 the lock period of a school without settings,
# $4 `half_grades()` (`closed`: the day is in a closed period of the class, or year),
# $5 journal.clock.now().
# The lessons are locked (in id order) until the transaction ends, so that an edit's
# checks hold until its write; outside a transaction the lock ends with the statement
# and the write's version check alone guards the edit.
EDITING_SQL = """
SELECT lessons.id, lessons.assignment_id, lessons.class_id, lessons.date,
       lessons.subject_id, subjects.name AS subject_name, assignments.teacher_id,
       coalesce(lessons.substitute_id, assignments.teacher_id) AS writer_id,
       lessons.cancelled_at IS NOT NULL AS cancelled,
       lessons.topic, lessons.plan_item_id, lessons.homework, lessons.homework_due_on,
       lessons.version,
       (($5::timestamptz AT TIME ZONE schools.timezone)::date - lessons.date)
           > coalesce(grading_settings.lock_after_days, $3::int) AS locked,
       journal_closed_on(lessons.school_id, lessons.class_id, lessons.date, $4::smallint[])
           IS NOT NULL AS closed
FROM lessons
JOIN assignments ON assignments.id = lessons.assignment_id
JOIN subjects ON subjects.id = lessons.subject_id
JOIN schools ON schools.id = lessons.school_id
LEFT OUTER JOIN grading_settings ON grading_settings.school_id = lessons.school_id
WHERE lessons.id = ANY($1::uuid[]) AND lessons.school_id = $2::uuid
ORDER BY lessons.id
FOR NO KEY UPDATE OF lessons
"""

# $1 plan items, $2 the caller's school: the assignment whose thematic plan holds each.
PLAN_ITEMS_SQL = """
SELECT thematic_plan_items.id, thematic_plans.assignment_id
FROM thematic_plan_items
JOIN thematic_plans ON thematic_plans.id = thematic_plan_items.plan_id
WHERE thematic_plan_items.id = ANY($1::uuid[]) AND thematic_plans.school_id = $2::uuid
"""

# $1 lesson, $2 the version the edit is based on, $3 topic, $4 plan item, $5-$7 the event.
TOPIC_SQL = """
WITH edited AS (
    UPDATE lessons SET topic = $3::text, plan_item_id = $4::uuid, version = version + 1
    WHERE id = $1::uuid AND version = $2::int
    RETURNING version
),
event AS (
    INSERT INTO outbox (id, routing_key, envelope)
    SELECT $5::uuid, $6::text, $7::jsonb FROM edited
)
SELECT version FROM edited
"""


@dataclass(frozen=True)
class Editing:
    """A lesson as it is now, with what the rules of editing its topic and homework need."""

    lesson_id: uuid.UUID
    assignment_id: uuid.UUID
    class_id: uuid.UUID
    lesson_date: dt.date
    subject_id: uuid.UUID
    subject_name: str
    teacher_id: uuid.UUID
    topic: str | None
    plan_item_id: uuid.UUID | None
    homework: str | None
    homework_due_on: dt.date | None
    version: int
    locked: bool
    closed: bool
    # Who writes the lesson (its substitute while it has one) and whether it is cancelled.
    writer_id: uuid.UUID
    cancelled: bool

    def current(self) -> dict[str, Any]:
        """The lesson's state as a 409 shows it (JSON-ready)."""
        return {
            "lesson_id": str(self.lesson_id),
            "topic": self.topic,
            "plan_item_id": None if self.plan_item_id is None else str(self.plan_item_id),
            "homework": self.homework,
            "homework_due_on": None
            if self.homework_due_on is None
            else self.homework_due_on.isoformat(),
            "version": self.version,
        }


def _plain(value: Any) -> Any:
    # asyncpg's own UUID type, which orjson does not write, made a plain UUID
    return None if value is None else uuid.UUID(bytes=value.bytes)


async def editing_many(
    session: AsyncSession, user: User, lesson_ids: list[uuid.UUID]
) -> dict[uuid.UUID, Editing]:
    """The school's lessons among `lesson_ids`, locked until the transaction ends; each
    still to be authorized (`require_may_edit`)."""
    rows = await driver.fetch(
        session,
        EDITING_SQL,
        lesson_ids,
        user.school_id,
        DEFAULT_SETTINGS.lock_after_days,
        half_grades(),
        clock.now(),
    )
    return {
        _plain(row["id"]): Editing(
            lesson_id=_plain(row["id"]),
            assignment_id=_plain(row["assignment_id"]),
            class_id=_plain(row["class_id"]),
            lesson_date=row["date"],
            subject_id=_plain(row["subject_id"]),
            subject_name=row["subject_name"],
            teacher_id=_plain(row["teacher_id"]),
            topic=row["topic"],
            plan_item_id=_plain(row["plan_item_id"]),
            homework=row["homework"],
            homework_due_on=row["homework_due_on"],
            version=row["version"],
            locked=row["locked"],
            closed=row["closed"],
            writer_id=_plain(row["writer_id"]),
            cancelled=row["cancelled"],
        )
        for row in rows
    }


def require_may_edit(user: User, lesson: Editing) -> None:
    """The rules of every correction (journal.corrections; the lesson's writer is its
    substitute while it has one), no edits once the lesson's period is closed, and none
    of a cancelled lesson (409)."""
    require_may_correct(user, lesson.writer_id, lesson.locked)
    if lesson.closed:
        raise period_closed()
    if lesson.cancelled:
        raise cancelled_problem()


def period_closed() -> Problem:
    return Problem(
        409,
        "period-closed",
        "Period closed",
        "Период этого урока закрыт: изменения в журнал больше не вносятся.",
    )


async def editing(session: AsyncSession, user: User, lesson_id: uuid.UUID) -> Editing:
    """The lesson the caller may edit now: its teacher until it locks, the deputy at any
    time (404 across schools)."""
    require_role(user, *CORRECTORS)
    found = await editing_many(session, user, [lesson_id])
    lesson = found.get(lesson_id)
    if lesson is None:
        raise NotFound("lesson")
    require_may_edit(user, lesson)
    return lesson


async def plan_items_of(
    session: AsyncSession, user: User, item_ids: list[uuid.UUID]
) -> dict[uuid.UUID, uuid.UUID]:
    """The assignment whose thematic plan holds each of the school's `item_ids`."""
    if not item_ids:
        return {}
    rows = await driver.fetch(session, PLAN_ITEMS_SQL, item_ids, user.school_id)
    return {_plain(row["id"]): _plain(row["assignment_id"]) for row in rows}


def check_topic(
    lesson: Editing,
    topic: str | None,
    plan_item_id: uuid.UUID | None,
    plan_item_assignment: uuid.UUID | None,
    version: int | None,
) -> int:
    """The version a topic edit is based on, once it is known to apply: 428 without one,
    409 when stale, 422 for a plan item of another assignment's plan or no change."""
    if version is None:
        raise version_required()
    if lesson.version != version:
        raise stale("lesson", lesson.current())
    if plan_item_id is not None and plan_item_assignment != lesson.assignment_id:
        raise Problem(
            422,
            "unknown-plan-item",
            "Unknown plan item",
            "Этого пункта нет в тематическом плане этого предмета в этом классе.",
            plan_item_id=str(plan_item_id),
        )
    if topic == lesson.topic and plan_item_id == lesson.plan_item_id:
        raise Problem(
            422, "nothing-changed", "Nothing changed", "The lesson already has this topic."
        )
    return version


async def set_topic(
    session: AsyncSession,
    user: User,
    lesson: Editing,
    topic: str | None,
    plan_item_id: uuid.UUID | None,
    plan_item_assignment: uuid.UUID | None,
    version: int | None,
) -> tuple[Editing, bytes]:
    """Set (or clear) the lesson's topic and plan item (authorized by `editing`); the
    lesson as it is after and the answer (`LessonEdited`) as JSON bytes."""
    based = check_topic(lesson, topic, plan_item_id, plan_item_assignment, version)
    event = staged(
        LessonTopicSet(
            school_id=user.school_id,
            version=based + 1,
            lesson_id=lesson.lesson_id,
            lesson_date=lesson.lesson_date,
            class_id=lesson.class_id,
            subject_id=lesson.subject_id,
            teacher_id=lesson.teacher_id,
            topic=topic,
            plan_item_id=plan_item_id,
        )
    )
    written = await driver.fetchval(
        session,
        TOPIC_SQL,
        lesson.lesson_id,
        based,
        topic,
        plan_item_id,
        event.id,
        event.routing_key,
        event.envelope,
    )
    if written is None:  # edited by someone else between the read and the write
        again = await editing_many(session, user, [lesson.lesson_id])
        raise stale("lesson", again[lesson.lesson_id].current())
    edited = replace(lesson, topic=topic, plan_item_id=plan_item_id, version=written)
    return edited, edited_answer(edited)


def edited_answer(lesson: Editing) -> bytes:
    """A lesson's editable state in the shape of `LessonEdited`."""
    return orjson.dumps(
        {
            "lesson_id": lesson.lesson_id,
            "date": lesson.lesson_date,
            "topic": lesson.topic,
            "plan_item_id": lesson.plan_item_id,
            "homework": lesson.homework,
            "homework_due_on": lesson.homework_due_on,
            "version": lesson.version,
        }
    )
