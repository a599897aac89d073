"""COPY a generated school into each service's own database, as that service keeps it.

One function per service writes exactly the rows the service would hold had the school's
year happened through its API and events; nothing reads another service's tables.
"""

import json
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

import asyncpg

from datagen.history import envelopes, marks_posted, received_at
from datagen.school import TIMEZONE, WORK_TYPES, GeneratedSchool
from journal.calendar.rules import year_name
from messaging.service import MARK_POSTED, mark_posted_notice
from shared.contracts.journal import MarkPosted

Rows = Iterable[Sequence[Any]]


async def copy(conn: asyncpg.Connection, table: str, columns: Sequence[str], rows: Rows) -> None:
    await conn.copy_records_to_table(table, records=list(rows), columns=list(columns))


async def write_auth(conn: asyncpg.Connection, school: GeneratedSchool, password_hash: str) -> None:
    """Accounts for the staff and for every student and parent, with their roles and roster."""
    at = school.registered_at
    await copy(
        conn,
        "schools",
        ("id", "name", "timezone", "created_at"),
        [(school.id, school.name, TIMEZONE, at)],
    )
    accounts: list[tuple[Any, ...]] = []
    roles: list[tuple[Any, ...]] = []
    for m in school.staff:
        names = (m.last_name, m.first_name, m.middle_name)
        accounts.append((m.id, school.id, m.login, password_hash, "staff", None, *names, at))
        roles.extend((m.id, role, school.id) for role in m.roles)
    issued = at + timedelta(days=1)
    people = [(s, "student") for s in school.students] + [(g, "parent") for g in school.guardians]
    for person, kind in people:
        # Only staff accounts carry names; students' and parents' names stay in journal.
        no_names = (None, None, None)
        account = (person.account_id, school.id, person.login, password_hash, kind, person.id)
        accounts.append((*account, *no_names, issued))
        roles.append((person.account_id, kind, school.id))
    await copy(
        conn,
        "accounts",
        (
            "id",
            "school_id",
            "login",
            "password_hash",
            "kind",
            "person_id",
            "last_name",
            "first_name",
            "middle_name",
            "created_at",
        ),
        accounts,
    )
    await copy(conn, "account_roles", ("account_id", "role", "school_id"), roles)
    await copy(
        conn,
        "roster_people",
        ("person_id", "school_id", "kind", "created_at"),
        [
            (p.id, school.id, "student" if kind == "student" else "guardian", at)
            for p, kind in people
        ],
    )
    await copy(
        conn,
        "guardianships",
        ("guardian_id", "student_id", "school_id", "created_at"),
        [(g.id, s.id, school.id, at) for s in school.students for g in s.guardians],
    )


async def write_journal(conn: asyncpg.Connection, school: GeneratedSchool) -> None:
    """The whole journal: the year's calendar, roster, curriculum, a year of lessons, marks
    and their history."""
    sid, at = school.id, school.registered_at
    await copy(
        conn,
        "schools",
        ("id", "name", "timezone", "version", "registered_at"),
        [(sid, school.name, TIMEZONE, 1, at)],
    )
    await copy(
        conn,
        "staff",
        ("account_id", "school_id", "last_name", "first_name", "middle_name", "roles", "version"),
        [(m.id, sid, m.last_name, m.first_name, m.middle_name, m.roles, 1) for m in school.staff],
    )
    await copy(
        conn,
        "work_types",
        ("id", "school_id", "code", "name", "weight"),
        [
            (school.work_type_ids[w.code], sid, w.code, w.name, w.weight)
            for w in WORK_TYPES.values()
        ],
    )
    year = school.year
    year_id = uuid.uuid5(sid, f"year:{year.start_year}")
    await copy(
        conn,
        "academic_years",
        ("id", "school_id", "name", "starts_on", "ends_on", "version", "created_at", "updated_at"),
        [
            (
                year_id,
                sid,
                year_name(year.first_day, year.last_day),
                year.first_day,
                year.last_day,
                1,
                at,
                at,
            )
        ],
    )
    await copy(
        conn,
        "periods",
        ("id", "school_id", "year_id", "kind", "number", "starts_on", "ends_on"),
        [
            (uuid.uuid5(year_id, f"{kind}:{number}"), sid, year_id, kind, number, first, last)
            for kind, number, first, last in year.periods()
        ],
    )
    await copy(
        conn,
        "holidays",
        ("id", "school_id", "year_id", "name", "starts_on", "ends_on"),
        [
            (uuid.uuid5(year_id, f"holiday:{first}"), sid, year_id, name, first, last)
            for name, first, last in year.named_holidays()
        ],
    )
    await copy(
        conn,
        "classes",
        ("id", "school_id", "name", "grade", "class_teacher_id", "created_at"),
        [
            (c.id, sid, c.name, c.grade, c.class_teacher.id if c.class_teacher else None, at)
            for c in school.classes
        ],
    )
    students = school.students
    await copy(
        conn,
        "students",
        ("id", "school_id", "last_name", "first_name", "middle_name", "birth_date", "created_at"),
        [(s.id, sid, s.last_name, s.first_name, s.middle_name, s.birth_date, at) for s in students],
    )
    await copy(
        conn,
        "enrollments",
        ("id", "school_id", "student_id", "class_id", "enrolled_at", "starts_on"),
        [
            (uuid.uuid5(sid, f"enrollment:{s.id}"), sid, s.id, s.class_id, at, at.date())
            for s in students
        ],
    )
    await copy(
        conn,
        "guardians",
        (
            "id",
            "school_id",
            "last_name",
            "first_name",
            "middle_name",
            "phone",
            "email",
            "created_at",
        ),
        [
            (g.id, sid, g.last_name, g.first_name, g.middle_name, g.phone, g.email, at)
            for g in school.guardians
        ],
    )
    await copy(
        conn,
        "guardianships",
        ("guardian_id", "student_id", "school_id", "created_at"),
        [(g.id, s.id, sid, at) for s in students for g in s.guardians],
    )
    await copy(
        conn,
        "subjects",
        ("id", "school_id", "name", "created_at"),
        [(s.id, sid, s.name, at) for s in school.subjects],
    )
    # The curriculum: each class level the school has, its subjects' weekly hours.
    grades = sorted({c.grade for c in school.classes})
    deputy = next(m for m in school.staff if "deputy" in m.roles)
    await copy(
        conn,
        "curriculum_levels",
        ("year_id", "grade", "school_id", "version", "updated_by", "updated_at"),
        [(year_id, grade, sid, 1, deputy.id, at) for grade in grades],
    )
    await copy(
        conn,
        "curriculum_hours",
        ("year_id", "grade", "subject_id", "weekly_hours"),
        [
            (year_id, grade, s.id, Decimal(s.curriculum.hours[grade]))
            for grade in grades
            for s in school.subjects
            if s.curriculum.hours.get(grade)
        ],
    )
    await copy(
        conn,
        "assignments",
        ("id", "school_id", "teacher_id", "class_id", "subject_id", "created_at"),
        [
            (a.id, sid, a.teacher.id, a.school_class.id, a.subject.id, at)
            for a in school.assignments
        ],
    )
    await copy(
        conn,
        "lessons",
        (
            "id",
            "school_id",
            "assignment_id",
            "class_id",
            "subject_id",
            "date",
            "topic",
            "homework",
            "created_by",
            "created_at",
        ),
        [
            (
                lesson.id,
                sid,
                lesson.assignment.id,
                lesson.assignment.school_class.id,
                lesson.assignment.subject.id,
                lesson.date,
                lesson.topic,
                lesson.homework,
                lesson.assignment.teacher.id,
                lesson.starts_at,
            )
            for lesson in school.lessons
        ],
    )
    work_types = school.work_type_ids
    await copy(
        conn,
        "marks",
        (
            "id",
            "school_id",
            "lesson_id",
            "student_id",
            "work_type_id",
            "value",
            "posted_by",
            "posted_at",
            "version",
        ),
        [
            (
                m.id,
                sid,
                m.lesson.id,
                m.student.id,
                work_types[m.work_type],
                m.value,
                m.lesson.assignment.teacher.id,
                m.posted_at,
                1,
            )
            for m in school.marks
        ],
    )
    await copy(
        conn,
        "mark_history",
        (
            "id",
            "school_id",
            "mark_id",
            "version",
            "changed_by",
            "changed_at",
            "old_value",
            "new_value",
            "new_work_type_id",
            "reason",
        ),
        [
            (
                m.history_id,
                sid,
                m.id,
                1,
                m.lesson.assignment.teacher.id,
                m.posted_at,
                None,
                m.value,
                work_types[m.work_type],
                "posted",
            )
            for m in school.marks
        ],
    )


async def write_messaging(
    conn: asyncpg.Connection, school: GeneratedSchool, posted: Sequence[MarkPosted]
) -> None:
    """Guardianships, and the notice each student and parent got for every mark."""
    sid = school.id
    await copy(
        conn,
        "guardianships",
        ("student_id", "guardian_id", "school_id", "linked_at"),
        [(s.id, g.id, sid, school.registered_at) for s in school.students for g in s.guardians],
    )
    rows = []
    # What came in during the last evening is still unread; the rest was read that night.
    unread_after = datetime.combine(school.until, time(12), UTC)
    for mark, event in zip(school.marks, posted, strict=True):
        payload_fields, text = mark_posted_notice(event)
        payload = json.dumps(payload_fields, ensure_ascii=False)
        created = mark.posted_at + timedelta(milliseconds=60)
        for recipient in [mark.student, *mark.student.guardians]:
            read = created + timedelta(hours=3) if created < unread_after else None
            rows.append(
                (
                    uuid.uuid5(mark.event_id, str(recipient.id)),
                    sid,
                    recipient.id,
                    mark.student.id,
                    MARK_POSTED,
                    payload,
                    text,
                    mark.event_id,
                    created,
                    read,
                )
            )
    await copy(
        conn,
        "notifications",
        (
            "id",
            "school_id",
            "recipient_person_id",
            "student_id",
            "kind",
            "payload",
            "text",
            "source_event_id",
            "created_at",
            "read_at",
        ),
        rows,
    )


def log_rows(school: GeneratedSchool, posted: Sequence[MarkPosted]) -> list[tuple[Any, ...]]:
    """The school's events as reporting's log and archive keep them (one row each)."""
    rows = []
    for envelope in envelopes(school, posted):
        record = envelope.as_record()
        rows.append(
            (
                record["event_id"],
                record["event_type"],
                record["school_id"],
                record["subject"],
                record["version"],
                json.dumps(record["envelope"], ensure_ascii=False),
                received_at(envelope),
            )
        )
    return rows


LOG_COLUMNS = (
    "event_id",
    "event_type",
    "school_id",
    "subject",
    "version",
    "envelope",
    "received_at",
)


async def write_reporting(conn: asyncpg.Connection, school: GeneratedSchool, events: Rows) -> None:
    """Reporting's log of every event it received and the projections built from it."""
    sid = school.id
    await copy(conn, "event_log", LOG_COLUMNS, events)
    await copy(
        conn,
        "classes",
        ("class_id", "school_id", "name", "grade", "class_teacher_id", "version"),
        [
            (c.id, sid, c.name, c.grade, c.class_teacher.id if c.class_teacher else None, 1)
            for c in school.classes
        ],
    )
    await copy(
        conn,
        "assignments",
        ("assignment_id", "school_id", "teacher_id", "class_id", "subject_id", "version"),
        [(a.id, sid, a.teacher.id, a.school_class.id, a.subject.id, 1) for a in school.assignments],
    )
    await copy(
        conn,
        "marks",
        (
            "mark_id",
            "school_id",
            "class_id",
            "subject_id",
            "student_id",
            "value",
            "weight",
            "work_type",
            "version",
        ),
        [
            (
                m.id,
                sid,
                m.lesson.assignment.school_class.id,
                m.lesson.assignment.subject.id,
                m.student.id,
                m.value,
                WORK_TYPES[m.work_type].weight,
                m.work_type,
                1,
            )
            for m in school.marks
        ],
    )


async def write_archive(conn: asyncpg.Connection, school: GeneratedSchool, events: Rows) -> None:
    """Archive keeps every event it received."""
    await copy(conn, "received_events", LOG_COLUMNS, events)


async def write_school(
    connections: Mapping[str, asyncpg.Connection], school: GeneratedSchool, password_hash: str
) -> None:
    """Write one school into every service's database, each in its own transaction.

    Auth comes last: once anyone of the school can log in, the rest of it is there (the
    embedded demo checks for its administrator to know it was seeded whole)."""
    posted = marks_posted(school)  # built once: the log, the archive and the notices use it
    events = log_rows(school, posted)
    steps: list[tuple[str, Callable[[asyncpg.Connection], Awaitable[None]]]] = [
        ("journal", partial(write_journal, school=school)),
        ("messaging", partial(write_messaging, school=school, posted=posted)),
        ("reporting", partial(write_reporting, school=school, events=events)),
        ("archive", partial(write_archive, school=school, events=events)),
        ("auth", partial(write_auth, school=school, password_hash=password_hash)),
    ]
    for service, step in steps:
        conn = connections[service]
        async with conn.transaction():
            await step(conn)
