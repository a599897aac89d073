"""Use cases of marks.

Posting a mark is the hottest write, so it takes two prebuilt statements sent through
asyncpg (journal.driver) and no ORM unit of work: one reads everything the rules need (the
lesson and who teaches it, the student's enrollment, the work type), one writes the mark,
its history row and its MarkPosted event together. That write is atomic by itself, so a
plain post needs no BEGIN and COMMIT round trips; with an Idempotency-Key the session has
begun a transaction (the key's row) and the write joins it. Changes and removals follow
the same shape (see "corrections" below).
"""

import uuid
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from journal import clock, driver
from journal.access import TEACHING, require_own_teaching, require_role
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
from journal.marks.models import Mark
from journal.marks.schemas import (
    MarkCorrection,
    MarkCreate,
    MarkHistory,
    MarkHistoryEntry,
    SchoolMarkChange,
    SchoolMarkChanges,
)
from shared.contracts.journal import MarkChanged, MarkPosted, MarkRemoved
from shared.errors import NotFound, Problem
from shared.outbox import StagedEvent, staged
from shared.security import User

POSTED = "posted"  # the history reason of a mark's first version

# $1 lesson, $2 the caller's school, $3 student, $4 work type code. No row unless the
# lesson is in the school. Every rule of posting is read here, so that a post stays one
# read and one write: who writes the lesson (its substitute, else the assignment's
# teacher), whether it is cancelled, whether the student is enrolled in its class on its
# date (roster.enrolled.ENROLLED_ON_SQL written out) and, for a group's lesson, a member
# of the group that day, whether the work type takes new marks, and whether the class's
# level is given marks at all ($5 the levels taught without marks of a school without
# grading settings).
MARKING_SQL = """
SELECT lessons.class_id, lessons.date, lessons.subject_id, subjects.name AS subject_name,
       assignments.teacher_id,
       coalesce(lessons.substitute_id, assignments.teacher_id) AS writer_id,
       lessons.cancelled_at IS NOT NULL AS cancelled,
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
       work_types.id AS work_type_id, work_types.name AS work_type_name, work_types.weight,
       work_types.active AS work_type_active,
       classes.grade <> ALL (coalesce(grading_settings.unmarked_grades, $5::smallint[]))
           AS marks_given
FROM lessons
JOIN assignments ON assignments.id = lessons.assignment_id
JOIN subjects ON subjects.id = lessons.subject_id
JOIN classes ON classes.id = lessons.class_id
LEFT OUTER JOIN grading_settings ON grading_settings.school_id = lessons.school_id
LEFT OUTER JOIN work_types ON work_types.school_id = $2::uuid AND work_types.code = $4
WHERE lessons.id = $1::uuid AND lessons.school_id = $2::uuid
"""

# The mark, its first history row and its event (an outbox row) in one statement, if the
# lesson's day is open (journal.calendar.closing: the guard's error refuses the whole
# statement; $14 the class levels with halves by default). No row when the lesson is gone.
POST_SQL = """
WITH guard AS (
    SELECT journal_require_open(school_id, class_id, date, $14::smallint[]) AS open
    FROM lessons WHERE id = $3::uuid
),
mark AS (
    INSERT INTO marks (id, school_id, lesson_id, student_id, work_type_id, value,
                       posted_by, posted_at, version)
    SELECT $1::uuid, $2::uuid, $3::uuid, $4::uuid, $5::uuid, $6::smallint,
           $7::uuid, $8::timestamptz, 1
    FROM guard
    RETURNING id, school_id, version, value, work_type_id, posted_by, posted_at
),
history AS (
    INSERT INTO mark_history (id, school_id, mark_id, version, changed_by, changed_at,
                              old_value, new_value, old_work_type_id, new_work_type_id,
                              reason)
    SELECT $9::uuid, school_id, id, version, posted_by, posted_at,
           NULL, value, NULL, work_type_id, $10::text
    FROM mark
),
event AS (
    INSERT INTO outbox (id, routing_key, envelope)
    SELECT $11::uuid, $12::text, $13::jsonb FROM mark
)
SELECT id FROM mark
"""


@dataclass(frozen=True)
class Marking:
    """What the rules of posting a mark on a lesson need to know, read in one statement."""

    lesson_id: uuid.UUID
    class_id: uuid.UUID
    lesson_date: date
    subject_id: uuid.UUID
    subject_name: str
    teacher_id: uuid.UUID
    student_id: uuid.UUID
    enrolled: bool
    work_type: str
    work_type_id: uuid.UUID | None
    work_type_name: str | None
    weight: int | None
    # Who writes the lesson (its substitute while it has one) and whether it is cancelled.
    writer_id: uuid.UUID
    cancelled: bool
    work_type_active: bool | None
    # False in a class level taught without marks (the grading settings' unmarked_grades).
    marks_given: bool = True


async def marking(
    session: driver.Db, user: User, lesson_id: uuid.UUID, data: MarkCreate
) -> Marking:
    """The lesson the caller teaches (403 for a colleague's lesson, 404 across schools),
    with the student's enrollment and the work type, judged later by `post_mark`."""
    require_role(user, *TEACHING)
    row = await driver.fetchrow(
        session,
        MARKING_SQL,
        lesson_id,
        user.school_id,
        data.student_id,
        data.work_type,
        list(DEFAULT_SETTINGS.unmarked_grades),
    )
    if row is None:
        raise NotFound("lesson")
    require_own_teaching(user, row["writer_id"])
    return Marking(
        lesson_id=lesson_id,
        class_id=row["class_id"],
        lesson_date=row["date"],
        subject_id=row["subject_id"],
        subject_name=row["subject_name"],
        teacher_id=row["teacher_id"],
        student_id=data.student_id,
        enrolled=row["enrolled"],
        work_type=data.work_type,
        work_type_id=row["work_type_id"],
        work_type_name=row["work_type_name"],
        weight=row["weight"],
        writer_id=row["writer_id"],
        cancelled=row["cancelled"],
        work_type_active=row["work_type_active"],
        marks_given=row["marks_given"],
    )


def check_posting(on: Marking) -> None:
    """Refuse a mark on a cancelled lesson (409), for a student not in the lesson's class
    (or group) on its date, in a class taught without marks, of an unknown or a
    deactivated work type (422)."""
    if on.cancelled:
        raise cancelled_problem()
    if not on.enrolled:
        raise Problem(
            422,
            "student-not-in-class",
            "Student not in class",
            "The student is not enrolled in this lesson's class (or group) on its date.",
        )
    if not on.marks_given:
        raise Problem(
            422,
            "marks-not-given",
            "Marks not given",
            "Класс учится без отметок: отметки в нём не ставятся.",
        )
    if on.work_type_id is None or on.work_type_name is None or on.weight is None:
        raise Problem(
            422,
            "unknown-work-type",
            "Unknown work type",
            "The school has no work type with this code.",
            work_type=on.work_type,
        )
    if not on.work_type_active:
        raise Problem(
            422,
            "inactive-work-type",
            "Inactive work type",
            "This work type was deactivated by the school: it takes no new marks.",
            work_type=on.work_type,
        )


def _posted(
    user: User, on: Marking, value: int, mark_id: uuid.UUID, now: datetime
) -> tuple[StagedEvent, bytes]:
    """A new mark's event and answer (`MarkOut`, in its key order; UTC as "Z", as
    pydantic writes it)."""
    event = staged(
        MarkPosted(
            school_id=user.school_id,
            version=1,
            occurred_at=now,
            mark_id=mark_id,
            lesson_id=on.lesson_id,
            lesson_date=on.lesson_date,
            student_id=on.student_id,
            class_id=on.class_id,
            subject_id=on.subject_id,
            subject_name=on.subject_name,
            teacher_id=on.teacher_id,
            value=value,
            work_type=on.work_type,
            weight=on.weight,
            work_type_name=on.work_type_name,
        )
    )
    answer = orjson.dumps(
        {
            "mark_id": mark_id,
            "lesson_id": on.lesson_id,
            "student_id": on.student_id,
            "value": value,
            "work_type": on.work_type,
            "work_type_name": on.work_type_name,
            "weight": on.weight,
            "posted_by": user.account_id,
            "posted_at": now,
            "version": 1,
        },
        option=orjson.OPT_UTC_Z,
    )
    return event, answer


async def post_mark(session: driver.Db, user: User, on: Marking, value: int) -> bytes:
    """Give the student a mark on the lesson (authorized by `marking`); the answer's
    body as JSON bytes (`MarkOut`)."""
    check_posting(on)
    now = datetime.now(UTC)
    mark_id = uuid.uuid4()
    event, answer = _posted(user, on, value, mark_id, now)
    written = await driver.fetchval(
        session,
        POST_SQL,
        mark_id,
        user.school_id,
        on.lesson_id,
        on.student_id,
        on.work_type_id,
        value,
        user.account_id,
        now,
        uuid.uuid4(),
        POSTED,
        event.id,
        event.routing_key,
        event.envelope,
        half_grades(),
    )
    if written is None:  # the lesson was removed between the read and the write
        raise NotFound("lesson")
    return answer


# POST_SQL for many marks at once (the journal page's save): $1 school, $2 who, $3 when,
# $4 the history reason, then one array per column: $5 marks, $6 lessons, $7 students,
# $8 work types, $9 values, $10 history rows. The events are the save's to stage: they
# travel in one bundle (journal.page.service).
POST_MANY_SQL = """
WITH posted AS (
    SELECT * FROM unnest($5::uuid[], $6::uuid[], $7::uuid[], $8::uuid[], $9::smallint[],
                         $10::uuid[])
        AS posted(id, lesson_id, student_id, work_type_id, value, history_id)
),
mark AS (
    INSERT INTO marks (id, school_id, lesson_id, student_id, work_type_id, value,
                       posted_by, posted_at, version)
    SELECT id, $1::uuid, lesson_id, student_id, work_type_id, value, $2::uuid,
           $3::timestamptz, 1
    FROM posted
),
history AS (
    INSERT INTO mark_history (id, school_id, mark_id, version, changed_by, changed_at,
                              old_value, new_value, old_work_type_id, new_work_type_id,
                              reason)
    SELECT history_id, $1::uuid, id, 1, $2::uuid, $3::timestamptz,
           NULL, value, NULL, work_type_id, $4::text
    FROM posted
)
SELECT count(*) FROM posted
"""


async def post_marks(
    session: AsyncSession, user: User, postings: list[tuple[Marking, int]], now: datetime
) -> tuple[list[bytes], list[StagedEvent]]:
    """`post_mark` for many marks in one statement, posted at `now`: the same rows and
    answers, and the same events, returned for the caller to stage."""
    for on, _ in postings:
        check_posting(on)
    mark_ids = [uuid.uuid4() for _ in postings]
    posted = [
        _posted(user, on, value, mark_id, now)
        for (on, value), mark_id in zip(postings, mark_ids, strict=True)
    ]
    await driver.fetchrow(
        session,
        POST_MANY_SQL,
        user.school_id,
        user.account_id,
        now,
        POSTED,
        mark_ids,
        [on.lesson_id for on, _ in postings],
        [on.student_id for on, _ in postings],
        [on.work_type_id for on, _ in postings],
        [value for _, value in postings],
        [uuid.uuid4() for _ in postings],
    )
    return [answer for _, answer in posted], [event for event, _ in posted]


# --- corrections --------------------------------------------------------------------------
# A change or removal is one read (the mark as it is now, its lesson, who teaches it, the
# lock, the new work type) and one write: the mark updated only if it is still at the
# version the change was based on, its history row and its event in the same statement.

# $1 mark, $2 the caller's school, $3 the new work type's code (NULL: keep it), $4 the
# lock period of a school without settings, $5 journal.clock.now().
# No row unless the mark is in the school.
CORRECTING_SQL = """
SELECT marks.lesson_id, marks.student_id, marks.value, marks.version,
       marks.removed_at IS NOT NULL AS removed,
       kept.id AS work_type_id, kept.code AS work_type, kept.name AS work_type_name,
       kept.weight,
       lessons.class_id, lessons.date, lessons.subject_id, subjects.name AS subject_name,
       assignments.teacher_id,
       coalesce(lessons.substitute_id, assignments.teacher_id) AS writer_id,
       lessons.cancelled_at IS NOT NULL AS cancelled,
       (($5::timestamptz AT TIME ZONE schools.timezone)::date - lessons.date)
           > coalesce(grading_settings.lock_after_days, $4::int) AS locked,
       new_type.id AS new_work_type_id, new_type.name AS new_work_type_name,
       new_type.weight AS new_weight
FROM marks
JOIN work_types AS kept ON kept.id = marks.work_type_id
JOIN lessons ON lessons.id = marks.lesson_id
JOIN assignments ON assignments.id = lessons.assignment_id
JOIN subjects ON subjects.id = lessons.subject_id
JOIN schools ON schools.id = marks.school_id
LEFT OUTER JOIN grading_settings ON grading_settings.school_id = marks.school_id
LEFT OUTER JOIN work_types AS new_type
    ON new_type.school_id = $2::uuid AND new_type.code = $3::text AND new_type.active
WHERE marks.id = $1::uuid AND marks.school_id = $2::uuid
"""

# $1 mark, $2 the version it was based on, $3 new value, $4 new work type, $5 history row,
# $6 who, $7 when, $8 old value, $9 old work type, $10 reason, $11-$13 the event, $14 the
# closing guard's levels with halves (the lesson's day must be open). No row when the mark
# moved on (or was removed) meanwhile: nothing is written.
CHANGE_SQL = """
WITH guard AS (
    SELECT journal_require_open(lessons.school_id, lessons.class_id, lessons.date,
                                $14::smallint[]) AS open
    FROM marks JOIN lessons ON lessons.id = marks.lesson_id WHERE marks.id = $1::uuid
),
changed AS (
    UPDATE marks SET value = $3::smallint, work_type_id = $4::uuid, version = version + 1
    FROM guard
    WHERE id = $1::uuid AND version = $2::int AND removed_at IS NULL
    RETURNING id, school_id, version, value, work_type_id
),
history AS (
    INSERT INTO mark_history (id, school_id, mark_id, version, changed_by, changed_at,
                              old_value, new_value, old_work_type_id, new_work_type_id,
                              reason)
    SELECT $5::uuid, school_id, id, version, $6::uuid, $7::timestamptz,
           $8::smallint, value, $9::uuid, work_type_id, $10::text
    FROM changed
),
event AS (
    INSERT INTO outbox (id, routing_key, envelope)
    SELECT $11::uuid, $12::text, $13::jsonb FROM changed
)
SELECT version FROM changed
"""

# $1 mark, $2 the version it was based on, $3 history row, $4 who, $5 when, $6 reason,
# $7-$9 the event, $10 the closing guard's levels with halves. The mark stays as a removed
# row; its history records no new value.
REMOVE_SQL = """
WITH guard AS (
    SELECT journal_require_open(lessons.school_id, lessons.class_id, lessons.date,
                                $10::smallint[]) AS open
    FROM marks JOIN lessons ON lessons.id = marks.lesson_id WHERE marks.id = $1::uuid
),
removed AS (
    UPDATE marks SET removed_at = $5::timestamptz, removed_by = $4::uuid, version = version + 1
    FROM guard
    WHERE id = $1::uuid AND version = $2::int AND removed_at IS NULL
    RETURNING id, school_id, version, value, work_type_id
),
history AS (
    INSERT INTO mark_history (id, school_id, mark_id, version, changed_by, changed_at,
                              old_value, new_value, old_work_type_id, new_work_type_id,
                              reason)
    SELECT $3::uuid, school_id, id, version, $4::uuid, $5::timestamptz,
           value, NULL, work_type_id, NULL, $6::text
    FROM removed
),
event AS (
    INSERT INTO outbox (id, routing_key, envelope)
    SELECT $7::uuid, $8::text, $9::jsonb FROM removed
)
SELECT version FROM removed
"""


@dataclass(frozen=True)
class Correcting:
    """A mark as it is now, with what the rules of correcting it need."""

    mark_id: uuid.UUID
    lesson_id: uuid.UUID
    lesson_date: date
    student_id: uuid.UUID
    class_id: uuid.UUID
    subject_id: uuid.UUID
    subject_name: str
    teacher_id: uuid.UUID
    value: int
    version: int
    removed: bool
    work_type_id: uuid.UUID
    work_type: str
    work_type_name: str
    weight: int
    new_work_type_id: uuid.UUID | None
    new_work_type_name: str | None
    new_weight: int | None
    writer_id: uuid.UUID  # who writes the lesson: its substitute, else the teacher

    def current(self) -> dict[str, Any]:
        """The mark's state as a 409 shows it (JSON-ready)."""
        return {
            "mark_id": str(self.mark_id),
            "value": self.value,
            "work_type": self.work_type,
            "version": self.version,
            "removed": self.removed,
        }


async def correcting(
    session: AsyncSession, user: User, mark_id: uuid.UUID, new_work_type: str | None
) -> Correcting:
    """The mark the caller may correct now (404 across schools, 403 for another teacher's
    mark or a locked lesson unless the caller is the deputy)."""
    require_role(user, *CORRECTORS)
    row = await driver.fetchrow(
        session,
        CORRECTING_SQL,
        mark_id,
        user.school_id,
        new_work_type,
        DEFAULT_SETTINGS.lock_after_days,
        clock.now(),
    )
    if row is None:
        raise NotFound("mark")
    require_may_correct(user, row["writer_id"], row["locked"])
    return _correcting(mark_id, row)


# The batch form of CORRECTING_SQL for the journal page's save: $1 marks, $2 their new
# work types' codes (NULL: keep), $3 the caller's school, $4 the default lock period,
# $5 journal.clock.now(). The marks are locked (in id order, so that concurrent saves
# cannot deadlock) until the transaction ends: the save's checks hold until its writes.
CORRECTING_MANY_SQL = """
SELECT wanted.mark_id, marks.lesson_id, marks.student_id, marks.value, marks.version,
       marks.removed_at IS NOT NULL AS removed,
       kept.id AS work_type_id, kept.code AS work_type, kept.name AS work_type_name,
       kept.weight,
       lessons.class_id, lessons.date, lessons.subject_id, subjects.name AS subject_name,
       assignments.teacher_id,
       coalesce(lessons.substitute_id, assignments.teacher_id) AS writer_id,
       lessons.cancelled_at IS NOT NULL AS cancelled,
       (($5::timestamptz AT TIME ZONE schools.timezone)::date - lessons.date)
           > coalesce(grading_settings.lock_after_days, $4::int) AS locked,
       new_type.id AS new_work_type_id, new_type.name AS new_work_type_name,
       new_type.weight AS new_weight
FROM unnest($1::uuid[], $2::text[]) AS wanted(mark_id, new_code)
JOIN marks ON marks.id = wanted.mark_id
JOIN work_types AS kept ON kept.id = marks.work_type_id
JOIN lessons ON lessons.id = marks.lesson_id
JOIN assignments ON assignments.id = lessons.assignment_id
JOIN subjects ON subjects.id = lessons.subject_id
JOIN schools ON schools.id = marks.school_id
LEFT OUTER JOIN grading_settings ON grading_settings.school_id = marks.school_id
LEFT OUTER JOIN work_types AS new_type
    ON new_type.school_id = $3::uuid AND new_type.code = wanted.new_code AND new_type.active
WHERE marks.school_id = $3::uuid
ORDER BY marks.id
FOR UPDATE OF marks
"""


@dataclass(frozen=True)
class Correctable:
    """A mark of a batch as it is now, and whether the lesson is past the lock period."""

    mark: Correcting
    locked: bool


async def correcting_many(
    session: AsyncSession, user: User, wanted: dict[uuid.UUID, str | None]
) -> dict[uuid.UUID, Correctable]:
    """The school's marks among `wanted` (mark → new work type code or None), locked until
    the transaction ends; each still to be authorized with `require_may_correct`. The
    session must have begun its transaction (else the locks end with the statement)."""
    rows = await driver.fetch(
        session,
        CORRECTING_MANY_SQL,
        list(wanted),
        list(wanted.values()),
        user.school_id,
        DEFAULT_SETTINGS.lock_after_days,
        clock.now(),
    )
    found: dict[uuid.UUID, Correctable] = {}
    for row in rows:
        mark_id = uuid.UUID(bytes=row["mark_id"].bytes)
        found[mark_id] = Correctable(_correcting(mark_id, row), row["locked"])
    return found


def _correcting(mark_id: uuid.UUID, row: Any) -> Correcting:
    return Correcting(
        mark_id=mark_id,
        # asyncpg's own UUID type, which orjson does not write, made a plain UUID
        lesson_id=uuid.UUID(bytes=row["lesson_id"].bytes),
        lesson_date=row["date"],
        student_id=uuid.UUID(bytes=row["student_id"].bytes),
        class_id=row["class_id"],
        subject_id=row["subject_id"],
        subject_name=row["subject_name"],
        teacher_id=row["teacher_id"],
        value=row["value"],
        version=row["version"],
        removed=row["removed"],
        work_type_id=row["work_type_id"],
        work_type=row["work_type"],
        work_type_name=row["work_type_name"],
        weight=row["weight"],
        new_work_type_id=row["new_work_type_id"],
        new_work_type_name=row["new_work_type_name"],
        new_weight=row["new_weight"],
        writer_id=uuid.UUID(bytes=row["writer_id"].bytes),
    )


def _require_current(mark: Correcting, version: int | None) -> int:
    if version is None:
        raise version_required()
    if mark.removed or mark.version != version:
        raise stale("mark", mark.current())
    return version


def _answer(mark: Correcting, **state: Any) -> bytes:
    """A corrected mark in the shape and key order of MarkOut (+ `removed`)."""
    return orjson.dumps(
        {
            "mark_id": mark.mark_id,
            "lesson_id": mark.lesson_id,
            "student_id": mark.student_id,
            "value": mark.value,
            "work_type": mark.work_type,
            "work_type_name": mark.work_type_name,
            "weight": mark.weight,
            **state,
        },
        option=orjson.OPT_UTC_Z,
    )


def check_change(mark: Correcting, data: MarkCorrection, version: int | None) -> int:
    """The version a change is based on, once it is known to apply: 428 without one, 409
    when stale, 422 for an unknown work type or a change that changes nothing."""
    based = _require_current(mark, version)
    if data.work_type is not None and mark.new_work_type_id is None:
        raise Problem(
            422,
            "unknown-work-type",
            "Unknown work type",
            "The school has no active work type with this code.",
            work_type=data.work_type,
        )
    value = mark.value if data.value is None else data.value
    work_type_id = mark.new_work_type_id or mark.work_type_id
    if value == mark.value and work_type_id == mark.work_type_id:
        raise Problem(422, "nothing-changed", "Nothing changed", "The mark already has this value.")
    return based


def check_removal(mark: Correcting, version: int | None) -> int:
    """The version a removal is based on: 428 without one, 409 when stale or removed."""
    return _require_current(mark, version)


@dataclass(frozen=True)
class MarkWrite:
    """A change or removal of a mark judged to apply: the mark after it (value and work
    type), the version it is based on, the history row's reason and its event, staged."""

    mark: Correcting
    after: Correcting
    removal: bool
    based: int
    reason: str
    event: StagedEvent
    now: datetime

    def answer(self, user: User, version: int) -> bytes:
        """The answer of the write (`MarkChangedOut` or `MarkRemovedOut`) at `version`."""
        if self.removal:
            return _answer(
                self.mark, removed_by=user.account_id, removed_at=self.now, version=version
            )
        return _answer(self.after, changed_by=user.account_id, changed_at=self.now, version=version)


def _event_fields(user: User, mark: Correcting, based: int, now: datetime) -> dict[str, Any]:
    return {
        "school_id": user.school_id,
        "version": based + 1,
        "occurred_at": now,
        "mark_id": mark.mark_id,
        "lesson_id": mark.lesson_id,
        "lesson_date": mark.lesson_date,
        "student_id": mark.student_id,
        "class_id": mark.class_id,
        "subject_id": mark.subject_id,
        "subject_name": mark.subject_name,
        "teacher_id": mark.teacher_id,
    }


def changing(
    user: User, mark: Correcting, data: MarkCorrection, version: int | None, now: datetime
) -> MarkWrite:
    """A change judged by `check_change` (raises its Problem), with its MarkChanged event."""
    based = check_change(mark, data, version)
    after = replace(
        mark,
        value=mark.value if data.value is None else data.value,
        work_type=mark.work_type if data.work_type is None else data.work_type,
        work_type_id=mark.new_work_type_id or mark.work_type_id,
        work_type_name=mark.new_work_type_name or mark.work_type_name,
        weight=mark.weight if mark.new_weight is None else mark.new_weight,
    )
    event = MarkChanged(
        **_event_fields(user, mark, based, now),
        value=after.value,
        work_type=after.work_type,
        weight=after.weight,
        work_type_name=after.work_type_name,
        old_value=mark.value,
        old_work_type=mark.work_type,
    )
    return MarkWrite(mark, after, False, based, data.reason, staged(event), now)


def removing(
    user: User, mark: Correcting, reason: str, version: int | None, now: datetime
) -> MarkWrite:
    """A removal judged by `check_removal`, with its MarkRemoved event (a tombstone)."""
    based = check_removal(mark, version)
    event = MarkRemoved(
        **_event_fields(user, mark, based, now),
        value=mark.value,
        work_type=mark.work_type,
        weight=mark.weight,
        work_type_name=mark.work_type_name,
    )
    return MarkWrite(mark, mark, True, based, reason, staged(event), now)


async def change_mark(
    session: AsyncSession, user: User, mark: Correcting, data: MarkCorrection, version: int | None
) -> bytes:
    """Change the mark's value and/or work type (authorized by `correcting`)."""
    change = changing(user, mark, data, version, datetime.now(UTC))
    written = await driver.fetchval(
        session,
        CHANGE_SQL,
        mark.mark_id,
        change.based,
        change.after.value,
        change.after.work_type_id,
        uuid.uuid4(),
        user.account_id,
        change.now,
        mark.value,
        mark.work_type_id,
        change.reason,
        change.event.id,
        change.event.routing_key,
        change.event.envelope,
        half_grades(),
    )
    if written is None:  # changed by someone else between the read and the write
        raise stale("mark", await _current(session, user, mark.mark_id))
    return change.answer(user, written)


async def remove_mark(
    session: AsyncSession, user: User, mark: Correcting, reason: str, version: int | None
) -> bytes:
    """Remove the mark (authorized by `correcting`); it leaves a tombstone event."""
    removal = removing(user, mark, reason, version, datetime.now(UTC))
    written = await driver.fetchval(
        session,
        REMOVE_SQL,
        mark.mark_id,
        removal.based,
        uuid.uuid4(),
        user.account_id,
        removal.now,
        reason,
        removal.event.id,
        removal.event.routing_key,
        removal.event.envelope,
        half_grades(),
    )
    if written is None:
        raise stale("mark", await _current(session, user, mark.mark_id))
    return removal.answer(user, written)


# CHANGE_SQL and REMOVE_SQL for many marks at once (the journal page's save), with the
# same rows: $1 who, then one array per column: $2 marks, $3 the versions they were based
# on, $4 removal or change, $5 new values, $6 new work types, $7 when, $8 history rows,
# $9 old values, $10 old work types, $11 reasons (the events are the save's to stage,
# journal.page.service). A mark that moved on
# (or was removed) meanwhile writes nothing and is missing from the answer (the caller
# refuses the whole save). No closing guard: the caller's transaction has asked
# journal_closed_on of the marks' lessons (journal.calendar.closing) and locked the marks.
CORRECT_MANY_SQL = """
WITH wanted AS (
    SELECT * FROM unnest($2::uuid[], $3::int[], $4::boolean[], $5::smallint[], $6::uuid[],
                         $7::timestamptz[], $8::uuid[], $9::smallint[], $10::uuid[],
                         $11::text[])
        AS wanted(mark_id, based, removal, value, work_type_id, changed_at, history_id,
                  old_value, old_work_type_id, reason)
),
corrected AS (
    UPDATE marks
    SET value = CASE WHEN wanted.removal THEN marks.value ELSE wanted.value END,
        work_type_id = CASE WHEN wanted.removal THEN marks.work_type_id
                            ELSE wanted.work_type_id END,
        removed_at = CASE WHEN wanted.removal THEN wanted.changed_at END,
        removed_by = CASE WHEN wanted.removal THEN $1::uuid END,
        version = marks.version + 1
    FROM wanted
    WHERE marks.id = wanted.mark_id AND marks.version = wanted.based
      AND marks.removed_at IS NULL
    RETURNING marks.id, marks.school_id, marks.version, marks.value, marks.work_type_id
),
history AS (
    INSERT INTO mark_history (id, school_id, mark_id, version, changed_by, changed_at,
                              old_value, new_value, old_work_type_id, new_work_type_id,
                              reason)
    SELECT wanted.history_id, corrected.school_id, corrected.id, corrected.version,
           $1::uuid, wanted.changed_at, wanted.old_value,
           CASE WHEN wanted.removal THEN NULL ELSE corrected.value END,
           wanted.old_work_type_id,
           CASE WHEN wanted.removal THEN NULL ELSE corrected.work_type_id END,
           wanted.reason
    FROM corrected JOIN wanted ON wanted.mark_id = corrected.id
)
SELECT id, version FROM corrected
"""


def correct_many_args(user: User, writes: list[MarkWrite]) -> tuple[Any, ...]:
    """CORRECT_MANY_SQL's arguments for `writes` (marks of one save, each once)."""
    return (
        user.account_id,
        [w.mark.mark_id for w in writes],
        [w.based for w in writes],
        [w.removal for w in writes],
        [w.after.value for w in writes],
        [w.after.work_type_id for w in writes],
        [w.now for w in writes],
        [uuid.uuid4() for _ in writes],
        [w.mark.value for w in writes],
        [w.mark.work_type_id for w in writes],
        [w.reason for w in writes],
    )


async def correct_marks(
    session: AsyncSession, user: User, writes: list[MarkWrite]
) -> list[bytes | Problem]:
    """Write every change and removal in one statement, in the caller's transaction (which
    must have locked the marks with `correcting_many`): each one's answer, or the 409 with
    the mark's current state for one that moved on meanwhile (then the caller must refuse
    the whole save: the others are written)."""
    rows = await driver.fetch(session, CORRECT_MANY_SQL, *correct_many_args(user, writes))
    written = {uuid.UUID(bytes=row["id"].bytes): row["version"] for row in rows}
    answers: list[bytes | Problem] = []
    for write in writes:
        version = written.get(write.mark.mark_id)
        if version is None:
            answers.append(stale("mark", await _current(session, user, write.mark.mark_id)))
        else:
            answers.append(write.answer(user, version))
    return answers


async def _current(session: AsyncSession, user: User, mark_id: uuid.UUID) -> dict[str, Any]:
    again = await correcting(session, user, mark_id, None)
    return again.current()


# --- history ------------------------------------------------------------------------------

HISTORY_SQL = text(
    """
    SELECT mark_history.version, mark_history.changed_by, mark_history.changed_at,
           mark_history.old_value, mark_history.new_value,
           old_type.code AS old_work_type, new_type.code AS new_work_type,
           mark_history.reason
    FROM mark_history
    LEFT OUTER JOIN work_types AS old_type ON old_type.id = mark_history.old_work_type_id
    LEFT OUTER JOIN work_types AS new_type ON new_type.id = mark_history.new_work_type_id
    WHERE mark_history.mark_id = :mark_id
    ORDER BY mark_history.version
    """
)

# Changes only (version 1 is the posting), newest first, of a school in a time range.
SCHOOL_CHANGES_SQL = """
    FROM mark_history
    JOIN marks ON marks.id = mark_history.mark_id
    JOIN lessons ON lessons.id = marks.lesson_id
    JOIN assignments ON assignments.id = lessons.assignment_id
    LEFT OUTER JOIN work_types AS old_type ON old_type.id = mark_history.old_work_type_id
    LEFT OUTER JOIN work_types AS new_type ON new_type.id = mark_history.new_work_type_id
    WHERE mark_history.school_id = :school_id
      AND mark_history.version > 1
      AND mark_history.changed_at >= :since AND mark_history.changed_at < :until
      AND (CAST(:teacher_id AS uuid) IS NULL OR assignments.teacher_id = :teacher_id)
      AND (CAST(:class_id AS uuid) IS NULL OR lessons.class_id = :class_id)
"""


async def mark_history(session: AsyncSession, user: User, mark_id: uuid.UUID) -> MarkHistory:
    """Every version of a mark, oldest first: the deputy's and the director's."""
    require_role(user, *HISTORY_READERS)
    mark = await session.get(Mark, mark_id)
    if mark is None or mark.school_id != user.school_id:
        raise NotFound("mark")
    rows = await session.execute(HISTORY_SQL, {"mark_id": mark_id})
    return MarkHistory(
        mark_id=mark_id,
        removed=mark.removed_at is not None,
        changes=[MarkHistoryEntry.model_validate(dict(row)) for row in rows.mappings()],
    )


async def school_mark_changes(
    session: AsyncSession,
    user: User,
    *,
    since: datetime,
    until: datetime,
    teacher_id: uuid.UUID | None,
    class_id: uuid.UUID | None,
    limit: int,
    offset: int,
) -> SchoolMarkChanges:
    """The school's changes and removals of marks made in [since, until), newest first,
    optionally of one teacher's lessons or one class: the deputy's control."""
    require_role(user, *HISTORY_READERS)
    params = {
        "school_id": user.school_id,
        "since": since,
        "until": until,
        "teacher_id": teacher_id,
        "class_id": class_id,
        "limit": limit,
        "offset": offset,
    }
    total = await session.scalar(text("SELECT count(*)" + SCHOOL_CHANGES_SQL), params)
    rows = await session.execute(
        text(
            """
            SELECT mark_history.version, mark_history.changed_by, mark_history.changed_at,
                   mark_history.old_value, mark_history.new_value,
                   old_type.code AS old_work_type, new_type.code AS new_work_type,
                   mark_history.reason, marks.id AS mark_id, marks.lesson_id,
                   lessons.date AS lesson_date, lessons.class_id, lessons.subject_id,
                   assignments.teacher_id, marks.student_id
            """
            + SCHOOL_CHANGES_SQL
            + """
            ORDER BY mark_history.changed_at DESC, mark_history.id
            LIMIT :limit OFFSET :offset
            """
        ),
        params,
    )
    return SchoolMarkChanges(
        items=[SchoolMarkChange.model_validate(dict(row)) for row in rows.mappings()],
        total=int(total or 0),
    )
