"""Use cases of lessons: recording one, and the rules every dated lesson follows (a
school day of the calendar, a free slot); edits of its topic and homework are in
journal.lessons.editing, the administration's changes in journal.lessons.changes.

"The lesson's teacher" is the substitute while the lesson has one, else the teacher of
its assignment: marks, attendance and corrections ask `lesson_teacher` (or the same
`coalesce(lessons.substitute_id, assignments.teacher_id)` in their SQL).
"""

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, exists, false, func, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from journal.access import TEACHING, require_own_teaching, require_role
from journal.base import UNIQUE_VIOLATION
from journal.calendar.closing import require_open
from journal.calendar.models import AcademicYear
from journal.calendar.service import holiday_on, period_for
from journal.corrections import stale, version_required
from journal.lessons.models import Lesson, LessonChange
from journal.lessons.schemas import LessonCreate, LessonOut
from journal.roster.models import SchoolClass
from journal.teaching.models import Assignment
from shared.contracts.journal import LessonScheduled
from shared.errors import Conflict, NotFound, Problem
from shared.outbox import add_event
from shared.security import User


def lesson_teacher(assignment_teacher: uuid.UUID, substitute: uuid.UUID | None) -> uuid.UUID:
    """Who gives and fills the lesson: the substitute while there is one."""
    return substitute or assignment_teacher


def cancelled_problem() -> Problem:
    return Problem(
        409,
        "lesson-cancelled",
        "Lesson cancelled",
        "The lesson is cancelled: it takes no topic, marks or attendance.",
    )


@dataclass
class LessonView:
    """A lesson with its assignment (the teacher, the class's grade)."""

    lesson: Lesson
    assignment: Assignment
    grade: int

    @property
    def teacher_id(self) -> uuid.UUID:
        return lesson_teacher(self.assignment.teacher_id, self.lesson.substitute_id)

    def out(self) -> LessonOut:
        lesson = self.lesson
        return LessonOut(
            lesson_id=lesson.id,
            assignment_id=lesson.assignment_id,
            class_id=lesson.class_id,
            group_id=lesson.group_id,
            subject_id=lesson.subject_id,
            teacher_id=self.assignment.teacher_id,
            substitute_id=lesson.substitute_id,
            date=lesson.date,
            lesson_number=lesson.lesson_number,
            topic=lesson.topic,
            homework=lesson.homework,
            cancelled=lesson.cancelled_at is not None,
            cancel_reason=lesson.cancel_reason,
            version=lesson.version,
        )

    def current(self) -> dict[str, Any]:
        """The lesson as a 409 shows it (JSON-ready)."""
        state: dict[str, Any] = self.out().model_dump(mode="json")
        return state


def lesson_state(view: LessonView) -> dict[str, Any]:
    """The fields every lesson event carries (the lesson's whole state and version)."""
    lesson = view.lesson
    return {
        "school_id": lesson.school_id,
        "version": lesson.version,
        "lesson_id": lesson.id,
        "assignment_id": lesson.assignment_id,
        "class_id": lesson.class_id,
        "group_id": lesson.group_id,
        "subject_id": lesson.subject_id,
        "teacher_id": view.assignment.teacher_id,
        "substitute_id": lesson.substitute_id,
        "lesson_date": lesson.date,
        "lesson_number": lesson.lesson_number,
        "topic": lesson.topic,
        "homework": lesson.homework,
        "cancelled": lesson.cancelled_at is not None,
    }


def history_row(
    view: LessonView, user: User, kind: str, *, old: Lesson | None = None, reason: str | None = None
) -> LessonChange:
    lesson = view.lesson
    return LessonChange(
        id=uuid.uuid4(),
        school_id=lesson.school_id,
        lesson_id=lesson.id,
        assignment_id=lesson.assignment_id,
        version=lesson.version,
        kind=kind,
        changed_by=user.account_id,
        old_date=None if old is None else old.date,
        old_lesson_number=None if old is None else old.lesson_number,
        new_date=lesson.date,
        new_lesson_number=lesson.lesson_number,
        substitute_id=lesson.substitute_id,
        reason=reason,
    )


async def require_school_day(
    session: AsyncSession, school_id: uuid.UUID, grade: int, day: dt.date
) -> None:
    """422 unless `day` is a school day for the class level: inside a period (quarter or
    half, by the level) of one of the school's academic years and on no holiday. A day no
    year of the school covers (a school that has entered no calendar yet included) is
    `outside-periods` too: lessons, and the marks and attendance on them, live in the
    calendar."""
    covered = await session.scalar(
        select(
            exists().where(
                AcademicYear.school_id == school_id,
                AcademicYear.starts_on <= day,
                AcademicYear.ends_on >= day,
            )
        )
    )
    if not covered:
        raise Problem(
            422,
            "outside-periods",
            "Outside the school's periods",
            f"The school has no academic year covering {day.isoformat()}: "
            "enter the year's calendar before its lessons.",
            date=day.isoformat(),
        )
    holiday = await holiday_on(session, school_id, day)
    if holiday is not None:
        raise Problem(
            422,
            "holiday",
            "Holiday",
            f"{day.isoformat()} is a day off of the school ({holiday.name}): no lessons then.",
            date=day.isoformat(),
        )
    if await period_for(session, school_id, grade, day) is None:
        raise Problem(
            422,
            "outside-periods",
            "Outside the school's periods",
            f"{day.isoformat()} lies in no quarter or half of the school's years for this class.",
            date=day.isoformat(),
        )


async def require_free_slot(
    session: AsyncSession,
    *,
    school_id: uuid.UUID,
    lesson_id: uuid.UUID | None,
    class_id: uuid.UUID | None,
    group_id: uuid.UUID | None,
    teacher_id: uuid.UUID,
    day: dt.date,
    number: int | None,
) -> None:
    """409 if the class (or the group, or the whole class for a group) or the teacher
    already has a lesson, not cancelled, in this slot. Lessons without a number hold no
    slot. `class_id` None: only the teacher's lessons are looked at."""
    if number is None:
        return
    class_clash = (
        and_(
            Lesson.class_id == class_id,
            or_(
                Lesson.group_id.is_(None),
                true() if group_id is None else false(),
                Lesson.group_id == group_id,
            ),
        )
        if class_id is not None
        else false()
    )
    others = (
        select(Lesson.id, Lesson.class_id)
        .join(Assignment, Assignment.id == Lesson.assignment_id)
        .where(
            Lesson.school_id == school_id,
            Lesson.date == day,
            Lesson.lesson_number == number,
            Lesson.cancelled_at.is_(None),
            or_(
                class_clash,
                func.coalesce(Lesson.substitute_id, Assignment.teacher_id) == teacher_id,
            ),
        )
        .limit(1)
    )
    if lesson_id is not None:
        others = others.where(Lesson.id != lesson_id)
    clash = (await session.execute(others)).first()
    if clash is None:
        return
    if clash.class_id == class_id:
        raise Problem(
            409,
            "slot-taken",
            "Slot taken",
            f"The class already has lesson {number} on {day.isoformat()}.",
            lesson_id=str(clash.id),
        )
    raise Problem(
        409,
        "teacher-busy",
        "Teacher busy",
        f"The teacher already gives lesson {number} on {day.isoformat()} in another class.",
        lesson_id=str(clash.id),
    )


async def flush_unique(session: AsyncSession, conflict: Problem) -> None:
    """Flush in a savepoint; the lessons' one-per-slot constraint becomes `conflict`."""
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        if getattr(exc.orig, "sqlstate", None) == UNIQUE_VIOLATION:
            raise conflict from None
        raise


def same_slot(day: dt.date, number: int | None) -> Conflict:
    return Conflict(
        "lesson-exists",
        f"This class and subject already has lesson {number} on {day.isoformat()}.",
    )


async def create_lesson(session: AsyncSession, user: User, data: LessonCreate) -> LessonView:
    """Record a lesson of the caller's own assignment on a school day."""
    require_role(user, *TEACHING)
    assignment = await session.get(Assignment, data.assignment_id)
    if assignment is None or assignment.school_id != user.school_id:
        raise NotFound("assignment")
    require_own_teaching(user, assignment.teacher_id)
    grade = await session.scalar(
        select(SchoolClass.grade).where(SchoolClass.id == assignment.class_id)
    )
    assert grade is not None  # an assignment's class exists (foreign key)
    await require_open(session, user.school_id, assignment.class_id, data.date)
    await require_school_day(session, user.school_id, grade, data.date)
    await require_free_slot(
        session,
        school_id=user.school_id,
        lesson_id=None,
        class_id=assignment.class_id,
        group_id=None,
        teacher_id=assignment.teacher_id,
        day=data.date,
        number=data.lesson_number,
    )
    lesson = Lesson(
        id=uuid.uuid4(),
        school_id=user.school_id,
        assignment_id=assignment.id,
        class_id=assignment.class_id,
        subject_id=assignment.subject_id,
        date=data.date,
        lesson_number=data.lesson_number,
        topic=data.topic or None,
        homework=data.homework or None,
        version=1,
        created_by=user.account_id,
    )
    session.add(lesson)
    await flush_unique(session, same_slot(data.date, data.lesson_number))
    view = LessonView(lesson, assignment, grade)
    session.add(history_row(view, user, "scheduled"))
    await add_event(session, LessonScheduled(**lesson_state(view)))
    return view


async def lesson_view(
    session: AsyncSession, school_id: uuid.UUID, lesson_id: uuid.UUID, *, lock: bool = False
) -> LessonView:
    """The lesson of this school with its assignment (404 otherwise); locked if asked, so
    that changes of one lesson happen one at a time."""
    query = (
        select(Lesson, Assignment, SchoolClass.grade)
        .join(Assignment, Assignment.id == Lesson.assignment_id)
        .join(SchoolClass, SchoolClass.id == Lesson.class_id)
        .where(Lesson.id == lesson_id, Lesson.school_id == school_id)
    )
    if lock:
        query = query.with_for_update(of=Lesson).execution_options(populate_existing=True)
    row = (await session.execute(query)).first()
    if row is None:
        raise NotFound("lesson")
    return LessonView(row[0], row[1], row[2])


def require_current(view: LessonView, version: int | None) -> None:
    """428 without a version, 409 with the lesson as it is when the version is stale."""
    if version is None:
        raise version_required()
    if version != view.lesson.version:
        raise stale("lesson", view.current())
