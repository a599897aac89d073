"""Changes of one dated lesson by the administration: cancelling it, moving it to
another date or lesson number, giving it to a substitute teacher.

Each names the lesson's version it was based on (`If-Match` or `version`; stale: 409 with
the lesson as it is), takes the lesson's row lock, bumps the version, writes a
`lesson_history` row and publishes the lesson's whole state. A lesson that already holds
marks or attendance was held: it is neither cancelled nor moved (409 `lesson-has-entries`;
correct the entries first), though it may still get a substitute.
"""

import uuid
from datetime import UTC, datetime

from sqlalchemy import exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from journal.access import ADMINISTRATION, require_role
from journal.attendance.models import Attendance
from journal.calendar.closing import require_open
from journal.lessons.models import LessonChange
from journal.lessons.schemas import (
    LessonCancel,
    LessonHistory,
    LessonHistoryEntry,
    LessonMove,
    LessonSubstitution,
)
from journal.lessons.service import (
    LessonView,
    cancelled_problem,
    flush_unique,
    history_row,
    lesson_state,
    lesson_view,
    require_current,
    require_free_slot,
    require_school_day,
    same_slot,
)
from journal.marks.models import Mark
from journal.roster.service import require_teaching_staff
from shared.contracts.journal import LessonCancelled, LessonMoved, LessonSubstituted
from shared.errors import Problem
from shared.outbox import add_event
from shared.security import User

# The deputy keeps the timetable (DESIGN.md §2); the director may do all the deputy does.
TIMETABLE_KEEPERS = ADMINISTRATION


async def _changeable(
    session: AsyncSession, user: User, lesson_id: uuid.UUID, version: int | None
) -> LessonView:
    require_role(user, *TIMETABLE_KEEPERS)
    view = await lesson_view(session, user.school_id, lesson_id, lock=True)
    require_current(view, version)
    if view.lesson.cancelled_at is not None:
        raise cancelled_problem()
    await require_open(session, user.school_id, view.lesson.class_id, view.lesson.date)
    return view


async def _refuse_if_held(session: AsyncSession, lesson_id: uuid.UUID) -> None:
    held = await session.scalar(
        select(
            or_(
                exists().where(Mark.lesson_id == lesson_id, Mark.removed_at.is_(None)),
                exists().where(Attendance.lesson_id == lesson_id, Attendance.code.is_not(None)),
            )
        )
    )
    if held:
        raise Problem(
            409,
            "lesson-has-entries",
            "Lesson has entries",
            "The lesson already holds marks or attendance: it was held. Correct them first.",
        )


async def cancel_lesson(
    session: AsyncSession, user: User, lesson_id: uuid.UUID, data: LessonCancel, version: int | None
) -> LessonView:
    """Cancel a lesson, with a reason; it stays, shown as cancelled."""
    view = await _changeable(session, user, lesson_id, version)
    await _refuse_if_held(session, lesson_id)
    view.lesson.cancelled_at = datetime.now(UTC)
    view.lesson.cancel_reason = data.reason
    view.lesson.version += 1
    await session.flush()
    session.add(history_row(view, user, "cancelled", reason=data.reason))
    await add_event(session, LessonCancelled(**lesson_state(view)))
    return view


async def move_lesson(
    session: AsyncSession, user: User, lesson_id: uuid.UUID, data: LessonMove, version: int | None
) -> LessonView:
    """Move a lesson to another school day and/or lesson number, into a free slot."""
    view = await _changeable(session, user, lesson_id, version)
    lesson = view.lesson
    number = lesson.lesson_number if data.lesson_number is None else data.lesson_number
    if (data.date, number) == (lesson.date, lesson.lesson_number):
        raise Problem(422, "nothing-changed", "Nothing changed", "The lesson is already there.")
    await _refuse_if_held(session, lesson_id)
    await require_open(session, user.school_id, lesson.class_id, data.date)
    await require_school_day(session, user.school_id, view.grade, data.date)
    await require_free_slot(
        session,
        school_id=user.school_id,
        lesson_id=lesson.id,
        class_id=lesson.class_id,
        group_id=lesson.group_id,
        teacher_id=view.teacher_id,
        day=data.date,
        number=number,
    )
    old_date, old_number = lesson.date, lesson.lesson_number
    lesson.date, lesson.lesson_number = data.date, number
    lesson.version += 1
    await flush_unique(session, same_slot(data.date, number))
    change = history_row(view, user, "moved", reason=data.reason)
    change.old_date, change.old_lesson_number = old_date, old_number
    session.add(change)
    await add_event(
        session,
        LessonMoved(**lesson_state(view), old_lesson_date=old_date, old_lesson_number=old_number),
    )
    return view


async def substitute_lesson(
    session: AsyncSession,
    user: User,
    lesson_id: uuid.UUID,
    data: LessonSubstitution,
    version: int | None,
) -> LessonView:
    """Give the lesson to another teacher of the school (null: back to the assignment's)."""
    view = await _changeable(session, user, lesson_id, version)
    lesson = view.lesson
    substitute = data.teacher_id
    if substitute == view.assignment.teacher_id:
        substitute = None  # the assignment's own teacher is no substitute
    if substitute == lesson.substitute_id:
        raise Problem(
            422, "nothing-changed", "Nothing changed", "The lesson already has this teacher."
        )
    if substitute is not None:
        await require_teaching_staff(session, user.school_id, substitute)
    await require_free_slot(
        session,
        school_id=user.school_id,
        lesson_id=lesson.id,
        class_id=None,  # the class keeps its slot: only the teacher's other lessons clash
        group_id=None,
        teacher_id=substitute or view.assignment.teacher_id,
        day=lesson.date,
        number=lesson.lesson_number,
    )
    lesson.substitute_id = substitute
    lesson.version += 1
    await session.flush()
    session.add(history_row(view, user, "substituted", reason=data.reason))
    await add_event(session, LessonSubstituted(**lesson_state(view)))
    return view


async def lesson_history(session: AsyncSession, user: User, lesson_id: uuid.UUID) -> LessonHistory:
    """Every version of a lesson, oldest first (deputy, director)."""
    require_role(user, *ADMINISTRATION)
    await lesson_view(session, user.school_id, lesson_id)
    changes = await session.scalars(
        select(LessonChange)
        .where(LessonChange.lesson_id == lesson_id)
        .order_by(LessonChange.version)
    )
    return LessonHistory(
        lesson_id=lesson_id,
        changes=[LessonHistoryEntry.model_validate(c, from_attributes=True) for c in changes],
    )
