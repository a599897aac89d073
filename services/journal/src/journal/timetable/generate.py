"""Generating a period's dated lessons from the weekly timetable.

For every day of the period that is no holiday and no Sunday, every entry valid that day
on that weekday gives its assignment's lesson in its slot (date, lesson number). Running it
again adds only what is missing: a slot that already holds its assignment's lesson, or
that a lesson was moved away from (`lesson_history`), is left alone, and the unique
`(assignment_id, date, lesson_number)` makes a duplicate impossible even so. A cancelled
lesson keeps its slot. Each lesson made publishes `LessonScheduled` (version 1).
"""

import datetime as dt
import uuid

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from journal.access import require_role
from journal.calendar import rules
from journal.calendar.models import Holiday, Period
from journal.grading.service import settings_of
from journal.lessons.models import Lesson, LessonChange
from journal.lessons.service import LessonView, history_row, lesson_state
from journal.roster.models import SchoolClass
from journal.roster.service import class_in_school
from journal.teaching.models import Assignment
from journal.timetable.models import TimetableEntry
from journal.timetable.schemas import GenerateIn, GenerateOut
from journal.timetable.service import TIMETABLE_KEEPERS, lock_school
from shared.contracts.journal import LessonScheduled
from shared.errors import NotFound, Problem
from shared.outbox import add_event
from shared.security import User

Slot = tuple[uuid.UUID, dt.date, int]  # assignment, date, lesson number


async def generate_lessons(session: AsyncSession, user: User, data: GenerateIn) -> GenerateOut:
    """Make the missing lessons of a period from the timetable (deputy, director)."""
    require_role(user, *TIMETABLE_KEEPERS)
    period = await session.get(Period, data.period_id)
    if period is None or period.school_id != user.school_id:
        raise NotFound("period")
    settings = await settings_of(session, user.school_id)
    if data.class_id is not None:
        school_class = await class_in_school(session, user.school_id, data.class_id)
        if rules.period_kind_for(school_class.grade, settings.half_year_grades) != period.kind:
            raise Problem(
                422,
                "period-kind-mismatch",
                "Period of another kind",
                f"Class {school_class.name} keeps its marks by another kind of period "
                f"than this {period.kind}.",
            )
        classes = [school_class]
    else:
        every = await session.scalars(
            select(SchoolClass).where(SchoolClass.school_id == user.school_id)
        )
        classes = [
            c
            for c in every
            if rules.period_kind_for(c.grade, settings.half_year_grades) == period.kind
        ]
    await lock_school(session, user.school_id)

    holidays = list(
        await session.scalars(
            select(Holiday).where(
                Holiday.school_id == user.school_id,
                Holiday.starts_on <= period.ends_on,
                Holiday.ends_on >= period.starts_on,
            )
        )
    )
    days = [
        period.starts_on + dt.timedelta(days=n)
        for n in range((period.ends_on - period.starts_on).days + 1)
    ]
    off = {day for day in days if rules.holiday_on(holidays, day) is not None}
    school_days = [day for day in days if day not in off and day.isoweekday() <= 6]

    class_ids = [c.id for c in classes]
    entries = list(
        await session.scalars(
            select(TimetableEntry).where(
                TimetableEntry.class_id.in_(class_ids),
                TimetableEntry.valid_from <= period.ends_on,
                or_(
                    TimetableEntry.valid_to.is_(None),
                    TimetableEntry.valid_to >= period.starts_on,
                ),
            )
        )
    )
    wanted: dict[Slot, TimetableEntry] = {}
    for day in school_days:
        for entry in entries:
            if (
                entry.weekday == day.isoweekday()
                and entry.valid_from <= day
                and (entry.valid_to is None or entry.valid_to >= day)
            ):
                wanted[(entry.assignment_id, day, entry.lesson_number)] = entry

    assignment_ids = list({entry.assignment_id for entry in entries})
    held: set[tuple[uuid.UUID, dt.date | None, int | None]] = set()
    if assignment_ids:
        present = await session.execute(
            select(Lesson.assignment_id, Lesson.date, Lesson.lesson_number).where(
                Lesson.assignment_id.in_(assignment_ids),
                Lesson.date.between(period.starts_on, period.ends_on),
                Lesson.lesson_number.is_not(None),
            )
        )
        held |= {(a, d, n) for a, d, n in present.all()}
        moved_away = await session.execute(
            select(
                LessonChange.assignment_id, LessonChange.old_date, LessonChange.old_lesson_number
            ).where(
                LessonChange.assignment_id.in_(assignment_ids),
                LessonChange.kind == "moved",
                LessonChange.old_date.between(period.starts_on, period.ends_on),
            )
        )
        held |= {(a, d, n) for a, d, n in moved_away.all()}

    missing = [slot for slot in wanted if slot not in held]
    assignments = {
        a.id: a
        for a in await session.scalars(
            select(Assignment).where(Assignment.id.in_({a for a, _, _ in missing}))
        )
    }
    grades = {c.id: c.grade for c in classes}
    made: list[LessonView] = []
    for assignment_id, day, number in sorted(missing, key=lambda s: (s[1], s[2], str(s[0]))):
        entry = wanted[(assignment_id, day, number)]
        assignment = assignments[assignment_id]
        lesson = Lesson(
            id=uuid.uuid4(),
            school_id=user.school_id,
            assignment_id=assignment_id,
            class_id=entry.class_id,
            group_id=entry.group_id,
            subject_id=assignment.subject_id,
            date=day,
            lesson_number=number,
            version=1,
            created_by=user.account_id,
        )
        session.add(lesson)
        made.append(LessonView(lesson, assignment, grades[entry.class_id]))
    await session.flush()
    for view in made:
        session.add(history_row(view, user, "scheduled"))
        await add_event(session, LessonScheduled(**lesson_state(view)))
    return GenerateOut(
        period_id=period.id,
        classes=len(classes),
        school_days=len(school_days),
        holidays_skipped=len(off),
        created=len(made),
        already_there=len(wanted) - len(missing),
    )
