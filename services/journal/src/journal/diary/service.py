"""Reading a student's diary: one query decides access, one reads the range.

It is the hottest read of the system, so it never loads ORM objects lesson by lesson:
the lessons of the student's classes in the range come with the student's marks in one
statement (lessons by `ix_lessons_class_id_date`, marks by `ix_marks_student_id_lesson_id`).
"""

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import ColumnElement, Row, Select, and_, exists, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from journal.access import ADMINISTRATION, JOURNAL_READERS, TEACHING, require_role
from journal.diary.schemas import Diary, DiaryDay, DiaryLesson, DiaryMark
from journal.lessons.models import Lesson
from journal.marks.models import Mark
from journal.roster.models import Enrollment, SchoolClass, Student
from journal.school.models import School, WorkType
from journal.teaching.models import Assignment, Subject
from shared.errors import NotFound, Problem
from shared.security import User

MAX_RANGE_DAYS = 31


def _range_error(detail: str) -> Problem:
    return Problem(422, "invalid-date-range", "Invalid date range", detail)


def week_of(day: dt.date) -> tuple[dt.date, dt.date]:
    """Monday to Sunday of the week holding `day`."""
    monday = day - dt.timedelta(days=day.weekday())
    return monday, monday + dt.timedelta(days=6)


def asked_range(date_from: dt.date | None, date_to: dt.date | None) -> tuple[dt.date, dt.date]:
    """The range asked for (one end given means the week from or to it), both ends
    included, at most MAX_RANGE_DAYS days."""
    week = dt.timedelta(days=6)
    if date_from is not None:
        first, last = date_from, date_to or date_from + week
    elif date_to is not None:
        first, last = date_to - week, date_to
    else:
        raise ValueError("no date given")
    if last < first:
        raise _range_error("`to` is before `from`.")
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        raise _range_error(f"At most {MAX_RANGE_DAYS} days at a time.")
    return first, last


def school_today(timezone: str | None) -> dt.date:
    """Today in the school's time zone (UTC if the zone is unknown)."""
    try:
        zone = ZoneInfo(timezone) if timezone else dt.UTC
    except (ZoneInfoNotFoundError, ValueError):
        zone = dt.UTC
    return dt.datetime.now(zone).date()


def access_query(user: User, student_id: uuid.UUID) -> Select[str, bool]:
    """The school's time zone, and whether the caller teaches the student, if the student
    is in the caller's school (no row otherwise)."""
    current_class = and_(Enrollment.student_id == Student.id, Enrollment.left_at.is_(None))
    teaches_student: ColumnElement[bool]
    if user.has(*TEACHING):
        teaches_student = exists().where(
            current_class,
            or_(
                exists().where(
                    SchoolClass.id == Enrollment.class_id,
                    SchoolClass.class_teacher_id == user.account_id,
                ),
                exists().where(
                    Assignment.class_id == Enrollment.class_id,
                    Assignment.teacher_id == user.account_id,
                ),
            ),
        )
    else:
        teaches_student = literal(False)
    return (
        select(School.timezone, teaches_student.label("teaches"))
        .select_from(Student)
        .outerjoin(School, School.id == Student.school_id)
        .where(Student.id == student_id, Student.school_id == user.school_id)
    )


async def _authorize(session: AsyncSession, user: User, student_id: uuid.UUID) -> str | None:
    """The school's time zone if the caller may read this student's diary; else 404.

    The student themself, a parent with the student among the token's children, the
    administration, and the class teacher or a teacher of the student's current class.
    Everyone else gets 404, as if the student did not exist.
    """
    require_role(user, *JOURNAL_READERS)
    row = (await session.execute(access_query(user, student_id))).one_or_none()
    if row is None:
        raise NotFound("student")
    allowed = (
        user.has(*ADMINISTRATION)
        or (user.has("student") and user.person_id == student_id)
        or (user.has("parent") and student_id in user.children)
        or bool(row.teaches)
    )
    if not allowed:
        raise NotFound("student")
    timezone: str | None = row.timezone
    return timezone


async def read_diary(
    session: AsyncSession,
    user: User,
    student_id: uuid.UUID,
    date_from: dt.date | None,
    date_to: dt.date | None,
) -> Diary:
    asked = None if date_from is None and date_to is None else asked_range(date_from, date_to)
    timezone = await _authorize(session, user, student_id)
    first, last = asked or week_of(school_today(timezone))
    rows = (await session.execute(lessons_query(user.school_id, student_id, first, last))).all()
    return _diary(student_id, first, last, rows)


def lessons_query(
    school_id: uuid.UUID, student_id: uuid.UUID, first: dt.date, last: dt.date
) -> Select[*tuple[Any, ...]]:
    """The lessons of the student's classes in the range, each with the student's marks."""
    # Uncorrelated on purpose: the planner starts from the student's few classes and reads
    # their lessons through ix_lessons_class_id_date. (A class left during the range still
    # shows to the end of the range; exact transfer dates come with transfers.)
    student_classes = select(Enrollment.class_id).where(
        Enrollment.student_id == student_id,
        or_(Enrollment.left_at.is_(None), Enrollment.left_at >= first),
    )
    return (
        select(
            Lesson.id.label("lesson_id"),
            Lesson.date,
            Lesson.subject_id,
            Subject.name.label("subject_name"),
            Lesson.topic,
            Lesson.homework,
            Mark.id.label("mark_id"),
            Mark.value,
            WorkType.code.label("work_type"),
            WorkType.name.label("work_type_name"),
            WorkType.weight,
        )
        .join(Subject, Subject.id == Lesson.subject_id)
        .outerjoin(Mark, and_(Mark.lesson_id == Lesson.id, Mark.student_id == student_id))
        .outerjoin(WorkType, WorkType.id == Mark.work_type_id)
        .where(
            Lesson.school_id == school_id,
            Lesson.class_id.in_(student_classes),
            Lesson.date.between(first, last),
        )
        .order_by(Lesson.date, Lesson.created_at, Subject.name, Lesson.id, Mark.posted_at, Mark.id)
    )


def _diary(student_id: uuid.UUID, first: dt.date, last: dt.date, rows: Sequence[Row[Any]]) -> Diary:
    days: dict[dt.date, dict[uuid.UUID, DiaryLesson]] = {}
    for row in rows:
        lessons = days.setdefault(row.date, {})
        lesson = lessons.get(row.lesson_id)
        if lesson is None:
            lesson = lessons[row.lesson_id] = DiaryLesson(
                lesson_id=row.lesson_id,
                subject_id=row.subject_id,
                subject_name=row.subject_name,
                topic=row.topic,
                homework=row.homework,
                marks=[],
            )
        if row.mark_id is not None:
            lesson.marks.append(
                DiaryMark(
                    mark_id=row.mark_id,
                    value=row.value,
                    work_type=row.work_type,
                    work_type_name=row.work_type_name,
                    weight=row.weight,
                )
            )
    return Diary(
        student_id=student_id,
        date_from=first,
        date_to=last,
        days=[DiaryDay(date=day, lessons=list(lessons.values())) for day, lessons in days.items()],
    )
