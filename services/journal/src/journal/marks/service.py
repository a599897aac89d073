"""Use cases of marks.

Posting a mark is the hottest write, so it takes two prebuilt statements sent through
asyncpg (journal.driver) and no ORM unit of work: one reads everything the rules need (the
lesson and who teaches it, the student's enrollment, the work type), one writes the mark,
its history row and its MarkPosted event together. That write is atomic by itself, so a
plain post needs no BEGIN and COMMIT round trips; with an Idempotency-Key the session has
begun a transaction (the key's row) and the write joins it.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from journal import driver
from journal.access import TEACHING, require_role
from journal.lessons.service import require_own_teaching
from journal.marks.schemas import MarkCreate
from shared.contracts.journal import MarkPosted
from shared.errors import NotFound, Problem
from shared.outbox import staged
from shared.security import User

POSTED = "posted"  # the history reason of a mark's first version

# $1 lesson, $2 the caller's school, $3 student, $4 work type code. No row unless the
# lesson is in the school. A student who left the class later still has marks for the
# lessons before.
MARKING_SQL = """
SELECT lessons.class_id, lessons.date, lessons.subject_id, subjects.name AS subject_name,
       assignments.teacher_id,
       EXISTS (
           SELECT 1 FROM enrollments
           WHERE enrollments.student_id = $3::uuid
             AND enrollments.class_id = lessons.class_id
             AND enrollments.school_id = $2::uuid
             AND (enrollments.left_at IS NULL OR enrollments.left_at >= lessons.date)
       ) AS enrolled,
       work_types.id AS work_type_id, work_types.name AS work_type_name, work_types.weight
FROM lessons
JOIN assignments ON assignments.id = lessons.assignment_id
JOIN subjects ON subjects.id = lessons.subject_id
LEFT OUTER JOIN work_types ON work_types.school_id = $2::uuid AND work_types.code = $4
WHERE lessons.id = $1::uuid AND lessons.school_id = $2::uuid
"""

# The mark, its first history row and its event (an outbox row) in one statement.
POST_SQL = """
WITH mark AS (
    INSERT INTO marks (id, school_id, lesson_id, student_id, work_type_id, value,
                       posted_by, posted_at, version)
    VALUES ($1::uuid, $2::uuid, $3::uuid, $4::uuid, $5::uuid, $6::smallint,
            $7::uuid, $8::timestamptz, 1)
    RETURNING id, school_id, version, value, work_type_id, posted_by, posted_at
),
history AS (
    INSERT INTO mark_history (id, school_id, mark_id, version, changed_by, changed_at,
                              old_value, new_value, old_work_type_id, new_work_type_id,
                              reason)
    SELECT $9::uuid, school_id, id, version, posted_by, posted_at,
           NULL, value, NULL, work_type_id, $10::text
    FROM mark
)
INSERT INTO outbox (id, routing_key, envelope) VALUES ($11::uuid, $12::text, $13::jsonb)
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


async def marking(
    session: AsyncSession, user: User, lesson_id: uuid.UUID, data: MarkCreate
) -> Marking:
    """The lesson the caller teaches (403 for a colleague's lesson, 404 across schools),
    with the student's enrollment and the work type, judged later by `post_mark`."""
    require_role(user, *TEACHING)
    row = await driver.fetchrow(
        session, MARKING_SQL, lesson_id, user.school_id, data.student_id, data.work_type
    )
    if row is None:
        raise NotFound("lesson")
    require_own_teaching(user, row["teacher_id"])
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
    )


async def post_mark(session: AsyncSession, user: User, on: Marking, value: int) -> bytes:
    """Give the student a mark on the lesson (authorized by `marking`); the answer's
    body as JSON bytes (`MarkOut`)."""
    if not on.enrolled:
        raise Problem(
            422,
            "student-not-in-class",
            "Student not in class",
            "The student is not enrolled in this lesson's class.",
        )
    if on.work_type_id is None or on.work_type_name is None or on.weight is None:
        raise Problem(
            422,
            "unknown-work-type",
            "Unknown work type",
            "The school has no work type with this code.",
            work_type=on.work_type,
        )
    now = datetime.now(UTC)
    mark_id = uuid.uuid4()
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
    await driver.fetchrow(
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
    )
    # The answer in the shape and key order of MarkOut, written once; UTC as "Z", as
    # pydantic writes it.
    return orjson.dumps(
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
