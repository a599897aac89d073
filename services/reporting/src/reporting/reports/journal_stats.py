"""Per teaching assignment, what its journal holds over some days: lessons held, those
without a topic or homework, marks entered late, students short of marks, the last entry.
Shared by the monthly control and the quarter-end check."""

import uuid
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Date, and_, case, cast, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from reporting.projections.tables import (
    AssignmentRow,
    LessonHomeworkRow,
    LessonRow,
    LessonTopicRow,
    MarkEntryRow,
    MarkRow,
    SchoolRow,
)
from reporting.reports.context import Grading, Spell

DEFAULT_TIMEZONE = "Europe/Moscow"

# A lesson's topic and homework: the newest of the lesson's own state and the topic or
# homework event (they share the lesson's version).
TOPIC = case(
    (LessonTopicRow.version > LessonRow.version, LessonTopicRow.topic), else_=LessonRow.topic
)
HAS_HOMEWORK = case(
    (LessonHomeworkRow.version > LessonRow.version, LessonHomeworkRow.present),
    else_=LessonRow.homework.is_not(None),
)


@dataclass
class AssignmentJournal:
    assignment_id: uuid.UUID
    lessons_held: int = 0
    lessons_cancelled: int = 0
    lessons_without_topic: list[str] = field(default_factory=list)  # dates
    lessons_without_homework: list[str] = field(default_factory=list)
    plan_items_covered: set[uuid.UUID] = field(default_factory=set)
    late_marks: int = 0
    students_below_minimum: list[uuid.UUID] = field(default_factory=list)
    last_entry_at: datetime | None = None


async def school_timezone(session: AsyncSession, school_id: uuid.UUID) -> str:
    school = await session.get(SchoolRow, school_id)
    return school.timezone if school is not None else DEFAULT_TIMEZONE


async def journals_of(
    session: AsyncSession,
    school_id: uuid.UUID,
    assignments: list[AssignmentRow],
    first: date,
    last: date,
    grading: Grading,
    spells: list[Spell],
    unmarked_classes: Collection[uuid.UUID] = (),
) -> dict[uuid.UUID, AssignmentJournal]:
    """`unmarked_classes`: classes taught without marks, where nobody is short of marks."""
    ids = [a.assignment_id for a in assignments]
    found = {a: AssignmentJournal(a) for a in ids}
    lessons = (
        select(
            LessonRow.assignment_id,
            LessonRow.lesson_date,
            LessonRow.cancelled,
            TOPIC.label("topic"),
            HAS_HOMEWORK.label("homework"),
            LessonTopicRow.plan_item_id,
        )
        .outerjoin(LessonTopicRow, LessonTopicRow.lesson_id == LessonRow.lesson_id)
        .outerjoin(LessonHomeworkRow, LessonHomeworkRow.lesson_id == LessonRow.lesson_id)
        .where(
            LessonRow.school_id == school_id,
            LessonRow.assignment_id.in_(ids),
            LessonRow.lesson_date.between(first, last),
        )
        .order_by(LessonRow.lesson_date)
    )
    for row in await session.execute(lessons):
        journal = found[row.assignment_id]
        if row.cancelled:
            journal.lessons_cancelled += 1
            continue
        journal.lessons_held += 1
        if not (row.topic or "").strip():
            journal.lessons_without_topic.append(str(row.lesson_date))
        if not row.homework:
            journal.lessons_without_homework.append(str(row.lesson_date))
        if row.plan_item_id is not None:
            journal.plan_items_covered.add(row.plan_item_id)
    zone = await school_timezone(session, school_id)
    entered_on = cast(func.timezone(literal(zone), MarkEntryRow.posted_at), Date)
    late = await session.execute(
        select(LessonRow.assignment_id, func.count())
        .select_from(MarkEntryRow)
        .join(MarkRow, MarkRow.mark_id == MarkEntryRow.mark_id)
        .join(LessonRow, LessonRow.lesson_id == MarkEntryRow.lesson_id)
        .where(
            MarkEntryRow.school_id == school_id,
            MarkRow.deleted.is_(False),
            LessonRow.assignment_id.in_(ids),
            MarkEntryRow.lesson_date.between(first, last),
            entered_on - MarkEntryRow.lesson_date > grading.late_entry_days,
        )
        .group_by(LessonRow.assignment_id)
    )
    for assignment_id, n in late:
        found[assignment_id].late_marks = int(n)
    # The last entry ever made in the assignment's journal: a mark, a topic, a homework.
    for column, join_on in (
        (MarkEntryRow.posted_at, MarkEntryRow.lesson_id),
        (LessonTopicRow.set_at, LessonTopicRow.lesson_id),
        (LessonHomeworkRow.set_at, LessonHomeworkRow.lesson_id),
    ):
        for assignment_id, at in await session.execute(
            select(LessonRow.assignment_id, func.max(column))
            .join(LessonRow, LessonRow.lesson_id == join_on)
            .where(LessonRow.assignment_id.in_(ids))
            .group_by(LessonRow.assignment_id)
        ):
            journal = found[assignment_id]
            if at is not None and (journal.last_entry_at is None or at > journal.last_entry_at):
                journal.last_entry_at = at
    # Students of the class on the last day with fewer marks in the subject than the
    # school's minimum (their marks anywhere in these days count); none in a class taught
    # without marks.
    counts: dict[tuple[uuid.UUID, uuid.UUID], int] = {}
    for student, subject, n in await session.execute(
        select(MarkRow.student_id, MarkRow.subject_id, func.count())
        .where(
            MarkRow.school_id == school_id,
            MarkRow.deleted.is_(False),
            MarkRow.lesson_date.between(first, last),
        )
        .group_by(MarkRow.student_id, MarkRow.subject_id)
    ):
        counts[(student, subject)] = int(n)
    for assignment in assignments:
        if assignment.class_id in unmarked_classes:
            continue
        roster = sorted(
            {s.student_id for s in spells if s.class_id == assignment.class_id and s.covers(last)},
            key=str,
        )
        found[assignment.assignment_id].students_below_minimum = [
            student
            for student in roster
            if counts.get((student, assignment.subject_id), 0) < grading.min_marks
        ]
    return found


__all__ = ["and_", "journals_of"]
