"""COPY a generated school into each service's own database, as that service keeps it.

One function per service writes exactly the rows the service would hold had the school's
year happened through its API and events; nothing reads another service's tables.
"""

import json
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.pool import StaticPool

from datagen.history import (
    enrollment_id,
    history,
    holiday_id,
    marks_posted,
    period_id,
    received_at,
    year_id_of,
)
from datagen.school import TIMEZONE, WORK_TYPES, GeneratedSchool, bells
from journal.calendar.rules import year_name
from journal.finals import rules as finals_rules
from journal.finals.service import SET
from journal.marks.service import POSTED
from messaging.consumers import HANDLERS as MESSAGING_HANDLERS
from reporting.projections.registry import PROJECTIONS
from shared.bus import topic_matches
from shared.contracts.journal import (
    GuardianLinked,
    StudentEnrolled,
)
from shared.events import Event
from shared.inbox import apply_by_type
from shared.outbox import staged
from shared.settings import BaseServiceSettings
from shared.topology import registered_bindings

Rows = Iterable[Sequence[Any]]

# The services' retention (shared.purge): older outbox and inbox rows are gone.
RETENTION = timedelta(days=BaseServiceSettings.model_fields["retention_days"].default)


async def copy(conn: asyncpg.Connection, table: str, columns: Sequence[str], rows: Rows) -> None:
    await conn.copy_records_to_table(table, records=list(rows), columns=list(columns))


async def write_auth(
    conn: asyncpg.Connection,
    school: GeneratedSchool,
    password_hash: str,
    received: Sequence[Event],
) -> None:
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
    # A student's class as the newest of the enrolment events auth received says.
    classes: dict[uuid.UUID, tuple[uuid.UUID, int]] = {}
    for e in received:
        if isinstance(e, StudentEnrolled) and (
            e.student_id not in classes or classes[e.student_id][1] < e.version
        ):
            classes[e.student_id] = (e.class_id, e.version)
    await copy(
        conn,
        "roster_people",
        ("person_id", "school_id", "kind", "created_at", "class_id", "class_version"),
        [
            (
                p.id,
                school.id,
                "student" if kind == "student" else "guardian",
                at,
                *classes.get(p.id, (None, 0)),
            )
            for p, kind in people
        ],
    )
    await copy(
        conn,
        "guardianships",
        ("guardian_id", "student_id", "school_id", "created_at", "version"),
        # At the version of the GuardianLinked event that told auth of it.
        [
            (e.guardian_id, e.student_id, school.id, at, e.version)
            for e in received
            if isinstance(e, GuardianLinked)
        ],
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
    year_id = year_id_of(school)
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
            (period_id(school, kind, number), sid, year_id, kind, number, first, last)
            for kind, number, first, last in year.periods()
        ],
    )
    await copy(
        conn,
        "holidays",
        ("id", "school_id", "year_id", "name", "starts_on", "ends_on"),
        [
            (holiday_id(school, first), sid, year_id, name, first, last)
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
        [(enrollment_id(school, s.id), sid, s.id, s.class_id, at, at.date()) for s in students],
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
    await write_plans(conn, school)
    await write_timetable(conn, school)
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
            "lesson_number",
            "topic",
            "homework",
            "homework_due_on",
            "plan_item_id",
            "version",
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
                lesson.number,
                lesson.topic,
                lesson.homework,
                lesson.homework_due_on,
                lesson.plan_item.id if lesson.plan_item else None,
                lesson.version,
                lesson.assignment.teacher.id,
                lesson.starts_at,
            )
            for lesson in school.lessons
        ],
    )
    # Each lesson's first version in its history: scheduled by its teacher.
    await copy(
        conn,
        "lesson_history",
        (
            "id",
            "school_id",
            "lesson_id",
            "assignment_id",
            "version",
            "kind",
            "changed_by",
            "changed_at",
            "new_date",
            "new_lesson_number",
        ),
        [
            (
                uuid.uuid5(lesson.id, "history:1"),
                sid,
                lesson.id,
                lesson.assignment.id,
                1,
                "scheduled",
                lesson.assignment.teacher.id,
                lesson.starts_at,
                lesson.date,
                lesson.number,
            )
            for lesson in school.lessons
        ],
    )
    work_types = school.work_type_ids
    marks: list[tuple[Any, ...]] = []
    history_rows: list[tuple[Any, ...]] = []
    for m in school.marks:
        teacher = m.lesson.assignment.teacher.id
        removal = m.removal
        value, work = m.current
        marks.append(
            (
                m.id,
                sid,
                m.lesson.id,
                m.student.id,
                work_types[work],
                value,
                teacher,
                m.posted_at,
                m.version,
                removal.at if removal else None,
                teacher if removal else None,
            )
        )
        first = (None, m.value, None, work_types[m.work_type], POSTED)
        history_rows.append((m.history_id, sid, m.id, 1, teacher, m.posted_at, *first))
        old_value, old_work = m.value, m.work_type
        for version, c in enumerate(m.corrections, start=2):
            change: tuple[Any, ...]
            if c.value is None:  # removed: the history keeps what it was
                change = (old_value, None, work_types[old_work], None)
            else:
                assert isinstance(c.value, int) and c.work_type is not None
                change = (old_value, c.value, work_types[old_work], work_types[c.work_type])
                old_value, old_work = c.value, c.work_type
            history_rows.append(
                (c.history_id, sid, m.id, version, teacher, c.at, *change, c.reason)
            )
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
            "removed_at",
            "removed_by",
        ),
        marks,
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
            "old_work_type_id",
            "new_work_type_id",
            "reason",
        ),
        history_rows,
    )
    await write_attendance(conn, school)
    await write_finals(conn, school)
    await copy(
        conn,
        "remarks",
        (
            "id",
            "school_id",
            "student_id",
            "class_id",
            "author_id",
            "kind",
            "text",
            "date",
            "created_at",
        ),
        [
            (
                r.id,
                sid,
                r.student.id,
                r.school_class.id,
                r.author.id,
                r.kind,
                r.text,
                r.date,
                r.written_at,
            )
            for r in school.remarks
        ],
    )
    await write_roster_history(conn, school)


async def write_attendance(conn: asyncpg.Connection, school: GeneratedSchool) -> None:
    """Each cell as it stands and every version of it (journal's attendance.service)."""
    sid = school.id
    cells: list[tuple[Any, ...]] = []
    changes: list[tuple[Any, ...]] = []
    for cell in school.attendance:
        teacher = cell.lesson.assignment.teacher.id
        last = cell.changes[-1]
        cells.append(
            (cell.lesson.id, cell.student.id, sid, last.value, len(cell.changes), teacher, last.at)
        )
        old = None
        for version, c in enumerate(cell.changes, start=1):
            who = (cell.lesson.id, cell.student.id, version, teacher, c.at)
            changes.append((c.history_id, sid, *who, old, c.value, c.reason))
            old = c.value
    await copy(
        conn,
        "attendance",
        ("lesson_id", "student_id", "school_id", "code", "version", "marked_by", "marked_at"),
        cells,
    )
    await copy(
        conn,
        "attendance_history",
        (
            "id",
            "school_id",
            "lesson_id",
            "student_id",
            "version",
            "changed_by",
            "changed_at",
            "old_code",
            "new_code",
            "reason",
        ),
        changes,
    )


async def write_timetable(conn: asyncpg.Connection, school: GeneratedSchool) -> None:
    """The bell schedule and each class's weekly timetable for the year, entered by the
    deputy (journal.timetable.service)."""
    sid, at = school.id, school.registered_at
    deputy = next(m for m in school.staff if "deputy" in m.roles)
    bells_at, entries_at = at + timedelta(minutes=105), at + timedelta(minutes=110)
    await copy(conn, "bell_schedules", ("school_id", "version", "updated_at"), [(sid, 1, bells_at)])
    await copy(
        conn,
        "bell_lessons",
        ("school_id", "lesson_number", "starts_at", "ends_at"),
        [(sid, n, starts, ends) for n, starts, ends in bells()],
    )
    await copy(
        conn,
        "timetable_entries",
        (
            "id",
            "school_id",
            "assignment_id",
            "class_id",
            "teacher_id",
            "weekday",
            "lesson_number",
            "valid_from",
            "version",
            "created_by",
            "created_at",
        ),
        [
            (
                e.id,
                sid,
                e.assignment.id,
                e.assignment.school_class.id,
                e.assignment.teacher.id,
                e.weekday,
                e.number,
                school.year.first_day,
                1,
                deputy.id,
                entries_at,
            )
            for e in school.timetable
        ],
    )


async def write_finals(conn: asyncpg.Connection, school: GeneratedSchool) -> None:
    """Each final mark as its teacher set it and its first history row (journal's
    finals.service)."""
    sid, year_id = school.id, year_id_of(school)
    rows: list[tuple[Any, ...]] = []
    changes: list[tuple[Any, ...]] = []
    for f in school.finals:
        a, value = f.assignment, finals_rules.stored(f.value)
        period = period_id(school, f.period[0], f.period[1])
        rows.append(
            (
                f.id,
                sid,
                f.student.id,
                a.subject.id,
                a.school_class.id,
                a.id,
                year_id,
                period,
                period,
                value,
                1,
                a.teacher.id,
                f.set_at,
            )
        )
        changes.append((f.history_id, sid, f.id, 1, a.teacher.id, f.set_at, None, value, SET))
    await copy(
        conn,
        "final_marks",
        (
            "id",
            "school_id",
            "student_id",
            "subject_id",
            "class_id",
            "assignment_id",
            "year_id",
            "period_id",
            "term_id",
            "value",
            "version",
            "set_by",
            "set_at",
        ),
        rows,
    )
    await copy(
        conn,
        "final_mark_history",
        (
            "id",
            "school_id",
            "final_mark_id",
            "version",
            "changed_by",
            "changed_at",
            "old_value",
            "new_value",
            "reason",
        ),
        changes,
    )


async def write_plans(conn: asyncpg.Connection, school: GeneratedSchool) -> None:
    """Each assignment's thematic plan for the year, written once by its teacher."""
    year_id = year_id_of(school)
    await copy(
        conn,
        "thematic_plans",
        ("id", "school_id", "assignment_id", "year_id", "version", "updated_by", "updated_at"),
        [
            (p.id, school.id, p.assignment.id, year_id, 1, p.assignment.teacher.id, p.written_at)
            for p in school.plans
        ],
    )
    await copy(
        conn,
        "thematic_plan_items",
        ("id", "plan_id", "position", "topic", "hours", "work_type", "planned_week"),
        [
            (i.id, p.id, i.position, i.topic, i.hours, i.work_type, i.planned_week)
            for p in school.plans
            for i in p.items
        ],
    )


async def write_roster_history(conn: asyncpg.Connection, school: GeneratedSchool) -> None:
    """The roster's change history of the school's making: each enrollment and each
    guardian's link, by the deputy who entered them (journal's roster.history)."""
    sid, at = school.id, school.registered_at
    deputy = next(m for m in school.staff if "deputy" in m.roles)
    rows: list[tuple[Any, ...]] = []

    def row(subject: str, subject_id: uuid.UUID, student: uuid.UUID, field: str, new: str) -> None:
        key = f"roster:{subject}:{subject_id}:{student}:{field}"
        rows.append(
            (
                uuid.uuid5(sid, key),
                sid,
                subject,
                subject_id,
                student,
                field,
                None,
                new,
                deputy.id,
                at,
            )
        )

    for s in school.students:
        enrollment = enrollment_id(school, s.id)
        row("enrollment", enrollment, s.id, "class_id", str(s.class_id))
        row("enrollment", enrollment, s.id, "starts_on", at.date().isoformat())
        for g in s.guardians:
            row("guardianship", g.id, s.id, "linked", "yes")
            row("guardianship", g.id, s.id, "kind", "guardian")
    await copy(
        conn,
        "roster_changes",
        (
            "id",
            "school_id",
            "subject",
            "subject_id",
            "student_id",
            "field",
            "old_value",
            "new_value",
            "changed_by",
            "changed_at",
        ),
        rows,
    )


class Logged:
    """Each event's row as reporting's log and archive keep it, made once (the envelope's
    serialisation is most of the generator's time) and shared by both."""

    def __init__(self) -> None:
        self._rows: dict[uuid.UUID, tuple[Any, ...]] = {}

    def row(self, event: Event) -> tuple[Any, ...]:
        row = self._rows.get(event.event_id)
        if row is None:
            envelope = staged(event)
            row = (
                envelope.id,
                envelope.routing_key,
                event.school_id,
                f"{event.aggregate}/{event.aggregate_id()}",
                event.version,
                envelope.envelope,
                received_at(event),
            )
            self._rows[event.event_id] = row
        return row

    def rows(self, events: Sequence[Event]) -> list[tuple[Any, ...]]:
        return [self.row(event) for event in events]


def by_consumer(events: Sequence[Event]) -> dict[str, list[Event]]:
    """The events each consumer receives: those its queue is bound to, as the services
    register their bindings (shared.topology), not as a list kept here."""
    bindings = registered_bindings()
    received: dict[str, list[Event]] = {queue: [] for queue in bindings}
    matching: dict[str, list[str]] = {}
    for event in events:
        key = event.routing_key
        if key not in matching:
            matching[key] = [
                queue
                for queue, keys in bindings.items()
                if any(topic_matches(pattern, key) for pattern in keys)
            ]
        for queue in matching[key]:
            received[queue].append(event)
    return received


def producer_of(event: Event) -> str:
    """The service that published it: its routing key starts with the service's name."""
    return event.routing_key.split(".", 1)[0]


async def write_outbox(
    conn: asyncpg.Connection, events: Sequence[Event], since: datetime | None, logged: Logged
) -> None:
    """The service's published events, as its relay leaves them until the purge takes
    them (those published within the retention)."""
    rows = []
    for event in events:
        if since is not None and event.occurred_at < since:
            continue
        event_id, routing_key, *_, envelope, _ = logged.row(event)
        at = event.occurred_at
        published = at + timedelta(milliseconds=20)
        rows.append((event_id, routing_key, envelope, at, published, 0, at))
    await copy(
        conn,
        "outbox",
        (
            "id",
            "routing_key",
            "envelope",
            "created_at",
            "published_at",
            "attempts",
            "next_attempt_at",
        ),
        rows,
    )


async def write_inbox(
    conn: asyncpg.Connection, consumer: str, events: Sequence[Event], since: datetime | None
) -> None:
    """The consumer's record of each event it applied (those within the retention)."""
    await copy(
        conn,
        "inbox",
        ("consumer", "event_id", "event_type", "received_at"),
        [
            (consumer, e.event_id, e.routing_key, received_at(e))
            for e in events
            if since is None or e.occurred_at >= since
        ],
    )


async def _this_connection(conn: asyncpg.Connection) -> asyncpg.Connection:
    return conn


# A consumer catching up on a year's backlog: larger than the bus's default batch, so that
# a school's year is written in a few hundred handler calls instead of tens of thousands.
MESSAGING_BATCH = 1000


async def write_messaging(
    conn: asyncpg.Connection, school: GeneratedSchool, received: Sequence[Event]
) -> None:
    """Messaging's tables as its own consumer leaves them: the events it received applied
    by its own handlers (messaging.consumers.HANDLERS) on this connection, inside this
    transaction, in the order they happened, in batches of `MESSAGING_BATCH` dispatched
    by type as the consumer dispatches its batches (shared.inbox.apply_by_type). So the
    generator cannot drift from what messaging keeps (projections, versions told,
    notifications, stream positions). Its inbox is write_inbox's, as for every service."""
    del school  # every event names its school
    engine = create_async_engine(
        "postgresql+asyncpg://",
        async_creator=partial(_this_connection, conn),
        poolclass=StaticPool,
        pool_reset_on_return=None,
    )
    async with AsyncSession(engine) as session:
        for start in range(0, len(received), MESSAGING_BATCH):
            batch = received[start : start + MESSAGING_BATCH]
            await apply_by_type(session, MESSAGING_HANDLERS, batch)
        await session.commit()  # the savepoint inside this connection's transaction


LOG_COLUMNS = (
    "event_id",
    "event_type",
    "school_id",
    "subject",
    "version",
    "envelope",
    "received_at",
)


async def write_reporting(
    conn: asyncpg.Connection, school: GeneratedSchool, received: Sequence[Event], logged: Logged
) -> None:
    """Reporting's log of every event it received and the projections built from it: each
    projection's rows after all of them, made by reporting's own row makers
    (reporting.projections.registry), so the generator cannot drift from the consumer."""
    await copy(conn, "event_log", LOG_COLUMNS, logged.rows(received))
    for projection in PROJECTIONS:
        rows = projection.final_rows(received)
        if not rows:
            continue
        columns = [column.name for column in projection.table.columns]
        await copy(
            conn,
            projection.table.name,
            columns,
            [tuple(_copied(row[column]) for column in columns) for row in rows],
        )


def _copied(value: Any) -> Any:
    """A value as COPY takes it: JSONB columns as their JSON text."""
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return value


async def write_archive(
    conn: asyncpg.Connection, school: GeneratedSchool, received: Sequence[Event], logged: Logged
) -> None:
    """Archive keeps every event it received."""
    await copy(conn, "received_events", LOG_COLUMNS, logged.rows(received))


async def write_school(
    connections: Mapping[str, asyncpg.Connection],
    school: GeneratedSchool,
    password_hash: str,
    *,
    retention: timedelta | None = RETENTION,
) -> None:
    """Write one school into every service's database, each in its own transaction.

    Each service gets the rows its own tables hold, the outbox of the events it published
    and the inbox of those it received, both as the purge leaves them: only what happened
    within `retention` before the school's last event (by default the services' own;
    None keeps everything).

    Auth comes last: once anyone of the school can log in, the rest of it is there (the
    embedded demo checks for its administrator to know it was seeded whole)."""
    posted = marks_posted(school)
    events = history(school, posted)
    since = None if retention is None else max(e.occurred_at for e in events) - retention
    received = by_consumer(events)
    logged = Logged()
    published: dict[str, list[Event]] = {}
    for event in events:
        published.setdefault(producer_of(event), []).append(event)
    own: dict[str, Callable[[asyncpg.Connection], Awaitable[None]]] = {
        "journal": partial(write_journal, school=school),
        "messaging": partial(write_messaging, school=school, received=received["messaging"]),
        "reporting": partial(
            write_reporting, school=school, received=received["reporting"], logged=logged
        ),
        "archive": partial(
            write_archive, school=school, received=received["archive"], logged=logged
        ),
        "auth": partial(
            write_auth, school=school, password_hash=password_hash, received=received["auth"]
        ),
    }
    for service, step in own.items():
        conn = connections[service]
        async with conn.transaction():
            await step(conn)
            await write_outbox(conn, published.get(service, []), since, logged)
            await write_inbox(conn, service, received.get(service, []), since)
