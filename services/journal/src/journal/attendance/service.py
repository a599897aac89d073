"""Use cases of attendance: set, change and clear a student's cell of a lesson.

Like a mark's correction, each is one read (the lesson, who teaches it, the lock, the
student's enrollment and the cell as it is) and one write: the cell inserted or updated
only if it is still at the version the change was based on, its history row and its
event in the same statement, so a plain request needs no BEGIN and COMMIT round trips.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from journal import clock, driver
from journal.access import require_role
from journal.attendance.schemas import AttendanceHistory, AttendanceHistoryEntry
from journal.calendar.closing import half_grades
from journal.corrections import (
    CORRECTORS,
    HISTORY_READERS,
    require_may_correct,
    stale,
    version_required,
)
from journal.grading.service import DEFAULT_SETTINGS
from journal.lessons.service import cancelled_problem
from shared.contracts.journal import AttendanceCleared, AttendanceCode, AttendanceMarked
from shared.errors import NotFound, Problem
from shared.outbox import StagedEvent, staged
from shared.security import User

MARKED = "marked"  # the history reason of a cell's first code, when none is given

# $1 lesson, $2 the caller's school, $3 student, $4 the lock period of a school without
# settings, $5 journal.clock.now(). No row unless the lesson is in the school. Enrolled:
# in the lesson's class on the lesson's date, both ends inclusive
# (roster.enrolled.ENROLLED_ON_SQL, written out so that the statement stays one constant
# text).
CELL_SQL = """
SELECT lessons.class_id, lessons.date, lessons.subject_id, subjects.name AS subject_name,
       assignments.teacher_id,
       coalesce(lessons.substitute_id, assignments.teacher_id) AS writer_id,
       lessons.cancelled_at IS NOT NULL AS cancelled,
       (($5::timestamptz AT TIME ZONE schools.timezone)::date - lessons.date)
           > coalesce(grading_settings.lock_after_days, $4::int) AS locked,
       EXISTS (
           SELECT 1 FROM enrollments
           WHERE enrollments.student_id = $3::uuid
             AND enrollments.class_id = lessons.class_id
             AND enrollments.school_id = $2::uuid
             AND enrollments.starts_on <= lessons.date
             AND (enrollments.ends_on IS NULL OR enrollments.ends_on >= lessons.date)
       ) AND (lessons.group_id IS NULL OR EXISTS (
           SELECT 1 FROM group_memberships
           WHERE group_memberships.group_id = lessons.group_id
             AND group_memberships.student_id = $3::uuid
             AND group_memberships.starts_on <= lessons.date
             AND (group_memberships.ends_on IS NULL
                  OR group_memberships.ends_on >= lessons.date)
       )) AS enrolled,
       attendance.code, coalesce(attendance.version, 0) AS version
FROM lessons
JOIN assignments ON assignments.id = lessons.assignment_id
JOIN subjects ON subjects.id = lessons.subject_id
JOIN schools ON schools.id = lessons.school_id
LEFT OUTER JOIN grading_settings ON grading_settings.school_id = lessons.school_id
LEFT OUTER JOIN attendance
    ON attendance.lesson_id = lessons.id AND attendance.student_id = $3::uuid
WHERE lessons.id = $1::uuid AND lessons.school_id = $2::uuid
"""

# $1 lesson, $2 student, $3 school, $4 code (NULL clears), $5 the version it was based
# on, $6 who, $7 when, $8 history row, $9 old code, $10 reason, $11-$13 the event, $14
# the closing guard's levels with halves (the lesson's day must be open, else the whole
# statement is refused). A first mark inserts the cell at version 1; a change updates it
# only at version $5. No row when the cell moved on meanwhile: nothing is written.
WRITE_SQL = """
WITH guard AS (
    SELECT journal_require_open(school_id, class_id, date, $14::smallint[]) AS open
    FROM lessons WHERE id = $1::uuid
),
cell AS (
    INSERT INTO attendance AS cell (lesson_id, student_id, school_id, code, version,
                                   marked_by, marked_at)
    SELECT $1::uuid, $2::uuid, $3::uuid, $4::varchar, 1, $6::uuid, $7::timestamptz
    FROM guard
    ON CONFLICT (lesson_id, student_id) DO UPDATE
        SET code = excluded.code, version = cell.version + 1,
            marked_by = excluded.marked_by, marked_at = excluded.marked_at
        WHERE cell.version = $5::int
    RETURNING lesson_id, student_id, school_id, version, code
),
history AS (
    INSERT INTO attendance_history (id, school_id, lesson_id, student_id, version,
                                    changed_by, changed_at, old_code, new_code, reason)
    SELECT $8::uuid, school_id, lesson_id, student_id, version, $6::uuid, $7::timestamptz,
           $9::varchar, code, $10::text
    FROM cell
),
event AS (
    INSERT INTO outbox (id, routing_key, envelope)
    SELECT $11::uuid, $12::text, $13::jsonb FROM cell
)
SELECT version FROM cell
"""


@dataclass(frozen=True)
class Cell:
    """A student's attendance of a lesson as it is now, with what the rules need."""

    lesson_id: uuid.UUID
    student_id: uuid.UUID
    lesson_date: date
    class_id: uuid.UUID
    subject_id: uuid.UUID
    subject_name: str
    teacher_id: uuid.UUID
    enrolled: bool
    code: AttendanceCode | None
    version: int
    # Who writes the lesson (its substitute while it has one) and whether it is cancelled.
    writer_id: uuid.UUID
    cancelled: bool

    def current(self) -> dict[str, Any]:
        return {
            "lesson_id": str(self.lesson_id),
            "student_id": str(self.student_id),
            "code": self.code,
            "version": self.version,
        }


async def cell(
    session: AsyncSession, user: User, lesson_id: uuid.UUID, student_id: uuid.UUID
) -> Cell:
    """The cell the caller may write now: the lesson's teacher until it locks, the
    deputy at any time (404 across schools)."""
    require_role(user, *CORRECTORS)
    row = await driver.fetchrow(
        session,
        CELL_SQL,
        lesson_id,
        user.school_id,
        student_id,
        DEFAULT_SETTINGS.lock_after_days,
        clock.now(),
    )
    if row is None:
        raise NotFound("lesson")
    require_may_correct(user, row["writer_id"], row["locked"])
    on = _cell(lesson_id, student_id, row)
    require_enrolled(on)
    return on


def require_enrolled(on: Cell) -> None:
    """409 on a cancelled lesson; 422 unless the student is enrolled in the lesson's class
    (and, for a group's lesson, its group) on its date."""
    if on.cancelled:
        raise cancelled_problem()
    if not on.enrolled:
        raise Problem(
            422,
            "student-not-in-class",
            "Student not in class",
            "The student is not enrolled in this lesson's class (or group) on its date.",
        )


# The batch form of CELL_SQL for the journal page's save: $1 lessons and $2 students (pairs), $3 the
# caller's school, $4 the default lock period, $5 journal.clock.now(). Only cells of the school's
# lessons come back; a cell never marked comes back at version 0. The cells that exist are locked
# (in key order, so that concurrent saves cannot deadlock) until the transaction ends, and read as
# locked: FOR UPDATE cannot reach the outer-joined side of the join, so the locking read is a CTE of
# its own, whose rows are the cells' latest committed state (a cell changed while the lock was
# awaited comes back changed).
CELLS_SQL = """
WITH locked AS MATERIALIZED (
    SELECT attendance.lesson_id, attendance.student_id, attendance.code, attendance.version
    FROM attendance
    WHERE (attendance.lesson_id, attendance.student_id)
        IN (SELECT * FROM unnest($1::uuid[], $2::uuid[]))
    ORDER BY attendance.lesson_id, attendance.student_id
    FOR UPDATE
)
SELECT wanted.lesson_id, wanted.student_id,
       lessons.class_id, lessons.date, lessons.subject_id, subjects.name AS subject_name,
       assignments.teacher_id,
       coalesce(lessons.substitute_id, assignments.teacher_id) AS writer_id,
       lessons.cancelled_at IS NOT NULL AS cancelled,
       (($5::timestamptz AT TIME ZONE schools.timezone)::date - lessons.date)
           > coalesce(grading_settings.lock_after_days, $4::int) AS locked,
       EXISTS (
           SELECT 1 FROM enrollments
           WHERE enrollments.student_id = wanted.student_id
             AND enrollments.class_id = lessons.class_id
             AND enrollments.school_id = $3::uuid
             AND enrollments.starts_on <= lessons.date
             AND (enrollments.ends_on IS NULL OR enrollments.ends_on >= lessons.date)
       ) AND (lessons.group_id IS NULL OR EXISTS (
           SELECT 1 FROM group_memberships
           WHERE group_memberships.group_id = lessons.group_id
             AND group_memberships.student_id = wanted.student_id
             AND group_memberships.starts_on <= lessons.date
             AND (group_memberships.ends_on IS NULL
                  OR group_memberships.ends_on >= lessons.date)
       )) AS enrolled,
       locked.code, coalesce(locked.version, 0) AS version
FROM unnest($1::uuid[], $2::uuid[]) AS wanted(lesson_id, student_id)
JOIN lessons ON lessons.id = wanted.lesson_id
JOIN assignments ON assignments.id = lessons.assignment_id
JOIN subjects ON subjects.id = lessons.subject_id
JOIN schools ON schools.id = lessons.school_id
LEFT OUTER JOIN grading_settings ON grading_settings.school_id = lessons.school_id
LEFT OUTER JOIN locked
    ON locked.lesson_id = wanted.lesson_id AND locked.student_id = wanted.student_id
WHERE lessons.school_id = $3::uuid
"""


@dataclass(frozen=True)
class Writable:
    """A cell of a batch as it is now, and whether its lesson is past the lock period."""

    cell: Cell
    locked: bool


async def cells_many(
    session: AsyncSession, user: User, wanted: list[tuple[uuid.UUID, uuid.UUID]]
) -> dict[tuple[uuid.UUID, uuid.UUID], Writable]:
    """The cells `wanted` ((lesson, student) pairs) of the school's lessons, the existing
    ones locked until the transaction ends (which the session must have begun); each
    still to be authorized (`require_may_correct`) and checked (`require_enrolled`)."""
    lessons = [lesson for lesson, _ in wanted]
    students = [student for _, student in wanted]
    rows = await driver.fetch(
        session,
        CELLS_SQL,
        lessons,
        students,
        user.school_id,
        DEFAULT_SETTINGS.lock_after_days,
        clock.now(),
    )
    found: dict[tuple[uuid.UUID, uuid.UUID], Writable] = {}
    for row in rows:
        lesson_id = uuid.UUID(bytes=row["lesson_id"].bytes)
        student_id = uuid.UUID(bytes=row["student_id"].bytes)
        found[(lesson_id, student_id)] = Writable(_cell(lesson_id, student_id, row), row["locked"])
    return found


def _cell(lesson_id: uuid.UUID, student_id: uuid.UUID, row: Any) -> Cell:
    return Cell(
        lesson_id=lesson_id,
        student_id=student_id,
        lesson_date=row["date"],
        class_id=row["class_id"],
        subject_id=row["subject_id"],
        subject_name=row["subject_name"],
        teacher_id=row["teacher_id"],
        enrolled=row["enrolled"],
        code=row["code"],
        version=row["version"],
        writer_id=row["writer_id"],
        cancelled=row["cancelled"],
    )


@dataclass(frozen=True)
class CellWrite:
    """A change of a cell judged to apply: the code it writes (None clears), the history
    row's reason, the version it is based on and its event, staged."""

    on: Cell
    code: AttendanceCode | None
    reason: str
    based: int
    event: StagedEvent
    now: datetime

    def answer(self, user: User, version: int) -> bytes:
        """The answer of the write (`AttendanceOut`) once written at `version`."""
        return orjson.dumps(
            {
                "lesson_id": self.on.lesson_id,
                "student_id": self.on.student_id,
                "code": self.code,
                "marked_by": user.account_id,
                "marked_at": self.now,
                "version": version,
            },
            option=orjson.OPT_UTC_Z,
        )


async def _write(session: AsyncSession, user: User, change: CellWrite) -> bytes:
    on = change.on
    written = await driver.fetchval(
        session,
        WRITE_SQL,
        on.lesson_id,
        on.student_id,
        user.school_id,
        change.code,
        change.based,
        user.account_id,
        change.now,
        uuid.uuid4(),
        on.code,
        change.reason,
        change.event.id,
        change.event.routing_key,
        change.event.envelope,
        half_grades(),
    )
    if written is None:  # changed by someone else between the read and the write
        again = await cell(session, user, on.lesson_id, on.student_id)
        raise stale("attendance", again.current())
    return change.answer(user, written)


def _event_fields(user: User, on: Cell, now: datetime) -> dict[str, Any]:
    return {
        "school_id": user.school_id,
        "version": on.version + 1,
        "occurred_at": now,
        "lesson_id": on.lesson_id,
        "lesson_date": on.lesson_date,
        "student_id": on.student_id,
        "class_id": on.class_id,
        "subject_id": on.subject_id,
        "subject_name": on.subject_name,
        "teacher_id": on.teacher_id,
    }


def check_setting(on: Cell, code: AttendanceCode, reason: str | None, version: int | None) -> int:
    """The version a setting is based on, once it is known to apply: 409 when stale, 422
    when it changes nothing or changes a code without a reason."""
    based = 0 if version is None else version
    if on.version != based:
        raise stale("attendance", on.current())
    if on.code == code:
        raise Problem(
            422, "nothing-changed", "Nothing changed", "The cell already holds this code."
        )
    if on.code is not None and reason is None:
        raise Problem(
            422, "reason-required", "Reason required", "Changing attendance needs a reason."
        )
    return based


def check_clearing(on: Cell, version: int | None) -> int:
    """The version a clearing is based on: 428 without one, 409 when stale or empty."""
    if version is None:
        raise version_required()
    if on.version != version or on.code is None:
        raise stale("attendance", on.current())
    return version


def setting(
    user: User,
    on: Cell,
    code: AttendanceCode,
    reason: str | None,
    version: int | None,
    now: datetime,
) -> CellWrite:
    """A setting of the cell judged by `check_setting` (raises its Problem), with its
    AttendanceMarked event."""
    based = check_setting(on, code, reason, version)
    event = AttendanceMarked(code=code, old_code=on.code, **_event_fields(user, on, now))
    return CellWrite(on, code, reason or MARKED, based, staged(event), now)


def clearing(user: User, on: Cell, reason: str, version: int | None, now: datetime) -> CellWrite:
    """A clearing of the cell judged by `check_clearing`, with its AttendanceCleared event."""
    based = check_clearing(on, version)
    event = AttendanceCleared(old_code=on.code, **_event_fields(user, on, now))
    return CellWrite(on, None, reason, based, staged(event), now)


async def set_attendance(
    session: AsyncSession,
    user: User,
    on: Cell,
    code: AttendanceCode,
    reason: str | None,
    version: int | None,
) -> bytes:
    """Mark the student Н, Б, П or ОП on the lesson, or change the code (authorized by
    `cell`). A change needs a reason; a first mark may have one."""
    return await _write(session, user, setting(user, on, code, reason, version, datetime.now(UTC)))


async def clear_attendance(
    session: AsyncSession, user: User, on: Cell, reason: str, version: int | None
) -> bytes:
    """Clear the student's code on the lesson: present after all (authorized by `cell`)."""
    return await _write(session, user, clearing(user, on, reason, version, datetime.now(UTC)))


# WRITE_SQL for many cells at once (the journal page's save), with the same rows: $1
# school, $2 who, then one array per column: $3 lessons, $4 students, $5 codes (NULL
# clears), $6 the versions they were based on, $7 when, $8 history rows, $9 old codes,
# $10 reasons (the events are the save's to stage, journal.page.service). A cell never
# marked is inserted at version 1 (its
# based version is 0), one marked is updated only at its based version; the rows are
# inserted in key order, as the cells were locked. Cells that moved on meanwhile write
# nothing and are missing from the answer (the caller refuses the whole save). No
# closing guard: the caller's transaction has asked journal_closed_on of every lesson it
# writes (which holds the school's closing lock until it ends; journal.calendar.closing).
WRITE_MANY_SQL = """
WITH wanted AS (
    SELECT * FROM unnest($3::uuid[], $4::uuid[], $5::varchar[], $6::int[],
                         $7::timestamptz[], $8::uuid[], $9::varchar[], $10::text[])
        AS wanted(lesson_id, student_id, code, based, marked_at, history_id, old_code,
                  reason)
),
cell AS (
    INSERT INTO attendance AS cell (lesson_id, student_id, school_id, code, version,
                                   marked_by, marked_at)
    SELECT lesson_id, student_id, $1::uuid, code, based + 1, $2::uuid, marked_at
    FROM wanted
    ORDER BY lesson_id, student_id
    ON CONFLICT (lesson_id, student_id) DO UPDATE
        SET code = excluded.code, version = cell.version + 1,
            marked_by = excluded.marked_by, marked_at = excluded.marked_at
        WHERE cell.version = excluded.version - 1
    RETURNING lesson_id, student_id, school_id, version, code
),
history AS (
    INSERT INTO attendance_history (id, school_id, lesson_id, student_id, version,
                                    changed_by, changed_at, old_code, new_code, reason)
    SELECT wanted.history_id, cell.school_id, cell.lesson_id, cell.student_id,
           cell.version, $2::uuid, wanted.marked_at, wanted.old_code, cell.code,
           wanted.reason
    FROM cell JOIN wanted USING (lesson_id, student_id)
)
SELECT lesson_id, student_id, version FROM cell
"""


def write_many_args(user: User, changes: list[CellWrite]) -> tuple[Any, ...]:
    """WRITE_MANY_SQL's arguments for `changes` (cells of one save, each once)."""
    return (
        user.school_id,
        user.account_id,
        [c.on.lesson_id for c in changes],
        [c.on.student_id for c in changes],
        [c.code for c in changes],
        [c.based for c in changes],
        [c.now for c in changes],
        [uuid.uuid4() for _ in changes],
        [c.on.code for c in changes],
        [c.reason for c in changes],
    )


async def write_cells(
    session: AsyncSession, user: User, changes: list[CellWrite]
) -> list[bytes | Problem]:
    """Write every change in one statement, in the caller's transaction (which must have
    locked the cells with `cells_many`): each change's answer, or the 409 with the cell's
    current state for one that moved on meanwhile (then the caller must refuse the whole
    save: the others are written)."""
    rows = await driver.fetch(session, WRITE_MANY_SQL, *write_many_args(user, changes))
    written = {
        (uuid.UUID(bytes=row["lesson_id"].bytes), uuid.UUID(bytes=row["student_id"].bytes)): row[
            "version"
        ]
        for row in rows
    }
    answers: list[bytes | Problem] = []
    for change in changes:
        version = written.get((change.on.lesson_id, change.on.student_id))
        if version is None:  # first marked by someone else between the read and the write
            again = await cell(session, user, change.on.lesson_id, change.on.student_id)
            answers.append(stale("attendance", again.current()))
        else:
            answers.append(change.answer(user, version))
    return answers


HISTORY_SQL = text(
    """
    SELECT attendance_history.version, attendance_history.changed_by,
           attendance_history.changed_at, attendance_history.old_code,
           attendance_history.new_code, attendance_history.reason
    FROM attendance_history JOIN lessons ON lessons.id = attendance_history.lesson_id
    WHERE attendance_history.lesson_id = :lesson_id
      AND attendance_history.student_id = :student_id
      AND lessons.school_id = :school_id
    ORDER BY attendance_history.version
    """
)


async def attendance_history(
    session: AsyncSession, user: User, lesson_id: uuid.UUID, student_id: uuid.UUID
) -> AttendanceHistory:
    """Every version of a cell, oldest first (deputy, director); 404 for a cell never marked."""
    require_role(user, *HISTORY_READERS)
    rows = await session.execute(
        HISTORY_SQL,
        {"lesson_id": lesson_id, "student_id": student_id, "school_id": user.school_id},
    )
    changes = [AttendanceHistoryEntry.model_validate(dict(row)) for row in rows.mappings()]
    if not changes:
        raise NotFound("attendance")
    return AttendanceHistory(lesson_id=lesson_id, student_id=student_id, changes=changes)
