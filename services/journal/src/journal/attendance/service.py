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

from journal import driver
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
from shared.outbox import staged
from shared.security import User

MARKED = "marked"  # the history reason of a cell's first code, when none is given

# $1 lesson, $2 the caller's school, $3 student, $4 the lock period of a school without
# settings. No row unless the lesson is in the school. Enrolled: in the lesson's class on
# the lesson's date, both ends inclusive (roster.enrolled.ENROLLED_ON_SQL, written out so
# that the statement stays one constant text).
CELL_SQL = """
SELECT lessons.class_id, lessons.date, lessons.subject_id, subjects.name AS subject_name,
       assignments.teacher_id,
       coalesce(lessons.substitute_id, assignments.teacher_id) AS writer_id,
       lessons.cancelled_at IS NOT NULL AS cancelled,
       ((now() AT TIME ZONE schools.timezone)::date - lessons.date)
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
        session, CELL_SQL, lesson_id, user.school_id, student_id, DEFAULT_SETTINGS.lock_after_days
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


# The batch form of CELL_SQL for the journal page's save: $1 lessons and $2 students
# (pairs), $3 the caller's school, $4 the default lock period. Only cells of the school's
# lessons come back; a cell never marked comes back at version 0.
CELLS_SQL = """
SELECT wanted.lesson_id, wanted.student_id,
       lessons.class_id, lessons.date, lessons.subject_id, subjects.name AS subject_name,
       assignments.teacher_id,
       coalesce(lessons.substitute_id, assignments.teacher_id) AS writer_id,
       lessons.cancelled_at IS NOT NULL AS cancelled,
       ((now() AT TIME ZONE schools.timezone)::date - lessons.date)
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
       attendance.code, coalesce(attendance.version, 0) AS version
FROM unnest($1::uuid[], $2::uuid[]) AS wanted(lesson_id, student_id)
JOIN lessons ON lessons.id = wanted.lesson_id
JOIN assignments ON assignments.id = lessons.assignment_id
JOIN subjects ON subjects.id = lessons.subject_id
JOIN schools ON schools.id = lessons.school_id
LEFT OUTER JOIN grading_settings ON grading_settings.school_id = lessons.school_id
LEFT OUTER JOIN attendance
    ON attendance.lesson_id = wanted.lesson_id AND attendance.student_id = wanted.student_id
WHERE lessons.school_id = $3::uuid
"""

# Locks the cells that exist (in key order, so that concurrent saves cannot deadlock):
# FOR UPDATE cannot reach the outer-joined side of CELLS_SQL.
LOCK_CELLS_SQL = """
SELECT 1 FROM attendance
WHERE (lesson_id, student_id) IN (SELECT * FROM unnest($1::uuid[], $2::uuid[]))
ORDER BY lesson_id, student_id
FOR UPDATE
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
    await driver.fetch(session, LOCK_CELLS_SQL, lessons, students)
    rows = await driver.fetch(
        session, CELLS_SQL, lessons, students, user.school_id, DEFAULT_SETTINGS.lock_after_days
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


async def _write(
    session: AsyncSession,
    user: User,
    on: Cell,
    code: AttendanceCode | None,
    reason: str,
    based: int,
    event: AttendanceMarked | AttendanceCleared,
    now: datetime,
) -> bytes:
    staged_event = staged(event)
    written = await driver.fetchval(
        session,
        WRITE_SQL,
        on.lesson_id,
        on.student_id,
        user.school_id,
        code,
        based,
        user.account_id,
        now,
        uuid.uuid4(),
        on.code,
        reason,
        staged_event.id,
        staged_event.routing_key,
        staged_event.envelope,
        half_grades(),
    )
    if written is None:  # changed by someone else between the read and the write
        again = await cell(session, user, on.lesson_id, on.student_id)
        raise stale("attendance", again.current())
    return orjson.dumps(
        {
            "lesson_id": on.lesson_id,
            "student_id": on.student_id,
            "code": code,
            "marked_by": user.account_id,
            "marked_at": now,
            "version": written,
        },
        option=orjson.OPT_UTC_Z,
    )


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
    based = check_setting(on, code, reason, version)
    now = datetime.now(UTC)
    event = AttendanceMarked(code=code, old_code=on.code, **_event_fields(user, on, now))
    return await _write(session, user, on, code, reason or MARKED, based, event, now)


async def clear_attendance(
    session: AsyncSession, user: User, on: Cell, reason: str, version: int | None
) -> bytes:
    """Clear the student's code on the lesson: present after all (authorized by `cell`)."""
    version = check_clearing(on, version)
    now = datetime.now(UTC)
    event = AttendanceCleared(old_code=on.code, **_event_fields(user, on, now))
    return await _write(session, user, on, None, reason, version, event, now)


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
