"""Reading a student's diary: one statement decides access and builds the answer.

It is the hottest read of the system, so both statements are prebuilt SQL sent through
asyncpg (journal.driver) on a raw pooled connection outside any transaction, as one
round trip when the range is given, and PostgreSQL builds the diary's JSON
itself: the lessons of the student's classes in the range (by `ix_lessons_class_id_date`),
each with the student's current marks (by `ix_marks_student_id_lesson_id`; removed ones
left out) and attendance code (by the cell's primary key), aggregated by day into
exactly the document `Diary` describes. Journal passes its bytes on as they are; nothing
is parsed, modelled or serialised in Python.
"""

import datetime as dt
import uuid

from journal import clock, driver
from journal.access import ADMINISTRATION, JOURNAL_READERS, TEACHING, require_role
from shared.errors import NotFound, Problem
from shared.security import User

MAX_RANGE_DAYS = 31


def _range_error(detail: str) -> Problem:
    return Problem(422, "invalid-date-range", "Invalid date range", detail)


def week_of(day: dt.date) -> tuple[dt.date, dt.date]:
    """Monday to Sunday of the week holding `day`."""
    monday = day - dt.timedelta(days=day.weekday())
    return monday, monday + dt.timedelta(days=6)


def asked_range(date_from: dt.date | None, date_to: dt.date | None) -> tuple[dt.date, dt.date]:
    """The range asked for (one end given means the week from or to it), both ends
    included, at most MAX_RANGE_DAYS days."""
    week = dt.timedelta(days=6)
    if date_from is not None:
        first, last = date_from, date_to or date_from + week
    elif date_to is not None:
        first, last = date_to - week, date_to
    else:
        raise ValueError("no date given")
    if last < first:
        raise _range_error("`to` is before `from`.")
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        raise _range_error(f"At most {MAX_RANGE_DAYS} days at a time.")
    return first, last


# The school's time zone, whether the caller teaches the student's current class (leads
# it or has an assignment in it) and whether they lead it; no row unless the student is in
# the school.
_ACCESS = """
SELECT schools.timezone,
       {teacher}::uuid IS NOT NULL AND EXISTS (
           SELECT 1 FROM enrollments
           WHERE enrollments.student_id = students.id
             AND enrollments.left_at IS NULL
             AND (EXISTS (SELECT 1 FROM classes
                          WHERE classes.id = enrollments.class_id
                            AND classes.class_teacher_id = {teacher})
                  OR EXISTS (SELECT 1 FROM assignments
                             WHERE assignments.class_id = enrollments.class_id
                               AND assignments.teacher_id = {teacher}))
       ) AS teaches,
       {teacher}::uuid IS NOT NULL AND EXISTS (
           SELECT 1 FROM enrollments JOIN classes ON classes.id = enrollments.class_id
           WHERE enrollments.student_id = students.id
             AND enrollments.left_at IS NULL
             AND classes.class_teacher_id = {teacher}
       ) AS leads
FROM students LEFT OUTER JOIN schools ON schools.id = students.school_id
WHERE students.id = {student}::uuid AND students.school_id = {school}::uuid
"""

# The diary as UTF-8 JSON (`Diary`). Days that have lessons, in date order; a day's
# lessons by their number in the day (unnumbered ones last), then creation, subject and
# id; cancelled ones stay, flagged `cancelled`; a lesson's marks (the student's only,
# current values, removed ones left out) by posting time and id; its attendance the
# student's code, null when present. The student's classes are an uncorrelated IN on
# purpose: the planner starts from their few classes and reads their lessons through
# ix_lessons_class_id_date. (A class left during the range still shows to the end of the
# range.)
_DIARY = """
WITH lessons_in_range AS (
    SELECT lessons.id, lessons.date, lessons.lesson_number, lessons.created_at,
           lessons.subject_id, subjects.name AS subject_name, lessons.topic, lessons.homework,
           lessons.cancelled_at IS NOT NULL AS cancelled
    FROM lessons JOIN subjects ON subjects.id = lessons.subject_id
    WHERE lessons.school_id = {school}::uuid
      AND lessons.class_id IN (
          SELECT enrollments.class_id FROM enrollments
          WHERE enrollments.student_id = {student}::uuid
            AND (enrollments.left_at IS NULL OR enrollments.left_at >= {first}::date))
      AND lessons.date BETWEEN {first}::date AND {last}::date
      -- a group's lessons only for its members that day
      AND (lessons.group_id IS NULL OR EXISTS (
          SELECT 1 FROM group_memberships AS member
          WHERE member.group_id = lessons.group_id AND member.student_id = {student}::uuid
            AND member.starts_on <= lessons.date
            AND (member.ends_on IS NULL OR member.ends_on >= lessons.date)))
      -- a subject teacher reads only the lessons they teach (their assignments', or the
      -- ones they substitute)
      AND ({only}::uuid IS NULL
           OR lessons.substitute_id = {only}::uuid
           OR lessons.assignment_id IN (
               SELECT assignments.id FROM assignments
               WHERE assignments.teacher_id = {only}::uuid))
),
days AS (
    SELECT lesson.date,
           json_agg(json_build_object(
               'lesson_id', lesson.id,
               'lesson_number', lesson.lesson_number,
               'cancelled', lesson.cancelled,
               'subject_id', lesson.subject_id,
               'subject_name', lesson.subject_name,
               'topic', lesson.topic,
               'homework', lesson.homework,
               'attendance', attendance.code,
               'marks', coalesce(given.marks, '[]'::json)
           ) ORDER BY lesson.lesson_number NULLS LAST, lesson.created_at,
                      lesson.subject_name, lesson.id) AS lessons
    FROM lessons_in_range AS lesson
    LEFT JOIN attendance
        ON attendance.lesson_id = lesson.id AND attendance.student_id = {student}::uuid
    LEFT JOIN LATERAL (
        SELECT json_agg(json_build_object(
                   'mark_id', marks.id,
                   'value', marks.value,
                   'work_type', work_types.code,
                   'work_type_name', work_types.name,
                   'weight', work_types.weight
               ) ORDER BY marks.posted_at, marks.id) AS marks
        FROM marks JOIN work_types ON work_types.id = marks.work_type_id
        WHERE marks.student_id = {student}::uuid AND marks.lesson_id = lesson.id
          AND marks.removed_at IS NULL
    ) AS given ON true
    GROUP BY lesson.date
)
SELECT convert_to(json_build_object(
    'student_id', {student}::uuid,
    'from', {first}::date,
    'to', {last}::date,
    'days', coalesce(
        (SELECT json_agg(json_build_object('date', days.date, 'lessons', days.lessons)
                         ORDER BY days.date)
         FROM days),
        '[]'::json)
)::text, 'UTF8')
"""

# $1 student, $2 the caller's school, $3 the caller's account if they teach (else NULL).
ACCESS_SQL = _ACCESS.format(student="$1", school="$2", teacher="$3")

# $1 school, $2 student, $3 first day, $4 last day, $5 the subject teacher whose lessons
# alone show (NULL: every lesson).
DIARY_SQL = _DIARY.format(school="$1", student="$2", first="$3", last="$4", only="$5")

# Both in one round trip, for a range asked for: $1 student, $2 the caller's school, $3
# the caller's account if they teach (else NULL), $4 first day, $5 last day, $6 whether
# the caller may read the student's diary without teaching them (as themself, their
# parent or the administration). The time zone, whether the caller teaches the student,
# and the diary only if the caller may read it (CASE leaves the diary's subquery
# unevaluated otherwise); no row unless the student is in the school.
READ_SQL = """
SELECT access.timezone, access.teaches, access.leads,
       CASE WHEN $6::boolean OR access.teaches THEN ({diary}) END AS diary
FROM ({access}) AS access
""".format(
    diary=_DIARY.format(
        school="$2",
        student="$1",
        first="$4",
        last="$5",
        only="(CASE WHEN $6::boolean OR access.leads THEN NULL ELSE $3::uuid END)",
    ),
    access=_ACCESS.format(student="$1", school="$2", teacher="$3"),
)


def _may_read_untaught(user: User, student_id: uuid.UUID) -> bool:
    """Whether the caller may read this diary whether or not they teach the student."""
    return (
        user.has(*ADMINISTRATION)
        or (user.has("student") and user.person_id == student_id)
        or (user.has("parent") and student_id in user.children)
    )


async def read_diary(
    db: driver.Db,
    user: User,
    student_id: uuid.UUID,
    date_from: dt.date | None,
    date_to: dt.date | None,
) -> bytes:
    """The diary as JSON bytes, shaped as `journal.diary.schemas.Diary`.

    The student themself, a parent with the student among the token's children, the
    administration, and the class teacher or a teacher of the student's current class
    may read it; a subject teacher (not leading the class) sees only the lessons they
    teach. A group's lessons show only to its members. Everyone else gets 404, as if the
    student did not exist. A range asked for is read with the access check in one
    statement; the default week needs the school's time zone first.
    """
    asked = None if date_from is None and date_to is None else asked_range(date_from, date_to)
    require_role(user, *JOURNAL_READERS)
    teacher = user.account_id if user.has(*TEACHING) else None
    untaught = _may_read_untaught(user, student_id)
    if asked is not None:
        first, last = asked
        row = await driver.fetchrow(
            db, READ_SQL, student_id, user.school_id, teacher, first, last, untaught
        )
    else:
        row = await driver.fetchrow(db, ACCESS_SQL, student_id, user.school_id, teacher)
    if row is None or not (untaught or row["teaches"]):
        raise NotFound("student")
    if asked is not None:
        body: bytes = row["diary"]
        return body
    first, last = week_of(clock.today_in(row["timezone"]))
    only = None if untaught or row["leads"] else teacher
    body = await driver.fetchval(db, DIARY_SQL, user.school_id, student_id, first, last, only)
    return body
