"""The teacher's journal page: the grid of one assignment in one period, read in a fixed
number of statements, and saved in bulk, all or nothing.

The read is seven prebuilt statements, whatever the size of the class or the period:
the assignment with the period, the students enrolled in the class during the period,
the lessons, the marks, the attendance cells, the school's work types and the items of
the assignment's thematic plan for the period's year. The statements run outside a
transaction: each cell carries its version, so a save based on a torn read is refused
as stale rather than written over.

The save reuses the single-cell rules and writes (journal.marks.service,
journal.attendance.service, journal.lessons.editing, journal.homework.service): it
reads and locks every mark, cell and lesson it touches in one statement each (in key
order, so concurrent saves queue instead of deadlocking), judges every change by the
same functions the single-cell endpoints use, and refuses the whole save if any change
is bad (422, every bad change listed) or based on a stale version (409, every conflict
with its current state). Only then does it write each change with the single-cell
statement, its history row and its event, in the one transaction of the request.
"""

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from journal import driver
from journal.access import ADMINISTRATION, TEACHING, require_own_teaching, require_role
from journal.attendance import service as attendance
from journal.calendar.closing import half_grades
from journal.corrections import CORRECTORS, require_may_correct
from journal.grading.service import DEFAULT_SETTINGS
from journal.homework import service as homework
from journal.lessons import editing
from journal.marks import service as marks
from journal.marks.schemas import MarkCorrection
from journal.page.schemas import (
    AddMark,
    ChangeMark,
    ClearAttendance,
    EditLesson,
    PageChange,
    PageSave,
    RemoveMark,
    SetAttendance,
)
from shared.errors import Forbidden, NotFound, Problem
from shared.security import User

# $1 assignment, $2 period, $3 the caller's school, $4 the default lock period.
CONTEXT_SQL = """
SELECT assignments.teacher_id::text, assignments.class_id::text, classes.name AS class_name,
       classes.class_teacher_id::text, assignments.subject_id::text,
       subjects.name AS subject_name,
       periods.year_id::text, periods.kind, periods.number, periods.starts_on,
       periods.ends_on, periods.closed_at IS NOT NULL AS closed,
       (now() AT TIME ZONE schools.timezone)::date AS today,
       coalesce(grading_settings.lock_after_days, $4::int) AS lock_after_days
FROM assignments
JOIN classes ON classes.id = assignments.class_id
JOIN subjects ON subjects.id = assignments.subject_id
JOIN schools ON schools.id = assignments.school_id
JOIN periods ON periods.id = $2::uuid AND periods.school_id = assignments.school_id
LEFT OUTER JOIN grading_settings ON grading_settings.school_id = assignments.school_id
WHERE assignments.id = $1::uuid AND assignments.school_id = $3::uuid
"""

# $1 class, $2 and $3 the period's first and last day, $4 school: every spell in the
# class that meets the period (a student who left and came back has two).
STUDENTS_SQL = """
SELECT students.id::text AS student_id, students.last_name, students.first_name,
       students.middle_name, enrollments.starts_on, enrollments.ends_on
FROM enrollments
JOIN students ON students.id = enrollments.student_id
WHERE enrollments.class_id = $1::uuid AND enrollments.school_id = $4::uuid
  AND enrollments.starts_on <= $3::date
  AND (enrollments.ends_on IS NULL OR enrollments.ends_on >= $2::date)
ORDER BY students.last_name, students.first_name, students.middle_name, students.id,
         enrollments.starts_on
"""

# $1 assignment, $2 and $3 the period's days, $4 `half_grades()`. `closed`: the lesson's
# day is in a closed period of its class (or a closed year), by journal.calendar.closing.
LESSONS_SQL = """
SELECT lessons.id::text AS lesson_id, lessons.date, lessons.lesson_number, lessons.topic,
       lessons.plan_item_id::text, lessons.homework, lessons.homework_due_on,
       lessons.version,
       (SELECT count(*) FROM homework_attachments
        WHERE homework_attachments.lesson_id = lessons.id) AS attachments,
       journal_closed_on(lessons.school_id, lessons.class_id, lessons.date, $4::smallint[])
           IS NOT NULL AS closed
FROM lessons
WHERE lessons.assignment_id = $1::uuid AND lessons.date BETWEEN $2::date AND $3::date
ORDER BY lessons.date, lessons.lesson_number NULLS LAST, lessons.id
"""

MARKS_SQL = """
SELECT marks.id::text AS mark_id, marks.lesson_id::text, marks.student_id::text,
       work_types.code AS work_type, marks.value, marks.version
FROM marks
JOIN lessons ON lessons.id = marks.lesson_id
JOIN work_types ON work_types.id = marks.work_type_id
WHERE lessons.assignment_id = $1::uuid AND lessons.date BETWEEN $2::date AND $3::date
  AND marks.removed_at IS NULL
ORDER BY marks.posted_at, marks.id
"""

# Cleared cells too: their version is what the next setting is based on.
ATTENDANCE_SQL = """
SELECT attendance.lesson_id::text, attendance.student_id::text, attendance.code,
       attendance.version
FROM attendance
JOIN lessons ON lessons.id = attendance.lesson_id
WHERE lessons.assignment_id = $1::uuid AND lessons.date BETWEEN $2::date AND $3::date
"""

WORK_TYPES_SQL = """
SELECT code, name, weight FROM work_types
WHERE school_id = $1::uuid AND active
ORDER BY weight, code
"""

# $1 assignment, $2 the period's year.
PLAN_ITEMS_SQL = """
SELECT thematic_plan_items.id::text AS plan_item_id, thematic_plan_items.position,
       thematic_plan_items.topic, thematic_plan_items.hours, thematic_plan_items.work_type,
       thematic_plan_items.planned_week, thematic_plan_items.planned_on
FROM thematic_plan_items
JOIN thematic_plans ON thematic_plans.id = thematic_plan_items.plan_id
WHERE thematic_plans.assignment_id = $1::uuid AND thematic_plans.year_id = $2::uuid
ORDER BY thematic_plan_items.position
"""


@dataclass(frozen=True)
class Page:
    """The assignment and period a page shows, with what its rules need."""

    assignment_id: uuid.UUID
    period_id: uuid.UUID
    row: Any

    @property
    def teacher_id(self) -> uuid.UUID:
        return uuid.UUID(self.row["teacher_id"])

    @property
    def class_teacher_id(self) -> uuid.UUID | None:
        value = self.row["class_teacher_id"]
        return None if value is None else uuid.UUID(value)


async def _page(
    session: AsyncSession, user: User, assignment_id: uuid.UUID, period_id: uuid.UUID
) -> Page:
    row = await driver.fetchrow(
        session,
        CONTEXT_SQL,
        assignment_id,
        period_id,
        user.school_id,
        DEFAULT_SETTINGS.lock_after_days,
    )
    if row is None:
        raise NotFound("assignment or period")
    return Page(assignment_id, period_id, row)


def _may_read(user: User, page: Page) -> bool:
    return (
        user.has(*ADMINISTRATION)
        or page.teacher_id == user.account_id
        or (user.has("class_teacher") and page.class_teacher_id == user.account_id)
    )


async def read_page(
    session: AsyncSession, user: User, assignment_id: uuid.UUID, period_id: uuid.UUID
) -> bytes:
    """The whole grid (`JournalPage`) as JSON bytes: the assignment's teacher, the class
    teacher, the deputy and the director; 404 for other teachers' assignments."""
    require_role(user, *ADMINISTRATION, *TEACHING)
    page = await _page(session, user, assignment_id, period_id)
    if not _may_read(user, page):
        raise NotFound("assignment")
    ctx = page.row
    first, last = ctx["starts_on"], ctx["ends_on"]
    student_rows = await driver.fetch(
        session, STUDENTS_SQL, uuid.UUID(ctx["class_id"]), first, last, user.school_id
    )
    lesson_rows = await driver.fetch(
        session, LESSONS_SQL, assignment_id, first, last, half_grades()
    )
    mark_rows = await driver.fetch(session, MARKS_SQL, assignment_id, first, last)
    attendance_rows = await driver.fetch(session, ATTENDANCE_SQL, assignment_id, first, last)
    work_type_rows = await driver.fetch(session, WORK_TYPES_SQL, user.school_id)
    plan_rows = await driver.fetch(
        session, PLAN_ITEMS_SQL, assignment_id, uuid.UUID(ctx["year_id"])
    )

    students: dict[str, dict[str, Any]] = {}
    for row in student_rows:
        student = students.setdefault(
            row["student_id"],
            {
                "student_id": row["student_id"],
                "last_name": row["last_name"],
                "first_name": row["first_name"],
                "middle_name": row["middle_name"],
                "enrollments": [],
            },
        )
        student["enrollments"].append({"starts_on": row["starts_on"], "ends_on": row["ends_on"]})
    today, lock_days = ctx["today"], ctx["lock_after_days"]
    lessons = [
        {
            "lesson_id": row["lesson_id"],
            "date": row["date"],
            "lesson_number": row["lesson_number"],
            "topic": row["topic"],
            "plan_item_id": row["plan_item_id"],
            "homework": None
            if row["homework"] is None and not row["attachments"]
            else {
                "text": row["homework"],
                "due_on": row["homework_due_on"],
                "attachments": row["attachments"],
            },
            "version": row["version"],
            "locked": (today - row["date"]).days > lock_days,
        }
        for row in lesson_rows
    ]
    cells: dict[tuple[str, str], dict[str, Any]] = {}

    def cell(lesson_id: str, student_id: str) -> dict[str, Any]:
        key = (lesson_id, student_id)
        if key not in cells:
            cells[key] = {
                "lesson_id": lesson_id,
                "student_id": student_id,
                "marks": [],
                "attendance": None,
            }
        return cells[key]

    for row in mark_rows:
        cell(row["lesson_id"], row["student_id"])["marks"].append(
            {
                "mark_id": row["mark_id"],
                "work_type": row["work_type"],
                "value": row["value"],
                "version": row["version"],
            }
        )
    for row in attendance_rows:
        cell(row["lesson_id"], row["student_id"])["attendance"] = {
            "code": row["code"],
            "version": row["version"],
        }
    return orjson.dumps(
        {
            "assignment": {
                "assignment_id": assignment_id,
                "teacher_id": ctx["teacher_id"],
                "class_id": ctx["class_id"],
                "class_name": ctx["class_name"],
                "subject_id": ctx["subject_id"],
                "subject_name": ctx["subject_name"],
            },
            "period": {
                "period_id": period_id,
                "kind": ctx["kind"],
                "number": ctx["number"],
                "starts_on": first,
                "ends_on": last,
                "closed": ctx["closed"],
            },
            "students": list(students.values()),
            "lessons": lessons,
            "cells": list(cells.values()),
            "work_types": [dict(row) for row in work_type_rows],
            "plan_items": [dict(row) for row in plan_rows],
        }
    )


# --- the save ----------------------------------------------------------------------------

PAGE_LESSONS_SQL = """
SELECT lessons.id, lessons.date,
       journal_closed_on(lessons.school_id, lessons.class_id, lessons.date, $4::smallint[])
           IS NOT NULL AS closed
FROM lessons
WHERE lessons.assignment_id = $1::uuid AND lessons.date BETWEEN $2::date AND $3::date
"""

WORK_TYPE_IDS_SQL = """
SELECT code, id, name, weight FROM work_types WHERE school_id = $1::uuid AND active
"""

Write = Callable[[], Awaitable[bytes]]


def _not_on_page(what: str) -> Problem:
    return Problem(
        422,
        "not-on-page",
        "Not on this page",
        f"The {what} is not of this assignment in this period.",
    )


def _duplicate() -> Problem:
    return Problem(
        422,
        "duplicate-change",
        "Duplicate change",
        "Another change of this save is about the same mark, cell or lesson.",
    )


def _target(change: PageChange) -> dict[str, str]:
    """The ids that name a change's cell in the answers."""
    if isinstance(change, ChangeMark | RemoveMark):
        return {"mark_id": str(change.mark_id)}
    if isinstance(change, EditLesson):
        return {"lesson_id": str(change.lesson_id)}
    return {"lesson_id": str(change.lesson_id), "student_id": str(change.student_id)}


def _key(change: PageChange) -> tuple[Any, ...] | None:
    """What two changes of one save must not both touch (several new marks may)."""
    if isinstance(change, ChangeMark | RemoveMark):
        return ("mark", change.mark_id)
    if isinstance(change, SetAttendance | ClearAttendance):
        return ("cell", change.lesson_id, change.student_id)
    if isinstance(change, EditLesson):
        return ("lesson", change.lesson_id)
    return None


# Writes run in this order: lessons (by id), corrections of marks, the new marks (one
# statement), attendance cells (by key), so that two saves of one page take the rows they
# insert in the same order and cannot deadlock.
_NEW_MARKS = (2,)


@dataclass(frozen=True)
class _Posting:
    """A new mark of the save, written with the others in one statement."""

    marking: marks.Marking
    value: int


@dataclass
class _Judged:
    index: int
    change: PageChange
    write: Write
    order: tuple[Any, ...]


async def save_page(
    session: AsyncSession,
    user: User,
    assignment_id: uuid.UUID,
    period_id: uuid.UUID,
    data: PageSave,
) -> bytes:
    """Apply every change of the save, or none (see the module's docstring); the answer
    (`PageSaved`) lists what each single-cell endpoint would have answered."""
    require_role(user, *CORRECTORS)
    await driver.begin(session)  # the locks below hold until the request commits
    page = await _page(session, user, assignment_id, period_id)
    if not _may_read(user, page):
        raise NotFound("assignment")
    if not user.has("deputy") and page.teacher_id != user.account_id:
        raise Forbidden("Only the teacher of this class and subject fills its journal.")
    ctx = page.row
    lessons = {
        uuid.UUID(bytes=row["id"].bytes): row
        for row in await driver.fetch(
            session,
            PAGE_LESSONS_SQL,
            assignment_id,
            ctx["starts_on"],
            ctx["ends_on"],
            half_grades(),
        )
    }
    work_types = {
        row["code"]: row for row in await driver.fetch(session, WORK_TYPE_IDS_SQL, user.school_id)
    }
    changes = data.changes
    wanted_marks = {
        c.mark_id: (c.work_type if isinstance(c, ChangeMark) else None)
        for c in changes
        if isinstance(c, ChangeMark | RemoveMark)
    }
    wanted_cells = list(
        dict.fromkeys(
            (c.lesson_id, c.student_id)
            for c in changes
            if isinstance(c, AddMark | SetAttendance | ClearAttendance)
        )
    )
    wanted_lessons = list({c.lesson_id for c in changes if isinstance(c, EditLesson)})
    found_marks = await marks.correcting_many(session, user, wanted_marks) if wanted_marks else {}
    found_cells = await attendance.cells_many(session, user, wanted_cells) if wanted_cells else {}
    found_lessons = (
        await editing.editing_many(session, user, wanted_lessons) if wanted_lessons else {}
    )
    items = {c.plan_item_id for c in changes if isinstance(c, EditLesson) and c.plan_item_id}
    item_owners = await editing.plan_items_of(session, user, list(items))

    async def judge(change: PageChange) -> tuple[Write | _Posting, tuple[Any, ...]]:
        """The change's write once it is known to apply (raises the Problem that refuses it)."""
        if isinstance(change, AddMark | SetAttendance | ClearAttendance):
            lesson = lessons.get(change.lesson_id)
            writable = found_cells.get((change.lesson_id, change.student_id))
            if lesson is None or writable is None:
                raise _not_on_page("lesson")
            on = writable.cell
            if isinstance(change, AddMark):
                require_own_teaching(user, on.writer_id)
                if lesson["closed"]:
                    raise editing.period_closed()
                work_type = work_types.get(change.work_type)
                marking = marks.Marking(
                    lesson_id=on.lesson_id,
                    class_id=on.class_id,
                    lesson_date=on.lesson_date,
                    subject_id=on.subject_id,
                    subject_name=on.subject_name,
                    teacher_id=on.teacher_id,
                    student_id=on.student_id,
                    enrolled=on.enrolled,
                    work_type=change.work_type,
                    work_type_id=None if work_type is None else work_type["id"],
                    work_type_name=None if work_type is None else work_type["name"],
                    weight=None if work_type is None else work_type["weight"],
                    writer_id=on.writer_id,
                    cancelled=on.cancelled,
                    work_type_active=None
                    if work_type is None
                    else True,  # only active ones are read
                )
                marks.check_posting(marking)
                return _Posting(marking, change.value), _NEW_MARKS
            require_may_correct(user, on.writer_id, writable.locked)
            if lesson["closed"]:
                raise editing.period_closed()
            attendance.require_enrolled(on)
            order = (3, str(on.lesson_id), str(on.student_id))
            if isinstance(change, SetAttendance):
                code, reason, version = change.code, change.reason, change.version
                attendance.check_setting(on, code, reason, version)
                return (
                    lambda: attendance.set_attendance(session, user, on, code, reason, version),
                    order,
                )
            reason, version = change.reason, change.version
            attendance.check_clearing(on, version)
            return lambda: attendance.clear_attendance(session, user, on, reason, version), order
        if isinstance(change, ChangeMark | RemoveMark):
            correctable = found_marks.get(change.mark_id)
            if correctable is None or correctable.mark.lesson_id not in lessons:
                raise _not_on_page("mark")
            mark = correctable.mark
            require_may_correct(user, mark.writer_id, correctable.locked)
            if lessons[mark.lesson_id]["closed"]:
                raise editing.period_closed()
            if isinstance(change, ChangeMark):
                correction = MarkCorrection(
                    value=change.value,
                    work_type=change.work_type,
                    reason=change.reason,
                    version=change.version,
                )
                version = change.version
                marks.check_change(mark, correction, version)
                return lambda: marks.change_mark(session, user, mark, correction, version), (1,)
            reason, version = change.reason, change.version
            marks.check_removal(mark, version)
            return lambda: marks.remove_mark(session, user, mark, reason, version), (1,)
        return await _judge_lesson_edit(session, user, change, found_lessons, lessons, item_owners)

    errors: list[dict[str, Any]] = []
    conflicts: list[dict[str, Any]] = []
    judged: list[_Judged] = []
    postings: list[tuple[int, _Posting]] = []
    seen: set[tuple[Any, ...]] = set()
    for index, change in enumerate(changes):
        head = {"index": index, "op": change.op, **_target(change)}
        try:
            key = _key(change)
            if key is not None:
                if key in seen:
                    raise _duplicate()
                seen.add(key)
            write, order = await judge(change)
        except Problem as problem:
            _refused(problem, head, errors, conflicts)
        else:
            if isinstance(write, _Posting):
                postings.append((index, write))
            else:
                judged.append(_Judged(index, change, write, order))
    if errors:
        raise Problem(
            422,
            "invalid-changes",
            "Invalid changes",
            f"{len(errors)} of {len(changes)} changes cannot be saved; nothing was saved.",
            refused=errors,
            conflicts=conflicts,
        )
    if conflicts:
        raise _stale_changes(conflicts, len(changes))

    saved: dict[int, dict[str, Any]] = {}

    async def run(item: _Judged) -> None:
        try:
            body = await item.write()
        except Problem as problem:  # changed by a single-cell write since the checks
            head = {"index": item.index, "op": item.change.op, **_target(item.change)}
            _refused(problem, head, errors, conflicts)
        else:
            saved[item.index] = {
                "index": item.index,
                "op": item.change.op,
                "result": orjson.loads(body),
            }

    ordered = sorted(judged, key=lambda j: j.order)
    for item in (j for j in ordered if j.order < _NEW_MARKS):
        await run(item)
    if postings:  # nothing can be stale about a new mark: all in one statement
        bodies = await marks.post_marks(session, user, [(p.marking, p.value) for _, p in postings])
        for (index, _), body in zip(postings, bodies, strict=True):
            saved[index] = {"index": index, "op": "add_mark", "result": orjson.loads(body)}
    for item in (j for j in ordered if j.order > _NEW_MARKS):
        await run(item)
    if errors:  # cannot happen after the checks, but never commit half a save
        raise Problem(422, "invalid-changes", "Invalid changes", refused=errors)
    if conflicts:
        raise _stale_changes(conflicts, len(changes))
    return orjson.dumps({"saved": [saved[index] for index in sorted(saved)]})


def _refused(
    problem: Problem,
    head: dict[str, Any],
    errors: list[dict[str, Any]],
    conflicts: list[dict[str, Any]],
) -> None:
    entry = {
        **head,
        "type": problem.slug,
        "status": problem.status,
        "title": problem.title,
        "detail": problem.detail,
        **problem.extensions,
    }
    # A version that moved on is a conflict to show beside the cell; a closed period is a
    # 409 too, but nothing the person can merge: it refuses the save like a bad cell.
    stale = problem.status == 409 and problem.slug != "period-closed"
    (conflicts if stale else errors).append(entry)


def _stale_changes(conflicts: list[dict[str, Any]], total: int) -> Problem:
    return Problem(
        409,
        "stale-changes",
        "Stale changes",
        f"{len(conflicts)} of {total} changes are based on versions that have moved on; "
        "nothing was saved.",
        conflicts=conflicts,
    )


async def _judge_lesson_edit(
    session: AsyncSession,
    user: User,
    change: EditLesson,
    found: dict[uuid.UUID, editing.Editing],
    lessons: dict[uuid.UUID, Any],
    item_owners: dict[uuid.UUID, uuid.UUID],
) -> tuple[Write, tuple[Any, ...]]:
    """A lesson's topic and homework edit: each part judged by the single-lesson rules and
    left out when it changes nothing; the topic first, the homework on the version after."""
    lesson = found.get(change.lesson_id)
    if lesson is None or change.lesson_id not in lessons:
        raise _not_on_page("lesson")
    editing.require_may_edit(user, lesson)
    fields = change.model_fields_set
    topic = change.topic if "topic" in fields else lesson.topic
    item = change.plan_item_id if "plan_item_id" in fields else lesson.plan_item_id
    owner = item_owners.get(item) if item is not None else None
    after = lesson
    topic_changes = topic != lesson.topic or item != lesson.plan_item_id
    if topic_changes:
        editing.check_topic(lesson, topic, item, owner, change.version)
        after = replace(lesson, topic=topic, plan_item_id=item, version=lesson.version + 1)
    elif lesson.version != change.version:
        editing.check_topic(lesson, topic, item, owner, change.version)  # raises stale
    text: str | None = None
    due_on: dt.date | None = None
    homework_changes = False
    if "homework" in fields:
        if change.homework is None:
            homework_changes = lesson.homework is not None or lesson.homework_due_on is not None
            if homework_changes:
                homework.check_clearing(after, after.version)
        else:
            text = change.homework.text
            due_on = change.homework.due_on or await homework.next_lesson_date(session, lesson)
            homework_changes = text != lesson.homework or due_on != lesson.homework_due_on
            if homework_changes:
                homework.check_homework(after, text, due_on, after.version)
    if not topic_changes and not homework_changes:
        raise Problem(422, "nothing-changed", "Nothing changed", "The lesson already is so.")

    async def write() -> bytes:
        edited = lesson
        if topic_changes:
            edited, _ = await editing.set_topic(
                session, user, edited, topic, item, owner, change.version
            )
        if homework_changes:
            if text is None:
                edited, _ = await homework.clear_homework(session, user, edited, edited.version)
            else:
                edited, _ = await homework.set_homework(
                    session, user, edited, text, due_on, edited.version
                )
        return editing.edited_answer(edited)

    return write, (0, str(lesson.lesson_id))
