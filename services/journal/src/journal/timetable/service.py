"""Use cases of the timetable: the bell schedule, the weekly entries of classes and
groups with their conflict checks, and reading a class's week.

The deputy keeps the timetable (DESIGN.md §2; the director may do what the deputy does).
Every write takes the school's row lock first, so two writes of one school's timetable
happen one at a time and a conflict check cannot miss an entry saved beside it.
"""

import datetime as dt
import uuid
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from sqlalchemy import and_, delete, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from journal.access import ADMINISTRATION, JOURNAL_READERS, TEACHING, require_role
from journal.corrections import stale, version_required
from journal.roster.models import ClassGroup, Enrollment, SchoolClass
from journal.roster.service import class_in_school, leads, teaches_class
from journal.school.models import School
from journal.teaching.models import Assignment, Subject
from journal.timetable.models import BellLesson, BellSchedule, TimetableEntry
from journal.timetable.schemas import (
    BellLessonOut,
    BellScheduleIn,
    BellScheduleOut,
    ClassTimetable,
    EntryCreate,
    EntryEnd,
    EntryOut,
    clock,
)
from shared.contracts.journal import (
    BellLessonTimes,
    BellScheduleChanged,
    TimetableEntryChanged,
    TimetableEntryRemoved,
)
from shared.errors import Forbidden, NotFound, Problem
from shared.outbox import add_event
from shared.security import User

TIMETABLE_KEEPERS = ADMINISTRATION


async def lock_school(session: AsyncSession, school_id: uuid.UUID) -> None:
    found = await session.scalar(select(School.id).where(School.id == school_id).with_for_update())
    if found is None:
        raise NotFound("school")


# --- the bell schedule --------------------------------------------------------------------


def bell_errors(data: BellScheduleIn) -> list[dict[str, Any]]:
    """Every problem of a bell schedule: numbers repeated, a lesson ending before it
    starts, lessons out of order or overlapping (by number)."""
    errors: list[dict[str, Any]] = []

    def error(index: int, field: str, kind: str, msg: str) -> None:
        errors.append({"loc": ["body", "lessons", index, field], "msg": msg, "type": kind})

    seen: set[int] = set()
    for index, lesson in enumerate(data.lessons):
        if lesson.lesson_number in seen:
            error(index, "lesson_number", "duplicate", "this lesson number is listed twice")
        seen.add(lesson.lesson_number)
        if clock(lesson.ends_at) <= clock(lesson.starts_at):
            error(index, "ends_at", "time_order", "the lesson ends before it starts")
    ordered = sorted(enumerate(data.lessons), key=lambda pair: pair[1].lesson_number)
    for (_, before), (index, after) in pairwise(ordered):
        if after.lesson_number != before.lesson_number and clock(after.starts_at) < clock(
            before.ends_at
        ):
            error(
                index,
                "starts_at",
                "overlap",
                f"starts before lesson {before.lesson_number} ends ({before.ends_at})",
            )
    return errors


async def _bells(session: AsyncSession, school_id: uuid.UUID) -> BellScheduleOut:
    version = await session.scalar(
        select(BellSchedule.version).where(BellSchedule.school_id == school_id)
    )
    lessons = await session.scalars(
        select(BellLesson)
        .where(BellLesson.school_id == school_id)
        .order_by(BellLesson.lesson_number)
    )
    return BellScheduleOut(
        version=version or 0,
        lessons=[
            BellLessonOut(
                lesson_number=b.lesson_number,
                starts_at=f"{b.starts_at:%H:%M}",
                ends_at=f"{b.ends_at:%H:%M}",
            )
            for b in lessons
        ],
    )


async def read_bells(session: AsyncSession, user: User) -> BellScheduleOut:
    """The school's bell schedule (version 0 and no lessons while it has none)."""
    require_role(user, *JOURNAL_READERS)
    return await _bells(session, user.school_id)


async def set_bells(session: AsyncSession, user: User, data: BellScheduleIn) -> BellScheduleOut:
    """Replace the school's bell schedule, based on the version read."""
    require_role(user, *TIMETABLE_KEEPERS)
    errors = bell_errors(data)
    if errors:
        raise Problem(
            422,
            "validation-error",
            "Invalid request",
            "The bell schedule is inconsistent; nothing was saved.",
            errors=errors,
        )
    await lock_school(session, user.school_id)
    current = await _bells(session, user.school_id)
    if current.version != data.version:
        raise stale("bell schedule", current.model_dump(mode="json"))
    wanted = sorted(
        (BellLessonOut(**lesson.model_dump()) for lesson in data.lessons),
        key=lambda b: b.lesson_number,
    )
    if wanted == current.lessons:
        return current
    numbers = [b.lesson_number for b in wanted]
    in_use = await session.scalar(
        select(TimetableEntry.lesson_number)
        .where(
            TimetableEntry.school_id == user.school_id,
            TimetableEntry.lesson_number.not_in(numbers),
        )
        .limit(1)
    )
    if in_use is not None:
        raise Problem(
            409,
            "lesson-number-in-use",
            "Lesson number in use",
            f"The timetable has entries for lesson {in_use}; keep it in the bell schedule.",
        )
    schedule = await session.get(BellSchedule, user.school_id)
    if schedule is None:
        schedule = BellSchedule(school_id=user.school_id, version=1)
        session.add(schedule)
    else:
        schedule.version += 1
        schedule.updated_at = dt.datetime.now(dt.UTC)
    await session.flush()
    await session.execute(delete(BellLesson).where(BellLesson.school_id == user.school_id))
    session.add_all(
        BellLesson(
            school_id=user.school_id,
            lesson_number=b.lesson_number,
            starts_at=clock(b.starts_at),
            ends_at=clock(b.ends_at),
        )
        for b in wanted
    )
    await session.flush()
    await add_event(
        session,
        BellScheduleChanged(
            school_id=user.school_id,
            version=schedule.version,
            lessons=[
                BellLessonTimes(
                    lesson_number=b.lesson_number, starts_at=b.starts_at, ends_at=b.ends_at
                )
                for b in wanted
            ],
        ),
    )
    return BellScheduleOut(version=schedule.version, lessons=wanted)


# --- entries ------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryView:
    entry: TimetableEntry
    subject: Subject
    bell: BellLesson | None

    def out(self) -> EntryOut:
        entry = self.entry
        return EntryOut(
            entry_id=entry.id,
            assignment_id=entry.assignment_id,
            class_id=entry.class_id,
            group_id=entry.group_id,
            subject_id=self.subject.id,
            subject_name=self.subject.name,
            teacher_id=entry.teacher_id,
            weekday=entry.weekday,
            lesson_number=entry.lesson_number,
            starts_at=None if self.bell is None else f"{self.bell.starts_at:%H:%M}",
            ends_at=None if self.bell is None else f"{self.bell.ends_at:%H:%M}",
            valid_from=entry.valid_from,
            valid_to=entry.valid_to,
            version=entry.version,
        )


def _date_error(detail: str) -> Problem:
    return Problem(422, "invalid-date-range", "Invalid date range", detail)


async def _refuse_conflicts(session: AsyncSession, entry: TimetableEntry) -> None:
    """409 if, on some day both are valid, the class (the same group, or the whole class
    against a group) or the teacher already has an entry in this weekly slot."""
    overlapping = and_(
        TimetableEntry.school_id == entry.school_id,
        TimetableEntry.id != entry.id,
        TimetableEntry.weekday == entry.weekday,
        TimetableEntry.lesson_number == entry.lesson_number,
        or_(TimetableEntry.valid_to.is_(None), TimetableEntry.valid_to >= entry.valid_from),
    )
    if entry.valid_to is not None:
        overlapping = and_(overlapping, TimetableEntry.valid_from <= entry.valid_to)
    same_class = and_(TimetableEntry.class_id == entry.class_id)
    if entry.group_id is not None:  # another group of the class may share the slot
        same_class = and_(
            same_class,
            or_(TimetableEntry.group_id.is_(None), TimetableEntry.group_id == entry.group_id),
        )
    for clashing, slug, title, detail in (
        (
            same_class,
            "slot-taken",
            "Slot taken",
            "The class (or this group) already has a lesson in this slot on those dates.",
        ),
        (
            TimetableEntry.teacher_id == entry.teacher_id,
            "teacher-busy",
            "Teacher busy",
            "The teacher already teaches another class or group in this slot on those dates.",
        ),
    ):
        clash = await session.scalar(
            select(TimetableEntry.id).where(overlapping, clashing).limit(1)
        )
        if clash is not None:
            raise Problem(409, slug, title, detail, entry_id=str(clash))


async def _view(session: AsyncSession, entry: TimetableEntry) -> EntryView:
    subject = await session.scalar(
        select(Subject)
        .join(Assignment, Assignment.subject_id == Subject.id)
        .where(Assignment.id == entry.assignment_id)
    )
    assert subject is not None
    bell = await session.get(BellLesson, (entry.school_id, entry.lesson_number))
    return EntryView(entry, subject, bell)


async def _publish(session: AsyncSession, view: EntryView) -> None:
    entry = view.entry
    await add_event(
        session,
        TimetableEntryChanged(
            school_id=entry.school_id,
            version=entry.version,
            entry_id=entry.id,
            assignment_id=entry.assignment_id,
            class_id=entry.class_id,
            group_id=entry.group_id,
            subject_id=view.subject.id,
            teacher_id=entry.teacher_id,
            weekday=entry.weekday,
            lesson_number=entry.lesson_number,
            valid_from=entry.valid_from,
            valid_to=entry.valid_to,
        ),
    )


async def add_entry(session: AsyncSession, user: User, data: EntryCreate) -> EntryView:
    """Put an assignment into a weekly slot of its class (or of one of its groups)."""
    require_role(user, *TIMETABLE_KEEPERS)
    assignment = await session.get(Assignment, data.assignment_id)
    if assignment is None or assignment.school_id != user.school_id:
        raise NotFound("assignment")
    if data.group_id is not None:
        group = await session.get(ClassGroup, data.group_id)
        if group is None or group.school_id != user.school_id:
            raise NotFound("group")
        if group.class_id != assignment.class_id:
            raise Problem(
                422,
                "group-not-in-class",
                "Group not in class",
                "The group belongs to another class than the assignment's.",
            )
    if data.valid_to is not None and data.valid_to < data.valid_from:
        raise _date_error("`valid_to` is before `valid_from`.")
    await lock_school(session, user.school_id)
    bell = await session.get(BellLesson, (user.school_id, data.lesson_number))
    if bell is None:
        raise Problem(
            422,
            "unknown-lesson-number",
            "Unknown lesson number",
            f"The school's bell schedule has no lesson {data.lesson_number}.",
        )
    entry = TimetableEntry(
        id=uuid.uuid4(),
        school_id=user.school_id,
        assignment_id=assignment.id,
        class_id=assignment.class_id,
        group_id=data.group_id,
        teacher_id=assignment.teacher_id,
        weekday=data.weekday,
        lesson_number=data.lesson_number,
        valid_from=data.valid_from,
        valid_to=data.valid_to,
        version=1,
        created_by=user.account_id,
    )
    await _refuse_conflicts(session, entry)
    session.add(entry)
    await session.flush()
    view = await _view(session, entry)
    await _publish(session, view)
    return view


async def _current_entry(
    session: AsyncSession, user: User, entry_id: uuid.UUID, version: int | None
) -> TimetableEntry:
    entry = await session.scalar(
        select(TimetableEntry)
        .where(TimetableEntry.id == entry_id, TimetableEntry.school_id == user.school_id)
        .execution_options(populate_existing=True)
    )
    if entry is None:
        raise NotFound("timetable entry")
    if version is None:
        raise version_required()
    if version != entry.version:
        raise stale("timetable entry", (await _view(session, entry)).out().model_dump(mode="json"))
    return entry


async def remove_entry(
    session: AsyncSession, user: User, entry_id: uuid.UUID, version: int | None
) -> None:
    """Remove an entry made by mistake, based on its version; the lessons generated from
    it stay (a timetable that changes is ended with `end_entry` instead)."""
    require_role(user, *TIMETABLE_KEEPERS)
    await lock_school(session, user.school_id)
    entry = await _current_entry(session, user, entry_id, version)
    await session.delete(entry)
    await session.flush()
    await add_event(
        session,
        TimetableEntryRemoved(
            school_id=entry.school_id,
            version=entry.version + 1,
            entry_id=entry.id,
            class_id=entry.class_id,
        ),
    )


async def end_entry(
    session: AsyncSession, user: User, entry_id: uuid.UUID, data: EntryEnd, version: int | None
) -> EntryView:
    """Set an entry's last day (a timetable changing mid-year), based on its version."""
    require_role(user, *TIMETABLE_KEEPERS)
    await lock_school(session, user.school_id)
    entry = await _current_entry(session, user, entry_id, version)
    if data.valid_to < entry.valid_from:
        raise _date_error("`valid_to` is before the entry's `valid_from`.")
    if data.valid_to == entry.valid_to:
        return await _view(session, entry)
    entry.valid_to = data.valid_to
    await _refuse_conflicts(session, entry)
    entry.version += 1
    await session.flush()
    view = await _view(session, entry)
    await _publish(session, view)
    return view


async def _may_read_class(session: AsyncSession, user: User, school_class: SchoolClass) -> bool:
    if user.has(*ADMINISTRATION) or leads(user, school_class):
        return True
    if user.has(*TEACHING) and await teaches_class(session, user, school_class.id):
        return True
    students = [user.person_id] if user.has("student") and user.person_id else []
    if user.has("parent"):
        students += list(user.children)
    if not students:
        return False
    return bool(
        await session.scalar(
            select(
                exists().where(
                    Enrollment.class_id == school_class.id,
                    Enrollment.student_id.in_(students),
                    Enrollment.ends_on.is_(None),
                )
            )
        )
    )


async def class_timetable(
    session: AsyncSession, user: User, class_id: uuid.UUID, on: dt.date
) -> ClassTimetable:
    """The class's weekly timetable valid on `on`: the administration, the class's
    teachers, its students and their parents (anyone else of the school: 403)."""
    require_role(user, *JOURNAL_READERS)
    school_class = await class_in_school(session, user.school_id, class_id)
    if not await _may_read_class(session, user, school_class):
        raise Forbidden("Only the class's teachers, students, parents and the administration.")
    rows = await session.execute(
        select(TimetableEntry, Subject, BellLesson)
        .join(Assignment, Assignment.id == TimetableEntry.assignment_id)
        .join(Subject, Subject.id == Assignment.subject_id)
        .outerjoin(
            BellLesson,
            and_(
                BellLesson.school_id == TimetableEntry.school_id,
                BellLesson.lesson_number == TimetableEntry.lesson_number,
            ),
        )
        .where(
            TimetableEntry.class_id == class_id,
            TimetableEntry.valid_from <= on,
            or_(TimetableEntry.valid_to.is_(None), TimetableEntry.valid_to >= on),
        )
        .order_by(
            TimetableEntry.weekday,
            TimetableEntry.lesson_number,
            TimetableEntry.group_id.nulls_first(),
            TimetableEntry.id,
        )
    )
    return ClassTimetable(
        class_id=class_id,
        on=on,
        items=[EntryView(entry, subject, bell).out() for entry, subject, bell in rows.all()],
    )
