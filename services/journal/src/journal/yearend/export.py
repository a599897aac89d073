"""The export of a closed year: canonical JSON lines, streamed.

A header line, then per class journal (a class × the year) its records, one small
function per kind, each one query read through a server-side cursor (`session.stream`,
`YIELD_PER` rows at a time), so the year is never held in memory; then a trailer with the
manifest computed from the very lines sent. Closing computes the event's manifest by
running the same stream (`year_lines`) without sending it, so the two cannot disagree.

Adding a kind: a function yielding its records in a
defined order, an entry in `RECORD_KINDS`, and a counter in `ClassJournalCounts`.
"""

import base64
import datetime as dt
import hashlib
import json
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from journal.calendar.models import AcademicYear
from journal.curriculum.rules import weeks_in_year, yearly_hours
from journal.yearend.manifest import (
    EXPORT_FORMAT,
    ClassJournalDigest,
    canonical,
    day,
    ident,
    stamp,
    year_manifest,
)
from shared.contracts.journal import ClassJournalManifest, YearManifest

YIELD_PER = 500
# Moments inside JSON built by PostgreSQL, written as `manifest.stamp` writes them.
STAMP_SQL = """to_char({} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"""

Record = dict[str, Any]


@dataclass(frozen=True)
class ClassJournal:
    """One class's journal of one year: what the export groups records by."""

    class_id: uuid.UUID
    name: str
    grade: int
    school_id: uuid.UUID
    year_id: uuid.UUID
    starts_on: dt.date
    ends_on: dt.date
    closed_at: dt.datetime

    def params(self) -> dict[str, Any]:
        return {
            "class_id": self.class_id,
            "year_id": self.year_id,
            "starts_on": self.starts_on,
            "ends_on": self.ends_on,
            "closed_at": self.closed_at,
        }


async def _rows(
    session: AsyncSession, sql: str, params: dict[str, Any], yield_per: int | None = None
) -> AsyncIterator[dict[str, Any]]:
    result = await session.stream(
        text(sql).execution_options(yield_per=yield_per or YIELD_PER), params
    )
    # A partition at a time: the async adapter switches greenlets once per fetch, not once
    # per row (per row cost half the export's time).
    async for partition in result.mappings().partitions():
        for row in partition:
            yield dict(row)


# --- the record kinds, each in its defined order -----------------------------------------

CLASS_JOURNALS_SQL = """
SELECT c.id, c.name, c.grade FROM classes c
WHERE c.school_id = :school_id AND (
    EXISTS (SELECT 1 FROM enrollments e WHERE e.class_id = c.id
            AND e.starts_on <= :ends_on AND (e.ends_on IS NULL OR e.ends_on >= :starts_on))
    OR EXISTS (SELECT 1 FROM lessons l WHERE l.class_id = c.id
               AND l.date BETWEEN :starts_on AND :ends_on)
    OR EXISTS (SELECT 1 FROM remarks r WHERE r.class_id = c.id
               AND r.date BETWEEN :starts_on AND :ends_on)
    OR EXISTS (SELECT 1 FROM final_marks f WHERE f.class_id = c.id AND f.year_id = :year_id))
ORDER BY c.grade, c.name, c.id
"""


def _undone_after_closing(later: str, current: str) -> str:
    """A value as it was when the year closed: if the roster's history (which keeps every
    change) holds changes `later` than the closing, the first one's old value, else the
    `current` one."""
    return (
        f"CASE WHEN EXISTS (SELECT 1 {later}) "
        f"THEN (SELECT rc.old_value {later} ORDER BY rc.changed_at, rc.seq LIMIT 1) "
        f"ELSE {current} END"
    )


def _as_of_closing(column: str, subject: str = "student", alias: str = "s") -> str:
    """A student's (or guardian's) detail as it was when the year closed."""
    later = (
        f"FROM roster_changes rc WHERE rc.subject = '{subject}' AND rc.subject_id = {alias}.id "
        f"AND rc.field = '{column}' AND rc.changed_at > :closed_at"
    )
    return f"{_undone_after_closing(later, f'{alias}.{column}::text')} AS {column}"


# The class list of the year: everyone enrolled in the class on any of its days.
CLASS_STUDENTS = """SELECT e.student_id FROM enrollments e
    WHERE e.class_id = :class_id AND e.starts_on <= :ends_on
      AND (e.ends_on IS NULL OR e.ends_on >= :starts_on)"""

# An enrollment running past the year's end is shown as running through it: ending it
# later (a transfer on the next year's first day) leaves the closed year's record as it is.
STUDENTS_SQL = f"""
SELECT s.id,
       {_as_of_closing("last_name")}, {_as_of_closing("first_name")},
       {_as_of_closing("middle_name")}, {_as_of_closing("birth_date")},
       (SELECT json_agg(json_build_object(
                   'enrollment_id', e.id, 'starts_on', e.starts_on,
                   'ends_on', CASE WHEN e.ends_on < :ends_on THEN e.ends_on END,
                   'end_reason', CASE WHEN e.ends_on < :ends_on THEN e.end_reason END)
               ORDER BY e.starts_on, e.id)
          FROM enrollments e
         WHERE e.student_id = s.id AND e.class_id = :class_id
           AND e.starts_on <= :ends_on AND (e.ends_on IS NULL OR e.ends_on >= :starts_on)
       ) AS enrollments
FROM students s
WHERE s.id IN ({CLASS_STUDENTS})
ORDER BY s.id
"""  # noqa: S608 (built from constants of this module, never from input)


async def student_records(session: AsyncSession, journal: ClassJournal) -> AsyncIterator[Record]:
    """The class list of the year: every student enrolled in the class on any of its days,
    with those enrollments, details as at the closing."""
    async for row in _rows(session, STUDENTS_SQL, journal.params()):
        yield {
            "student_id": ident(row["id"]),
            "last_name": row["last_name"],
            "first_name": row["first_name"],
            "middle_name": row["middle_name"],
            "birth_date": row["birth_date"],
            "enrollments": row["enrollments"],
        }


def _link_as_of_closing(field: str, current: str) -> str:
    """A guardianship's `linked` ('yes'/'no') or `kind` as it was when the year closed
    (no old value: the link did not exist yet)."""
    later = (
        "FROM roster_changes rc WHERE rc.subject = 'guardianship' "
        "AND rc.subject_id = g.guardian_id AND rc.student_id = g.student_id "
        f"AND rc.field = '{field}' AND rc.changed_at > :closed_at"
    )
    return _undone_after_closing(later, current)


# Who was whose when the year closed, among the class list's students: a link made later
# is left out, one unlinked later is kept, a kind changed later shows the old kind.
GUARDIANS_SQL = f"""
WITH links AS (
    SELECT g.guardian_id, g.student_id,
           {_link_as_of_closing("linked", "CASE WHEN g.unlinked_at IS NULL THEN 'yes' END")}
               AS linked,
           {_link_as_of_closing("kind", "g.kind")} AS kind
    FROM guardianships g
    WHERE g.student_id IN ({CLASS_STUDENTS})
)
SELECT gd.id,
       {_as_of_closing("last_name", "guardian", "gd")},
       {_as_of_closing("first_name", "guardian", "gd")},
       {_as_of_closing("middle_name", "guardian", "gd")},
       {_as_of_closing("phone", "guardian", "gd")},
       {_as_of_closing("email", "guardian", "gd")},
       {_as_of_closing("address", "guardian", "gd")},
       (SELECT json_agg(json_build_object('student_id', l.student_id, 'kind', l.kind)
                        ORDER BY l.student_id)
          FROM links l WHERE l.guardian_id = gd.id AND l.linked = 'yes') AS children
FROM guardians gd
WHERE gd.id IN (SELECT l.guardian_id FROM links l WHERE l.linked = 'yes')
ORDER BY gd.id
"""  # noqa: S608 (built from constants of this module, never from input)


async def guardian_records(session: AsyncSession, journal: ClassJournal) -> AsyncIterator[Record]:
    """The guardians of the class list's students as at the closing: their details and
    which of the class's students are theirs (`children`, with the kind of link). A
    guardian of children in two classes is in both class journals."""
    async for row in _rows(session, GUARDIANS_SQL, journal.params()):
        yield {
            "guardian_id": ident(row["id"]),
            "last_name": row["last_name"],
            "first_name": row["first_name"],
            "middle_name": row["middle_name"],
            "phone": row["phone"],
            "email": row["email"],
            "address": row["address"],
            "children": row["children"] or [],
        }


CURRICULUM_SQL = """
SELECT h.subject_id, sub.name AS subject_name, h.weekly_hours
FROM curriculum_hours h
JOIN subjects sub ON sub.id = h.subject_id
WHERE h.year_id = :year_id AND h.grade = :grade
ORDER BY sub.name, h.subject_id
"""


async def curriculum_records(session: AsyncSession, journal: ClassJournal) -> AsyncIterator[Record]:
    """The year's curriculum of the class's level: per subject its weekly and yearly hours
    (a closed year's curriculum cannot change)."""
    weeks = weeks_in_year(journal.grade)
    params = {**journal.params(), "grade": journal.grade}
    async for row in _rows(session, CURRICULUM_SQL, params):
        weekly = row["weekly_hours"]
        yield {
            "grade": journal.grade,
            "subject_id": ident(row["subject_id"]),
            "subject_name": row["subject_name"],
            "weekly_hours": float(weekly),
            "weeks": weeks,
            "yearly_hours": float(yearly_hours(weekly, journal.grade)),
        }


LESSON_ORDER = "l.date, l.lesson_number NULLS LAST, l.id"
LESSONS_IN_YEAR = "l.class_id = :class_id AND l.date BETWEEN :starts_on AND :ends_on"

LESSONS_SQL = f"""
SELECT l.id, l.date, l.lesson_number, l.assignment_id, l.subject_id, sub.name AS subject_name,
       a.teacher_id, l.topic, l.homework, l.homework_due_on, l.plan_item_id, l.created_by
FROM lessons l
JOIN subjects sub ON sub.id = l.subject_id
JOIN assignments a ON a.id = l.assignment_id
WHERE {LESSONS_IN_YEAR}
ORDER BY {LESSON_ORDER}
"""  # noqa: S608 (built from constants of this module, never from input)


async def lesson_records(session: AsyncSession, journal: ClassJournal) -> AsyncIterator[Record]:
    """The lessons held in the year: date, number in the day, subject, teacher, topic,
    homework and its due date, and the thematic-plan item followed."""
    async for row in _rows(session, LESSONS_SQL, journal.params()):
        yield {
            "lesson_id": ident(row["id"]),
            "date": day(row["date"]),
            "lesson_number": row["lesson_number"],
            "assignment_id": ident(row["assignment_id"]),
            "subject_id": ident(row["subject_id"]),
            "subject_name": row["subject_name"],
            "teacher_id": ident(row["teacher_id"]),
            "topic": row["topic"],
            "homework": row["homework"],
            "homework_due_on": day(row["homework_due_on"]),
            "plan_item_id": ident(row["plan_item_id"]),
            "created_by": ident(row["created_by"]),
        }


MARKS_SQL = f"""
SELECT m.id, m.lesson_id, m.student_id, m.value, wt.code AS work_type, m.version,
       m.posted_by, m.posted_at, m.removed_by, m.removed_at,
       (SELECT json_agg(json_build_object(
                   'version', h.version, 'changed_by', h.changed_by,
                   'changed_at', {STAMP_SQL.format("h.changed_at")},
                   'old_value', h.old_value, 'new_value', h.new_value,
                   'old_work_type', owt.code, 'new_work_type', nwt.code, 'reason', h.reason)
               ORDER BY h.version, h.id)
          FROM mark_history h
          LEFT JOIN work_types owt ON owt.id = h.old_work_type_id
          LEFT JOIN work_types nwt ON nwt.id = h.new_work_type_id
         WHERE h.mark_id = m.id) AS history
FROM marks m
JOIN lessons l ON l.id = m.lesson_id
JOIN work_types wt ON wt.id = m.work_type_id
WHERE {LESSONS_IN_YEAR}
ORDER BY {LESSON_ORDER}, m.posted_at, m.id
"""  # noqa: S608 (built from constants of this module, never from input)


async def mark_records(session: AsyncSession, journal: ClassJournal) -> AsyncIterator[Record]:
    """Every mark of the year's lessons, removed ones too, each with its whole history."""
    async for row in _rows(session, MARKS_SQL, journal.params()):
        yield {
            "mark_id": ident(row["id"]),
            "lesson_id": ident(row["lesson_id"]),
            "student_id": ident(row["student_id"]),
            "value": row["value"],
            "work_type": row["work_type"],
            "version": row["version"],
            "posted_by": ident(row["posted_by"]),
            "posted_at": stamp(row["posted_at"]),
            "removed_by": ident(row["removed_by"]),
            "removed_at": stamp(row["removed_at"]),
            "history": row["history"] or [],
        }


ATTENDANCE_SQL = f"""
SELECT a.lesson_id, a.student_id, a.code, a.version, a.marked_by, a.marked_at,
       (SELECT json_agg(json_build_object(
                   'version', h.version, 'changed_by', h.changed_by,
                   'changed_at', {STAMP_SQL.format("h.changed_at")},
                   'old_code', h.old_code, 'new_code', h.new_code, 'reason', h.reason)
               ORDER BY h.version, h.id)
          FROM attendance_history h
         WHERE h.lesson_id = a.lesson_id AND h.student_id = a.student_id) AS history
FROM attendance a
JOIN lessons l ON l.id = a.lesson_id
WHERE {LESSONS_IN_YEAR}
ORDER BY {LESSON_ORDER}, a.student_id
"""  # noqa: S608 (built from constants of this module, never from input)


async def attendance_records(session: AsyncSession, journal: ClassJournal) -> AsyncIterator[Record]:
    """Every attendance cell ever marked in the year's lessons (a cleared one has `code`
    null), each with its history. No row means present."""
    async for row in _rows(session, ATTENDANCE_SQL, journal.params()):
        yield {
            "lesson_id": ident(row["lesson_id"]),
            "student_id": ident(row["student_id"]),
            "code": row["code"],
            "version": row["version"],
            "marked_by": ident(row["marked_by"]),
            "marked_at": stamp(row["marked_at"]),
            "history": row["history"] or [],
        }


REMARKS_SQL = """
SELECT r.id, r.student_id, r.author_id, r.kind, r.text, r.date, r.created_at
FROM remarks r
WHERE r.class_id = :class_id AND r.date BETWEEN :starts_on AND :ends_on
ORDER BY r.date, r.created_at, r.id
"""


async def remark_records(session: AsyncSession, journal: ClassJournal) -> AsyncIterator[Record]:
    """Remarks and praise written in the class during the year."""
    async for row in _rows(session, REMARKS_SQL, journal.params()):
        yield {
            "remark_id": ident(row["id"]),
            "student_id": ident(row["student_id"]),
            "author_id": ident(row["author_id"]),
            "kind": row["kind"],
            "text": row["text"],
            "date": day(row["date"]),
            "created_at": stamp(row["created_at"]),
        }


GROUPS_SQL = """
SELECT g.id, g.name,
       (SELECT json_agg(json_build_object(
                   'student_id', m.student_id, 'starts_on', m.starts_on,
                   -- still a member at the year's end: null, whatever later years change
                   'ends_on', CASE WHEN m.ends_on < :ends_on THEN m.ends_on END)
               ORDER BY m.starts_on, m.student_id, m.id)
          FROM group_memberships m
         WHERE m.group_id = g.id AND m.starts_on <= :ends_on
           AND (m.ends_on IS NULL OR m.ends_on >= :starts_on)) AS members
FROM class_groups g
WHERE g.class_id = :class_id
ORDER BY g.name, g.id
"""


async def group_records(session: AsyncSession, journal: ClassJournal) -> AsyncIterator[Record]:
    """The class's groups (language subgroups...) with their members' spells in the year."""
    async for row in _rows(session, GROUPS_SQL, journal.params()):
        yield {
            "group_id": ident(row["id"]),
            "name": row["name"],
            "members": row["members"] or [],
        }


PLANS_SQL = """
SELECT p.id, p.assignment_id, a.subject_id, a.teacher_id, p.version,
       (SELECT json_agg(json_build_object(
                   'item_id', i.id, 'position', i.position, 'topic', i.topic,
                   'hours', i.hours, 'work_type', i.work_type,
                   'planned_week', i.planned_week, 'planned_on', i.planned_on)
               ORDER BY i.position, i.id)
          FROM thematic_plan_items i WHERE i.plan_id = p.id) AS items
FROM thematic_plans p
JOIN assignments a ON a.id = p.assignment_id
WHERE a.class_id = :class_id AND p.year_id = :year_id
ORDER BY a.subject_id, p.assignment_id, p.id
"""


async def plan_records(session: AsyncSession, journal: ClassJournal) -> AsyncIterator[Record]:
    """The thematic plans of the class's assignments for the year, items in order."""
    async for row in _rows(session, PLANS_SQL, journal.params()):
        yield {
            "plan_id": ident(row["id"]),
            "assignment_id": ident(row["assignment_id"]),
            "subject_id": ident(row["subject_id"]),
            "teacher_id": ident(row["teacher_id"]),
            "version": row["version"],
            "items": row["items"] or [],
        }


FINAL_MARKS_SQL = f"""
SELECT f.id, f.student_id, f.subject_id, sub.name AS subject_name, f.assignment_id,
       f.period_id, p.kind AS period_kind, p.number AS period_number, f.value, f.version,
       f.set_by, f.set_at, f.removed_by, f.removed_at,
       (SELECT json_agg(json_build_object(
                   'version', h.version, 'changed_by', h.changed_by,
                   'changed_at', {STAMP_SQL.format("h.changed_at")},
                   'old_value', h.old_value, 'new_value', h.new_value, 'reason', h.reason)
               ORDER BY h.version, h.id)
          FROM final_mark_history h
         WHERE h.final_mark_id = f.id) AS history
FROM final_marks f
JOIN subjects sub ON sub.id = f.subject_id
LEFT JOIN periods p ON p.id = f.period_id
WHERE f.class_id = :class_id AND f.year_id = :year_id
ORDER BY f.subject_id, CASE p.kind WHEN 'quarter' THEN 0 WHEN 'half' THEN 1 ELSE 2 END,
         p.number, f.student_id
"""  # noqa: S608 (built from constants of this module, never from input)


async def final_mark_records(session: AsyncSession, journal: ClassJournal) -> AsyncIterator[Record]:
    """The final marks of the year set in the class: per period (`period_id`, its kind and
    number) and for the year (`period_id` null), removed ones too, with their history."""
    async for row in _rows(session, FINAL_MARKS_SQL, journal.params()):
        yield {
            "final_mark_id": ident(row["id"]),
            "student_id": ident(row["student_id"]),
            "subject_id": ident(row["subject_id"]),
            "subject_name": row["subject_name"],
            "assignment_id": ident(row["assignment_id"]),
            "period_id": ident(row["period_id"]),
            "period_kind": row["period_kind"],
            "period_number": row["period_number"],
            "value": row["value"],
            "version": row["version"],
            "set_by": ident(row["set_by"]),
            "set_at": stamp(row["set_at"]),
            "removed_by": ident(row["removed_by"]),
            "removed_at": stamp(row["removed_at"]),
            "history": row["history"] or [],
        }


# Files are a few MB each: a few rows a fetch, so a fetch stays a few tens of MB at most.
ATTACHMENTS_YIELD_PER = 4
ATTACHMENTS_SQL = f"""
SELECT h.id, h.lesson_id, h.file_name, h.content_type, h.size, h.uploaded_by, h.uploaded_at,
       h.content
FROM homework_attachments h
JOIN lessons l ON l.id = h.lesson_id
WHERE {LESSONS_IN_YEAR}
ORDER BY {LESSON_ORDER}, h.uploaded_at, h.id
"""  # noqa: S608 (built from constants of this module, never from input)


async def homework_attachment_records(
    session: AsyncSession, journal: ClassJournal
) -> AsyncIterator[Record]:
    """The files of the year's homework, with their bytes (base64) and their SHA-256."""
    rows = _rows(session, ATTACHMENTS_SQL, journal.params(), ATTACHMENTS_YIELD_PER)
    async for row in rows:
        content = bytes(row["content"])
        yield {
            "attachment_id": ident(row["id"]),
            "lesson_id": ident(row["lesson_id"]),
            "file_name": row["file_name"],
            "content_type": row["content_type"],
            "size": row["size"],
            "sha256": hashlib.sha256(content).hexdigest(),
            "content_base64": base64.b64encode(content).decode(),
            "uploaded_by": ident(row["uploaded_by"]),
            "uploaded_at": stamp(row["uploaded_at"]),
        }


RecordKind = Callable[[AsyncSession, ClassJournal], AsyncIterator[Record]]

# The order of kinds inside a class journal's export.
RECORD_KINDS: tuple[tuple[str, RecordKind], ...] = (
    ("student", student_records),
    ("guardian", guardian_records),
    ("group", group_records),
    ("curriculum_hours", curriculum_records),
    ("thematic_plan", plan_records),
    ("lesson", lesson_records),
    ("mark", mark_records),
    ("attendance", attendance_records),
    ("remark", remark_records),
    ("final_mark", final_mark_records),
    ("homework_attachment", homework_attachment_records),
)


# --- the stream --------------------------------------------------------------------------


def header(year: AcademicYear) -> Record:
    """The first line: what the export is of."""
    return {
        "record": "header",
        "format": EXPORT_FORMAT,
        "school_id": ident(year.school_id),
        "year": {
            "year_id": ident(year.id),
            "name": year.name,
            "starts_on": day(year.starts_on),
            "ends_on": day(year.ends_on),
            "closed_at": stamp(year.closed_at),
            "closed_by": ident(year.closed_by),
        },
    }


async def class_journals(session: AsyncSession, year: AcademicYear) -> list[ClassJournal]:
    """The classes with anyone enrolled, a lesson or a remark in the year (a school has
    tens of classes: a list is small), by grade and name."""
    assert year.closed_at is not None
    result = await session.execute(
        text(CLASS_JOURNALS_SQL),
        {
            "school_id": year.school_id,
            "year_id": year.id,
            "starts_on": year.starts_on,
            "ends_on": year.ends_on,
        },
    )
    return [
        ClassJournal(
            class_id=row.id,
            name=row.name,
            grade=row.grade,
            school_id=year.school_id,
            year_id=year.id,
            starts_on=year.starts_on,
            ends_on=year.ends_on,
            closed_at=year.closed_at,
        )
        for row in result
    ]


async def journal_records(session: AsyncSession, journal: ClassJournal) -> AsyncIterator[Record]:
    """A class journal's records: its opening `class` line, then each kind in order."""
    yield {
        "record": "class",
        "class_id": ident(journal.class_id),
        "name": journal.name,
        "grade": journal.grade,
    }
    for kind, records in RECORD_KINDS:
        async for record in records(session, journal):
            yield {**record, "record": kind, "class_id": ident(journal.class_id)}


async def year_lines(session: AsyncSession, year: AcademicYear) -> AsyncIterator[bytes]:
    """The export's lines: header, every class journal's records, and the trailer holding
    the manifest of exactly the lines before it."""
    header_line = canonical(header(year))
    yield header_line
    entries: list[ClassJournalManifest] = []
    for journal in await class_journals(session, year):
        digest = ClassJournalDigest(journal.class_id, journal.name, journal.grade)
        async for record in journal_records(session, journal):
            line = canonical(record)
            digest.add(record, line)
            yield line
        entries.append(digest.manifest())
    manifest = year_manifest(header_line, entries)
    yield canonical({"record": "trailer", "manifest": manifest.model_dump(mode="json")})


async def compute_manifest(session: AsyncSession, year: AcademicYear) -> YearManifest:
    """The manifest the export of `year` will carry, by running the export unsent."""
    last = b""
    async for line in year_lines(session, year):
        last = line
    return YearManifest.model_validate(json.loads(last)["manifest"])
