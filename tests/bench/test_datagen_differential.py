"""The generator cannot drift from the services: a tiny school is made once through the
services' HTTP APIs (the five apps in-process on real PostgreSQL, their relays and
consumers running over the in-memory bus) and once by the data generator from the same
description, and every table of every service's database then holds the same rows, ids,
timestamps and hashes aside (ids are mapped by natural keys: each object the APIs made is
named by the description's object it was made for)."""

import asyncio
import json
import random
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, TypeVar

import asyncpg
import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from auth import service as auth_service
from auth.issuance import service as issuance
from auth.passwords import Passwords
from auth.schemas import CredentialsIssue, StaffCreate
from auth.settings import Settings as AuthSettings
from datagen import hash_password
from datagen.curriculum import SUBJECTS, SchoolYear, academic_year_of
from datagen.history import period_id, year_id_of
from datagen.school import (
    TIMEZONE,
    ZONE,
    Assignment,
    Attendance,
    Correction,
    GeneratedSchool,
    Guardian,
    Lesson,
    Mark,
    Remark,
    SchoolClass,
    SchoolSubject,
    StaffMember,
    Student,
    TimetableEntry,
    bells,
    entry_id,
    finals_of,
    homework_due_dates,
    plan_for,
)
from datagen.writers import write_school
from embedded.gateway import Gateway
from embedded.services import SERVICE_NAMES, load
from journal.attendance.service import MARKED
from shared.bus import topic_matches
from shared.bus.inprocess import InProcessBroker, InProcessBus
from shared.db import Database, asyncpg_dsn
from shared.migrations import upgrade
from shared.security import JwksKeys
from shared.testing import create_database, drop_database, unique_name, with_database

PASSWORD = "differential-2026"
T = TypeVar("T")
BASE = "http://school.test"

# What the seeding does not make, so not compared: auth makes its signing key when it
# starts; logging in (which the API path does, and nobody in the generated year needs)
# leaves refresh tokens, its session, the device's token, an audit row and a logged-in
# event wherever that event goes;
# alembic_version is the migrations' own.
# The generator writes accounts as issued and activated, without the issuance's codes and
# audit trail.
NOT_SEEDED = {
    "alembic_version",
    "signing_keys",
    "refresh_tokens",
    "sessions",
    "known_devices",
    "login_audit",
    "activation_codes",
    "audit_trail",
}
LOGGING_IN = "auth.session.logged_in.v1"
# lessons.plan_item_id: no API links a lesson to its plan's topic yet (the journal page's
# lesson form will); the generator's links are checked on their own below.
NOT_WRITTEN_BY_ANY_API = {("lessons", "plan_item_id")}
# How many superseded notifications messaging wrote depends on how the bus batched the
# events (of several versions of a mark in one batch only the newest is told), which no
# run fixes: the live notifications are what is defined, and so the positions taken.
BATCHING_DEPENDENT = {("notification_streams", "last_seq")}


def _kept(table: str, row: dict[str, Any]) -> bool:
    return not (table == "notifications" and row["superseded_at"] is not None)


# --- the description: a tiny school --------------------------------------------------


def _ids(label: str) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"differential:{label}")


def _school_days_near(year: SchoolYear, today: date, count: int) -> list[date]:
    """School days of the year closest to today (the lock lets teachers write them)."""
    days = year.school_days()
    return sorted(sorted(days, key=lambda d: (abs((d - today).days), d))[:count])


def tiny_school(today: date) -> GeneratedSchool:
    """Two classes of three pupils, two subjects, a few lessons with marks (one corrected,
    one removed), absences (one changed, one cleared), a remark and a praise."""
    year = academic_year_of(today)
    if today > year.last_day:  # June: the next year's first days, ahead of the lock
        year = SchoolYear(year.start_year + 1)
    registered = datetime.combine(year.first_day - timedelta(days=10), time(9), ZONE)

    def staff(key: str, roles: list[str], last: str, first: str) -> StaffMember:
        member = StaffMember(_ids(key), last, first, "Ивановна", True, login=key, roles=roles)
        member.account_id = member.id
        return member

    admin = staff("admin", ["sysadmin"], "Никитина", "Ольга")
    director = staff("director", ["director"], "Орлова", "Вера")
    deputy = staff("deputy", ["deputy"], "Петрова", "Анна")
    maths = staff("maths", ["teacher", "class_teacher"], "Сидорова", "Мария")
    russian = staff("russian", ["teacher", "class_teacher"], "Козлова", "Елена")
    classes = [
        SchoolClass(_ids("5А"), 5, "5А", class_teacher=maths),
        SchoolClass(_ids("6А"), 6, "6А", class_teacher=russian),
    ]
    names = [("Иванов", "Артём"), ("Смирнова", "Мария"), ("Кузнецов", "Илья")]
    for school_class in classes:
        for i, (last, first) in enumerate(names):
            key = f"{school_class.grade}a-{i}"
            student = Student(
                _ids(key), last, first, "Петрович", last.endswith("а"),
                login=f"student-{key}", account_id=_ids(f"account:{key}"),
                birth_date=date(year.start_year - 6 - school_class.grade, 3, 14 + i),
                class_id=school_class.id,
            )  # fmt: skip
            parent = Guardian(
                _ids(f"parent:{key}"), last.rstrip("а") + "а", "Елена", "Сергеевна", True,
                login=f"parent-{key}", account_id=_ids(f"account:parent:{key}"),
                phone=f"+7 900000000{i}", email=f"parent{i}@example.ru",
            )  # fmt: skip
            student.guardians = [parent] if i < 2 else []
            school_class.students.append(student)
    curriculum = {s.name: s for s in SUBJECTS}
    subjects = [
        SchoolSubject(_ids("Математика"), "Математика", curriculum["Математика"]),
        SchoolSubject(_ids("Русский язык"), "Русский язык", curriculum["Русский язык"]),
    ]
    assignments = [
        Assignment(_ids(f"{c.name}:{s.name}"), t, c, s, s.curriculum.hours[c.grade])
        for c in classes
        for s, t in zip(subjects, (maths, russian), strict=True)
    ]
    plans = [plan_for(a, year, registered) for a in assignments]
    days = _school_days_near(year, today, 2)
    lessons = []
    at = datetime.now(UTC)
    for n, a in enumerate(assignments):
        # 5А: maths first, russian second; 6А the other way round (no teacher in two places).
        number = 1 + (n + n // 2) % 2
        for k, day in enumerate(days):
            starts = datetime.combine(day, time(8, 30), ZONE) + timedelta(minutes=55 * (number - 1))
            item = plans[n].items[0]
            # Homework on each first lesson (due at the next) and on 5А's last maths (no
            # later lesson: due on no date).
            homework = f"§ {k + 1}" if k == 0 or n == 0 else None
            lessons.append(
                Lesson(_ids(f"lesson:{n}:{k}"), a, day, starts.astimezone(UTC), item.topic,
                       homework, item, number=number, homework_at=at if homework else None)
            )  # fmt: skip
    homework_due_dates(lessons)
    slots = {(lesson.assignment.id, lesson.date.isoweekday(), lesson.number): lesson.assignment
             for lesson in lessons if lesson.number is not None}  # fmt: skip
    timetable = [
        TimetableEntry(entry_id(a, year.start_year, weekday, number), a, weekday, number)
        for (_, weekday, number), a in slots.items()
    ]

    def change(
        value: int | str | None, reason: str, key: str, work: str | None = None
    ) -> Correction:
        return Correction(value, reason, at, _ids(f"h:{key}"), _ids(f"e:{key}"), work_type=work)

    def mark(key: str, lesson: Lesson, student: Student, work: str, value: int) -> Mark:
        return Mark(_ids(key), lesson, student, work, value, at, _ids(f"e:{key}"), _ids(f"h:{key}"))

    maths_lesson, russian_lesson = lessons[0], lessons[2]  # 5А's maths and russian
    pupils = classes[0].students
    marks = [
        mark("m1", maths_lesson, pupils[0], "answer", 5),
        mark("m2", maths_lesson, pupils[1], "homework", 3),
        mark("m3", russian_lesson, pupils[0], "independent", 4),
        mark("m4", russian_lesson, pupils[2], "answer", 2),
    ]
    # Three marks in 5А's maths for the second pupil: a final mark of its average.
    marks += [
        mark("m5", lessons[1], pupils[1], "test", 5),
        mark("m6", lessons[1], pupils[1], "answer", 4),
    ]
    marks[1].corrections.append(change(4, "Ошибка при вводе оценки", "m2c", "homework"))
    marks[3].corrections.append(change(None, "Оценка выставлена не тому ученику", "m4r"))
    attendance = [
        Attendance(maths_lesson, pupils[2], [change("Б", MARKED, "a1")]),
        Attendance(
            russian_lesson, pupils[1], [change("Н", MARKED, "a2"), change("П", "Справка", "a2c")]
        ),
        Attendance(lessons[1], pupils[0], [change("ОП", MARKED, "a3"), change(None, "Был", "a3c")]),
    ]
    remarks = [
        Remark(_ids("r1"), pupils[0], classes[0], maths, "praise", "Активно работал на уроке",
               maths_lesson.date, at, _ids("e:r1")),
        Remark(_ids("r2"), pupils[1], classes[0], russian, "remark", "Не выполнила задание",
               russian_lesson.date, at, _ids("e:r2")),
    ]  # fmt: skip
    # 5А's maths column of final marks for the period of today: the second pupil's
    # suggestion, н/а for the others (too few marks).
    period = next(p for p in year.periods() if p[0] == "quarter" and p[2] <= today <= p[3])
    maths_5a = assignments[0]
    finals = finals_of(random.Random("finals"), maths_5a, period,
                       [m for m in marks if m.lesson.assignment is maths_5a], at)  # fmt: skip
    return GeneratedSchool(
        number=1, id=_ids("school"), name="Школа № 1 (сверка)", year=year, until=today,
        admin=admin, staff=[admin, director, deputy, maths, russian], classes=classes,
        subjects=subjects, assignments=assignments, lessons=lessons, marks=marks,
        work_type_ids={}, registered_at=registered.astimezone(UTC), plans=plans,
        attendance=attendance, remarks=remarks, timetable=timetable, finals=finals,
    )  # fmt: skip


# --- the five services in-process --------------------------------------------------------


async def _databases(pg_admin_url: str, label: str) -> dict[str, str]:
    urls = {}
    for service in SERVICE_NAMES:
        name = unique_name(f"diff_{label}_{service}")
        await create_database(pg_admin_url, name)
        urls[service] = with_database(pg_admin_url, name)
        await upgrade(load(service).migrations, urls[service])
    return urls


@pytest.fixture
async def databases(pg_admin_url: str) -> AsyncIterator[tuple[dict[str, str], dict[str, str]]]:
    api, generated = await _databases(pg_admin_url, "api"), await _databases(pg_admin_url, "gen")
    yield api, generated
    for url in (*api.values(), *generated.values()):
        await drop_database(pg_admin_url, url.rsplit("/", 1)[1])


@dataclass
class Services:
    gateway: Gateway
    urls: dict[str, str]
    ids: dict[uuid.UUID, uuid.UUID] = field(default_factory=dict)  # made -> described

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=self.gateway), base_url=BASE)


async def _running(urls: dict[str, str], stack: AsyncExitStack) -> Services:
    broker = InProcessBroker()
    apps = {}
    gateway: Gateway | None = None

    def transport() -> httpx.ASGITransport:
        assert gateway is not None
        return httpx.ASGITransport(app=gateway)

    class GatewayKeys(JwksKeys):
        async def _refresh(self) -> None:
            self._transport = transport()
            await super()._refresh()

    for name in SERVICE_NAMES:
        module = load(name)
        settings = module.settings(database_url=urls[name], log_level="WARNING")
        keys = None if name == "auth" else GatewayKeys(f"{BASE}/api/auth/.well-known/jwks.json")
        apps[name] = module.create_app(settings, bus=InProcessBus(broker), keys=keys)
    gateway = Gateway(apps)
    await stack.enter_async_context(gateway.home.router.lifespan_context(gateway.home))
    return Services(gateway, urls)


class Api:
    def __init__(self, client: httpx.AsyncClient, token: str = "") -> None:
        self.client, self.token = client, token

    async def call(self, method: str, path: str, body: Any = None) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        for _ in range(200):  # a fact another service has not received yet: 404, 409
            response = await self.client.request(method, f"/api/{path}", json=body, headers=headers)
            if response.status_code < 400:
                return response.json()
            if response.status_code not in (404, 409):
                break
            await asyncio.sleep(0.05)
        raise AssertionError(f"{method} {path}: {response.status_code} {response.text}")

    async def login(self, login: str) -> "Api":
        tokens = await self.call("POST", "auth/login", {"login": login, "password": PASSWORD})
        return Api(self.client, tokens["access_token"])


async def seed_through_the_apis(services: Services, school: GeneratedSchool) -> None:
    """Everything in the description, done by the people of the school through the APIs."""
    ids = services.ids
    db = Database(services.urls["auth"], pool_size=1)
    try:
        async with db.transaction() as session:
            school_id, admin_id = await auth_service.provision_school(
                session, name=school.name, timezone=TIMEZONE, admin_login=school.admin.login,
                admin_password=PASSWORD, admin_last_name=school.admin.last_name,
                admin_first_name=school.admin.first_name,
                admin_middle_name=school.admin.middle_name,
                passwords=Passwords.from_settings(AuthSettings(database_url=db.url)),
            )  # fmt: skip
    finally:
        await db.dispose()
    ids[school_id], ids[admin_id] = school.id, school.admin.id
    made = {v: k for k, v in ids.items()}  # described -> made, as it grows

    def of(described: uuid.UUID) -> str:
        return str(made[described])

    def note(api_id: str, described: uuid.UUID) -> None:
        ids[uuid.UUID(api_id)] = described
        made[described] = uuid.UUID(api_id)

    hasher = Passwords.from_settings(AuthSettings())

    async def issue(use: Callable[[AsyncSession, Passwords], Awaitable[T]]) -> T:
        """An issuance through auth's service layer, committed."""
        auth_db = Database(services.urls["auth"], pool_size=1)
        try:
            async with auth_db.transaction() as session:
                return await use(session, hasher)
        finally:
            await auth_db.dispose()

    body: dict[str, Any]
    async with services.client() as client:
        # Accounts are issued by the system, activated at once (as the generator writes
        # them): issued through the API they would wait for their codes (tests/auth).
        for member in school.staff[1:]:
            staff = StaffCreate.model_validate({"login": member.login, "roles": member.roles,
                    "last_name": member.last_name, "first_name": member.first_name,
                    "middle_name": member.middle_name})  # fmt: skip
            created = await issue(lambda s, h, staff=staff: issuance.create_staff(
                s, h, AuthSettings(), school_id=school_id, data=staff, issued_by=None,
                password=PASSWORD))  # fmt: skip
            note(str(created.account_id), member.id)
        deputy = await Api(client).login("deputy")
        year = school.year
        opened = await deputy.call("POST", "journal/years", {
            "starts_on": year.first_day.isoformat(), "ends_on": year.last_day.isoformat(),
            "periods": [{"kind": k, "number": n, "starts_on": a.isoformat(),
                         "ends_on": b.isoformat()} for k, n, a, b in year.periods()],
            "holidays": [{"name": name, "starts_on": a.isoformat(), "ends_on": b.isoformat()}
                         for name, a, b in year.named_holidays()],
        })  # fmt: skip
        note(opened["year_id"], year_id_of(school))
        for p in opened["periods"]:
            note(p["period_id"], period_id(school, p["kind"], p["number"]))
        for c in school.classes:
            assert c.class_teacher is not None
            body = {"name": c.name, "grade": c.grade, "class_teacher_id": of(c.class_teacher.id)}
            note((await deputy.call("POST", "journal/classes", body))["class_id"], c.id)
        for s in school.subjects:
            note(
                (await deputy.call("POST", "journal/subjects", {"name": s.name}))["subject_id"],
                s.id,
            )
        for a in school.assignments:
            body = {"teacher_id": of(a.teacher.id), "class_id": of(a.school_class.id),
                    "subject_id": of(a.subject.id)}  # fmt: skip
            note((await deputy.call("POST", "journal/assignments", body))["assignment_id"], a.id)
        for grade in sorted({c.grade for c in school.classes}):
            hours = [{"subject_id": of(s.id), "weekly_hours": s.curriculum.hours[grade]}
                     for s in school.subjects if s.curriculum.hours.get(grade)]  # fmt: skip
            await deputy.call("PUT", f"journal/years/{of(year_id_of(school))}/curriculum/{grade}",
                              {"version": 0, "subjects": hours})  # fmt: skip
        bell_lessons = [{"lesson_number": n, "starts_at": f"{a:%H:%M}", "ends_at": f"{b:%H:%M}"}
                        for n, a, b in bells()]  # fmt: skip
        await deputy.call("PUT", "journal/bell-schedule", {"version": 0, "lessons": bell_lessons})
        for e in school.timetable:
            body = {"assignment_id": of(e.assignment.id), "weekday": e.weekday,
                    "lesson_number": e.number,
                    "valid_from": year.first_day.isoformat()}  # fmt: skip
            note((await deputy.call("POST", "journal/timetable/entries", body))["entry_id"], e.id)
        for c in school.classes:
            for s in c.students:
                body = {"class_id": of(c.id), "last_name": s.last_name, "first_name": s.first_name,
                        "middle_name": s.middle_name, "birth_date": s.birth_date.isoformat(),
                        "starts_on": school.registered_at.date().isoformat()}  # fmt: skip
                note((await deputy.call("POST", "journal/students", body))["student_id"], s.id)
        for g in school.guardians:
            children = [of(s.id) for s in school.students if g in s.guardians]
            body = {"last_name": g.last_name, "first_name": g.first_name,
                    "middle_name": g.middle_name, "phone": g.phone, "email": g.email,
                    "student_ids": children}  # fmt: skip
            note((await deputy.call("POST", "journal/guardians", body))["guardian_id"], g.id)
        for person, kind in [*((s, "student") for s in school.students),
                             *((g, "parent") for g in school.guardians)]:  # fmt: skip
            data = CredentialsIssue.model_validate(
                {"person_id": of(person.id), "kind": kind, "login": person.login}
            )
            issued = await issue(lambda s, h, data=data: issuance.issue_credentials(
                s, h, AuthSettings(), school_id=school_id, data=data, issued_by=None,
                password=PASSWORD))  # fmt: skip
            assert person.account_id is not None
            note(str(issued.account_id), person.account_id)
        teachers = {
            m.id: await Api(client).login(m.login) for m in school.staff if "teacher" in m.roles
        }
        for plan in school.plans:
            teacher = teachers[plan.assignment.teacher.id]
            items = [{"topic": i.topic, "hours": i.hours,
                      "work_type": i.work_type, "planned_week": i.planned_week}
                     for i in plan.items]  # fmt: skip
            path = f"journal/assignments/{of(plan.assignment.id)}/plans/{of(year_id_of(school))}"
            written = await teacher.call("PUT", path, {"version": 0, "items": items})
            note(written["plan_id"], plan.id)
            for item, made_item in zip(plan.items, written["items"], strict=True):
                note(made_item["item_id"], item.id)
        for lesson in school.lessons:
            teacher = teachers[lesson.assignment.teacher.id]
            body = {"assignment_id": of(lesson.assignment.id), "date": lesson.date.isoformat(),
                    "lesson_number": lesson.number, "topic": lesson.topic}  # fmt: skip
            note((await teacher.call("POST", "journal/lessons", body))["lesson_id"], lesson.id)
        for lesson in school.lessons:  # once every lesson is there: due at the next one
            if lesson.homework is not None:
                await teachers[lesson.assignment.teacher.id].call(
                    "PUT", f"journal/lessons/{of(lesson.id)}/homework",
                    {"text": lesson.homework, "version": 1},
                )  # fmt: skip
        for m in school.marks:
            teacher = teachers[m.lesson.assignment.teacher.id]
            body = {"student_id": of(m.student.id), "value": m.value, "work_type": m.work_type}
            posted = await teacher.call("POST", f"journal/lessons/{of(m.lesson.id)}/marks", body)
            note(posted["mark_id"], m.id)
            for version, fix in enumerate(m.corrections, start=1):
                if fix.value is None:
                    await teacher.call("DELETE", f"journal/marks/{of(m.id)}",
                                       {"reason": fix.reason, "version": version})  # fmt: skip
                else:
                    await teacher.call("PATCH", f"journal/marks/{of(m.id)}",
                                       {"value": fix.value, "work_type": fix.work_type,
                                        "reason": fix.reason, "version": version})  # fmt: skip
        for cell in school.attendance:
            teacher = teachers[cell.lesson.assignment.teacher.id]
            path = f"journal/lessons/{of(cell.lesson.id)}/attendance/{of(cell.student.id)}"
            for version, fix in enumerate(cell.changes):
                if fix.value is None:
                    await teacher.call("DELETE", path, {"reason": fix.reason, "version": version})
                else:
                    reason = None if fix.reason == MARKED else fix.reason
                    await teacher.call("PUT", path, {"code": fix.value, "reason": reason,
                                                     "version": version})  # fmt: skip
        for f in school.finals:  # the suggestion journal shows is the value set
            kind, number, _, _ = f.period
            path = (f"journal/assignments/{of(f.assignment.id)}/periods/"
                    f"{of(period_id(school, kind, number))}/finals")  # fmt: skip
            teacher = teachers[f.assignment.teacher.id]
            column = {uuid.UUID(i["student_id"]): i["suggested"]
                      for i in (await teacher.call("GET", path))["items"]}  # fmt: skip
            assert (column[made[f.student.id]] or "н/а") == f.value
            body = {"items": [{"student_id": of(f.student.id), "value": f.value}]}
            written = await teacher.call("PUT", path, body)
            note(written["items"][0]["final_mark_id"], f.id)
        for r in school.remarks:
            body = {"kind": r.kind, "text": r.text, "date": r.date.isoformat()}
            written = await teachers[r.author.id].call(
                "POST", f"journal/students/{of(r.student.id)}/remarks", body
            )
            note(written["remark_id"], r.id)


async def _rows(url: str, sql: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        return list(await conn.fetch(sql))
    finally:
        await conn.close()


async def settled(urls: dict[str, str]) -> None:
    """Wait until every published event reached each consumer bound to it."""
    bindings = {
        name: [k for keys in load(name).bindings.values() for k in keys] for name in SERVICE_NAMES
    }
    for _ in range(600):
        outboxes = [await _rows(url, "SELECT routing_key, published_at FROM outbox")
                    for url in urls.values()]  # fmt: skip
        published = [r for rows in outboxes for r in rows]
        waiting = sum(r["published_at"] is None for r in published)
        counts = {
            name: len(await _rows(urls[name], "SELECT event_id FROM inbox"))
            for name in SERVICE_NAMES
        }
        wanted = {
            name: sum(
                any(topic_matches(k, r["routing_key"]) for k in bindings[name]) for r in published
            )
            for name in SERVICE_NAMES
        }
        if not waiting and counts == wanted:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"consumers did not settle: {counts} of {wanted}")


# --- the comparison ---------------------------------------------------------------------

UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TIME_RE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?")


class Normaliser:
    """Ids the description names stay (made ones are translated to them); any other id,
    every timestamp and every hash becomes a placeholder."""

    def __init__(self, ids: dict[uuid.UUID, uuid.UUID], described: set[uuid.UUID]) -> None:
        self.ids, self.described = ids, described

    def uuid(self, value: uuid.UUID) -> str:
        value = self.ids.get(value, value)
        return str(value) if value in self.described else "<id>"

    def text(self, value: str) -> str:
        value = UUID_RE.sub(lambda m: self.uuid(uuid.UUID(m.group())), value)
        return TIME_RE.sub("<time>", value)

    def json(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: self.json(v) for k, v in sorted(value.items())}
        if isinstance(value, list):
            return [self.json(v) for v in value]
        if isinstance(value, str):
            return self.text(value)
        return value

    def value(self, column: str, value: Any) -> Any:
        if value is None or (
            isinstance(value, bool | int | Decimal | date) and not isinstance(value, datetime)
        ):
            return "<seq>" if column == "seq" else value
        if isinstance(value, datetime):
            return "<time>"
        if isinstance(value, uuid.UUID):
            return self.uuid(value)
        if "hash" in column:
            return "<hash>"
        if isinstance(value, str) and value[:1] in "{[":
            try:
                return json.dumps(self.json(json.loads(value)), ensure_ascii=False)
            except ValueError:
                pass
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return tuple(self.value(column, v) for v in value)
        return repr(value)


async def snapshot(url: str, normaliser: Normaliser) -> dict[str, list[tuple[Any, ...]]]:
    tables = await _rows(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    result = {}
    for table in sorted(t["tablename"] for t in tables if t["tablename"] not in NOT_SEEDED):
        rows = await _rows(url, f'SELECT * FROM "{table}"')
        result[table] = sorted(
            (
                tuple(
                    (k, normaliser.value(k, v))
                    for k, v in row.items()
                    if (table, k) not in NOT_WRITTEN_BY_ANY_API | BATCHING_DEPENDENT
                )
                for row in rows
                if not any(isinstance(v, str) and LOGGING_IN in v for v in row.values())
                and _kept(table, row)
            ),
            key=repr,
        )
    return result


def differences(
    made: dict[str, list[tuple[Any, ...]]], generated: dict[str, list[tuple[Any, ...]]]
) -> list[str]:
    """Each table whose rows differ, with its first row found on one side only."""
    found = []
    for table in sorted(set(made) | set(generated)):
        a, b = made.get(table, []), generated.get(table, [])
        if a == b:
            continue
        only_made = [r for r in a if r not in b]
        only_generated = [r for r in b if r not in a]
        found.append(
            f"table {table}: {len(a)} rows through the APIs, {len(b)} generated\n"
            f"  first only through the APIs: {only_made[:1]}\n"
            f"  first only generated: {only_generated[:1]}"
        )
    return found


def described_ids(school: GeneratedSchool) -> set[uuid.UUID]:
    ids = {school.id, year_id_of(school)}
    ids |= {period_id(school, kind, number) for kind, number, _, _ in school.year.periods()}
    objects: list[Any] = [*school.staff, *school.classes, *school.subjects, *school.assignments,
                *school.students, *school.guardians, *school.lessons, *school.marks,
                *school.remarks, *school.plans, *school.timetable,
                *school.finals]  # fmt: skip
    ids |= {obj.id for obj in objects}
    ids |= {p.account_id for p in [*school.students, *school.guardians] if p.account_id}
    ids |= {i.id for p in school.plans for i in p.items}
    ids |= set(school.work_type_ids.values())
    return ids


async def test_the_generator_writes_what_the_services_would(
    databases: tuple[dict[str, str], dict[str, str]],
) -> None:
    api_urls, generated_urls = databases
    school = tiny_school(datetime.now(ZONE).date())
    async with AsyncExitStack() as stack:
        services = await _running(api_urls, stack)
        await seed_through_the_apis(services, school)
        await settled(api_urls)
    # Work types are made by journal for a new school: named by their codes.
    for row in await _rows(api_urls["journal"], "SELECT id, code FROM work_types"):
        school.work_type_ids[row["code"]] = _ids(f"work-type:{row['code']}")
        services.ids[row["id"]] = school.work_type_ids[row["code"]]
    connections = {s: await asyncpg.connect(asyncpg_dsn(u)) for s, u in generated_urls.items()}
    try:
        # Everything happened within the retention: every outbox and inbox row is kept.
        await write_school(connections, school, await hash_password(PASSWORD), retention=None)
    finally:
        for conn in connections.values():
            await conn.close()

    normaliser = Normaliser(services.ids, described_ids(school))
    found = []
    for service in SERVICE_NAMES:
        made = await snapshot(api_urls[service], normaliser)
        generated = await snapshot(generated_urls[service], normaliser)
        found += [f"{service}: {d}" for d in differences(made, generated)]
    # The first difference in full; the names of the others after it.
    assert not found, "\n".join([found[0], *(d.split("\n")[0] for d in found[1:])])

    # The generator links each lesson to the plan item its topic comes from.
    links = await _rows(
        generated_urls["journal"],
        "SELECT l.topic, i.topic AS item FROM lessons l JOIN thematic_plan_items i"
        " ON i.id = l.plan_item_id",
    )
    assert len(links) == len(school.lessons)
    assert all(link["topic"] == link["item"] for link in links)
