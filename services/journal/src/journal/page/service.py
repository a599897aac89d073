"""The teacher's journal page: the grid of one assignment in one period, read in a fixed
number of statements, and saved in bulk, all or nothing.

The read is seven prebuilt statements, whatever the size of the class or the period:
the assignment with the period, the students enrolled in the class during the period,
the lessons, the marks, the attendance cells, the school's work types and the items of
the assignment's thematic plan for the period's year. The statements run outside a
transaction: each cell carries its version, so a save based on a torn read is refused
as stale rather than written over.

The save reuses the single-cell rules (journal.marks.service, journal.attendance.service,
journal.lessons.editing, journal.homework.service) and writes set-based, so that its
round trips do not grow with its changes. It reads in one statement who may save the
page, the lessons the changes name with whether their days are closed (which holds the
school's closing lock until the save ends) and the work types of its new marks; then it
reads and locks every mark, cell and lesson it touches in one statement each (in key
order, so concurrent saves queue instead of deadlocking), judges every change by the
same functions the single-cell endpoints use, and refuses the whole save if any change
is bad (422, every bad change listed) or based on a stale version (409, every conflict
with its current state). Only then does it write, in the one transaction of the request,
one statement per kind of change: the lessons' topics and homework, the marks' changes
and removals, the new marks, the attendance cells, each with the same rows as the
single-cell statements (history rows, versions). The events are the single-cell
endpoints' events too (one per mark, cell and lesson edit, each with its aggregate's
version, so projections downstream stay order-independent), but they leave in one outbox
row, the bundle `journal.page.saved` (shared.events.Bundle): a save of 30 marks and a
class's attendance is one message for the relay, the broker and every consumer instead of
~58. A save of new marks and a lesson's attendance is thus BEGIN, six statements and
COMMIT, whatever the size of the class.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from journal import clock, driver
from journal.access import ADMINISTRATION, TEACHING, require_own_teaching, require_role
from journal.attendance import service as attendance
from journal.calendar.closing import half_grades
from journal.corrections import CORRECTORS, require_may_correct
from journal.grading.service import DEFAULT_SETTINGS
from journal.lessons import editing
from journal.marks import service as marks
from journal.marks.schemas import MarkCorrection
from journal.page import edits
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
from shared.contracts.journal import PageSaved
from shared.errors import Forbidden, NotFound, Problem
from shared.outbox import StagedEvent, staged_bundle
from shared.security import User

# $1 assignment, $2 period, $3 the caller's school, $4 the default lock period, $5 the
# journal's clock (journal.clock.now()).
CONTEXT_SQL = """
SELECT assignments.teacher_id::text, assignments.class_id::text, classes.name AS class_name,
       classes.class_teacher_id::text, assignments.subject_id::text,
       subjects.name AS subject_name,
       periods.year_id::text, periods.kind, periods.number, periods.starts_on,
       periods.ends_on, periods.closed_at IS NOT NULL AS closed,
       ($5::timestamptz AT TIME ZONE schools.timezone)::date AS today,
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
        clock.now(),
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

# $1 assignment, $2 period, $3 the caller's school, $4 `half_grades()`, $5 the lessons the
# changes name, $6 the marks they correct, $7 the work types of their new marks. Who may
# save the page, and in one statement what judging the changes needs of it: the named
# lessons that are the assignment's in the period (with the marks' lessons), each with
# whether its day is closed (journal_closed_on, which holds the school's closing lock
# until the save ends, so that no period closes under the save's writes), and the named
# work types that take new marks (both as JSON text: the connection's codecs may differ),
# and whether the class is given marks ($8 the levels without marks of a school without
# grading settings). No row unless the assignment and period are the school's.
SAVE_CONTEXT_SQL = """
SELECT assignments.teacher_id::text, classes.class_teacher_id::text,
       (SELECT coalesce(json_agg(json_build_array(
                   lessons.id,
                   journal_closed_on(lessons.school_id, lessons.class_id, lessons.date,
                                     $4::smallint[]) IS NOT NULL)), '[]')
        FROM lessons
        WHERE lessons.assignment_id = assignments.id
          AND lessons.date BETWEEN periods.starts_on AND periods.ends_on
          AND (lessons.id = ANY($5::uuid[])
               OR lessons.id IN (SELECT marks.lesson_id FROM marks
                                 WHERE marks.id = ANY($6::uuid[]))))::text AS lessons,
       (SELECT coalesce(json_agg(json_build_array(work_types.code, work_types.id,
                                                  work_types.name, work_types.weight)), '[]')
        FROM work_types
        WHERE work_types.school_id = assignments.school_id AND work_types.active
          AND work_types.code = ANY($7::text[]))::text AS work_types,
       classes.grade <> ALL (coalesce(
           (SELECT grading_settings.unmarked_grades FROM grading_settings
            WHERE grading_settings.school_id = assignments.school_id),
           $8::smallint[])) AS marks_given
FROM assignments
JOIN classes ON classes.id = assignments.class_id
JOIN periods ON periods.id = $2::uuid AND periods.school_id = assignments.school_id
WHERE assignments.id = $1::uuid AND assignments.school_id = $3::uuid
"""


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


@dataclass(frozen=True)
class _Posting:
    """A new mark of the save."""

    marking: marks.Marking
    value: int


Judged = _Posting | marks.MarkWrite | attendance.CellWrite | edits.LessonWrite


@dataclass(frozen=True)
class _Context:
    """The save's page and what judging its changes reads, locked where it is written."""

    page: Page
    lessons: dict[uuid.UUID, bool]  # the named lessons on the page → closed
    work_types: dict[str, tuple[uuid.UUID, str, int]]  # code → id, name, weight
    found_marks: dict[uuid.UUID, marks.Correctable]
    found_cells: dict[tuple[uuid.UUID, uuid.UUID], attendance.Writable]
    edit_reads: edits.EditReads


async def _context(
    session: AsyncSession,
    user: User,
    assignment_id: uuid.UUID,
    period_id: uuid.UUID,
    changes: list[PageChange],
) -> _Context:
    """Who may save (404 for another teacher's page, 403 for its other readers), and the
    marks, cells and lessons the changes name, locked until the save ends, each read in
    one statement (those of no change not at all)."""
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
    lesson_edits = [c for c in changes if isinstance(c, EditLesson)]
    named_lessons = list(
        {lesson for lesson, _ in wanted_cells} | {c.lesson_id for c in lesson_edits}
    )
    codes = list({c.work_type for c in changes if isinstance(c, AddMark)})
    # The save's transaction begins with this statement: the locks below hold until the
    # request commits.
    row = await driver.begin_with(
        session,
        SAVE_CONTEXT_SQL,
        assignment_id,
        period_id,
        user.school_id,
        half_grades(),
        named_lessons,
        list(wanted_marks),
        codes,
        list(DEFAULT_SETTINGS.unmarked_grades),
    )
    if row is None:
        raise NotFound("assignment or period")
    page = Page(assignment_id, period_id, row)
    if not _may_read(user, page):
        raise NotFound("assignment")
    if not user.has("deputy") and page.teacher_id != user.account_id:
        raise Forbidden("Only the teacher of this class and subject fills its journal.")
    lessons = {uuid.UUID(lesson): closed for lesson, closed in orjson.loads(row["lessons"])}
    work_types = {
        code: (uuid.UUID(work_type), name, weight)
        for code, work_type, name, weight in orjson.loads(row["work_types"])
    }
    return _Context(
        page=page,
        lessons=lessons,
        work_types=work_types,
        found_marks=await marks.correcting_many(session, user, wanted_marks)
        if wanted_marks
        else {},
        found_cells=await attendance.cells_many(session, user, wanted_cells)
        if wanted_cells
        else {},
        edit_reads=await edits.read_for(session, user, lesson_edits),
    )


def _judge(user: User, ctx: _Context, change: PageChange, now: datetime) -> Judged:
    """The change's write once it is known to apply (raises the Problem that refuses it),
    by the single-cell endpoints' rules, in their order."""
    if isinstance(change, AddMark | SetAttendance | ClearAttendance):
        closed = ctx.lessons.get(change.lesson_id)
        writable = ctx.found_cells.get((change.lesson_id, change.student_id))
        if closed is None or writable is None:
            raise _not_on_page("lesson")
        on = writable.cell
        if isinstance(change, AddMark):
            require_own_teaching(user, on.writer_id)
            if closed:
                raise editing.period_closed()
            work_type = ctx.work_types.get(change.work_type)
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
                work_type_id=None if work_type is None else work_type[0],
                work_type_name=None if work_type is None else work_type[1],
                weight=None if work_type is None else work_type[2],
                writer_id=on.writer_id,
                cancelled=on.cancelled,
                work_type_active=None if work_type is None else True,  # only active ones read
                marks_given=ctx.page.row["marks_given"],
            )
            marks.check_posting(marking)
            return _Posting(marking, change.value)
        require_may_correct(user, on.writer_id, writable.locked)
        if closed:
            raise editing.period_closed()
        attendance.require_enrolled(on)
        if isinstance(change, SetAttendance):
            return attendance.setting(user, on, change.code, change.reason, change.version, now)
        return attendance.clearing(user, on, change.reason, change.version, now)
    if isinstance(change, ChangeMark | RemoveMark):
        correctable = ctx.found_marks.get(change.mark_id)
        if correctable is None or correctable.mark.lesson_id not in ctx.lessons:
            raise _not_on_page("mark")
        mark = correctable.mark
        require_may_correct(user, mark.writer_id, correctable.locked)
        if ctx.lessons[mark.lesson_id]:
            raise editing.period_closed()
        if isinstance(change, ChangeMark):
            correction = MarkCorrection(
                value=change.value,
                work_type=change.work_type,
                reason=change.reason,
                version=change.version,
            )
            return marks.changing(user, mark, correction, change.version, now)
        return marks.removing(user, mark, change.reason, change.version, now)
    return edits.judge(user, change, ctx.edit_reads, ctx.lessons)


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
    changes = data.changes
    ctx = await _context(session, user, assignment_id, period_id, changes)
    now = datetime.now(UTC)

    errors: list[dict[str, Any]] = []
    conflicts: list[dict[str, Any]] = []
    judged: list[tuple[int, Judged]] = []
    seen: set[tuple[Any, ...]] = set()
    for index, change in enumerate(changes):
        try:
            key = _key(change)
            if key is not None:
                if key in seen:
                    raise _duplicate()
                seen.add(key)
            judged.append((index, _judge(user, ctx, change, now)))
        except Problem as problem:
            _refused(problem, _head(index, change), errors, conflicts)
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

    # One statement per kind, in this order: lessons (locked by id), corrections of marks
    # (locked by id), the new marks, attendance cells (inserted in key order), so that two
    # saves of one page take the rows they write in the same order and cannot deadlock.
    answers: dict[int, bytes | Problem] = {}
    events: list[StagedEvent] = []  # each as its single-cell endpoint would publish it
    lesson_writes = [(i, j) for i, j in judged if isinstance(j, edits.LessonWrite)]
    if lesson_writes:
        results = await edits.write(session, user, [j for _, j in lesson_writes])
        answers.update(zip((i for i, _ in lesson_writes), results, strict=True))
        events.extend(event for _, j in lesson_writes for event in j.events)
    mark_writes = [(i, j) for i, j in judged if isinstance(j, marks.MarkWrite)]
    if mark_writes:
        results = await marks.correct_marks(session, user, [j for _, j in mark_writes])
        answers.update(zip((i for i, _ in mark_writes), results, strict=True))
        events.extend(j.event for _, j in mark_writes)
    postings = [(i, j) for i, j in judged if isinstance(j, _Posting)]
    if postings:  # nothing can be stale about a new mark
        bodies, posted = await marks.post_marks(
            session, user, [(p.marking, p.value) for _, p in postings], now
        )
        answers.update(zip((i for i, _ in postings), bodies, strict=True))
        events.extend(posted)
    cell_writes = [(i, j) for i, j in judged if isinstance(j, attendance.CellWrite)]
    if cell_writes:
        results = await attendance.write_cells(session, user, [j for _, j in cell_writes])
        answers.update(zip((i for i, _ in cell_writes), results, strict=True))
        events.extend(j.event for _, j in cell_writes)

    saved: list[dict[str, Any]] = []
    for index in sorted(answers):
        answer = answers[index]
        if isinstance(answer, Problem):  # changed by a single-cell write since the checks
            _refused(answer, _head(index, changes[index]), errors, conflicts)
        else:
            saved.append(
                {"index": index, "op": changes[index].op, "result": orjson.Fragment(answer)}
            )
    if errors:  # cannot happen after the checks, but never commit half a save
        raise Problem(422, "invalid-changes", "Invalid changes", refused=errors)
    if conflicts:  # the transaction rolls back what the other statements wrote
        raise _stale_changes(conflicts, len(changes))
    if events:
        await stage_bundle(session, bundle(user, assignment_id, period_id, events, now))
    return orjson.dumps({"saved": saved})


def bundle(
    user: User,
    assignment_id: uuid.UUID,
    period_id: uuid.UUID,
    events: list[StagedEvent],
    now: datetime,
) -> StagedEvent:
    """The save's events as one outbox row: `journal.page.saved`, which the relay, the
    broker and each consumer handle as one message (shared.events.Bundle)."""
    saved = PageSaved(
        assignment_id=assignment_id,
        period_id=period_id,
        saved_by=user.account_id,
        school_id=user.school_id,
        occurred_at=now,
    )
    return staged_bundle(saved, events)


STAGE_SQL = "INSERT INTO outbox (id, routing_key, envelope) VALUES ($1::uuid, $2, $3::jsonb)"


async def stage_bundle(session: AsyncSession, row: StagedEvent) -> None:
    await driver.fetch(session, STAGE_SQL, row.id, row.routing_key, row.envelope)


def _head(index: int, change: PageChange) -> dict[str, Any]:
    return {"index": index, "op": change.op, **_target(change)}


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
