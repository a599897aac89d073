"""A realistic school for journal tests, built through the real paths: auth's events
through journal's consumer, everything else through journal's HTTP API."""

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
from calendar_samples import YEAR_2026
from sqlalchemy import text

from journal.consumers import subscriptions
from shared.contracts.auth import SchoolRegistered, StaffAccountCreated, StaffRole
from shared.contracts.journal import PageSaved
from shared.db import Database
from shared.events import Event
from shared.testing import TokenFactory

MONDAY = dt.date(2026, 11, 23)  # a school week: Mon 23 – Sun 29 November 2026
# The moment the world's tests run at: journal's clock stands still here (the `journal_clock`
# fixture of tests/journal/conftest.py), so that the lessons of MONDAY and TUESDAY are a week
# old (open, not locked) in whatever month the suite runs.
NOW = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)  # Wednesday, 12:00 in Moscow
TODAY = NOW.date()
TUESDAY = MONDAY + dt.timedelta(days=1)
SCHOOL_YEAR_START = dt.date(2026, 9, 1)


def readable(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


async def deliver(db: Database, event: Event) -> None:
    """Hand an event to journal's consumer the way the bus does."""
    (subscription,) = subscriptions(db)
    await subscription.handler([event.to_cloudevent()])


async def register_school(db: Database, name: str | None = None) -> uuid.UUID:
    school_id = uuid.uuid4()
    await deliver(
        db,
        SchoolRegistered(
            school_id=school_id,
            name=name or readable("Школа"),
            timezone="Europe/Moscow",
        ),
    )
    return school_id


async def create_staff(
    db: Database, school_id: uuid.UUID, roles: list[StaffRole], last_name: str = "Петрова"
) -> uuid.UUID:
    account_id = uuid.uuid4()
    await deliver(
        db,
        StaffAccountCreated(
            school_id=school_id,
            account_id=account_id,
            last_name=last_name,
            first_name="Анна",
            middle_name="Сергеевна",
            roles=roles,
        ),
    )
    return account_id


async def rows(db: Database, sql: str, **params: Any) -> list[dict[str, Any]]:
    async with db.transaction() as session:
        result = await session.execute(text(sql), params)
        return [dict(row) for row in result.mappings()]


async def count(db: Database, table: str, where: str = "true", **params: Any) -> int:
    (row,) = await rows(db, f"SELECT count(*) AS n FROM {table} WHERE {where}", **params)
    return int(row["n"])


async def outbox(
    db: Database, routing_key: str, school_id: uuid.UUID | None = None
) -> list[dict[str, Any]]:
    """The envelopes staged for `routing_key` (of one school if given), oldest first, those
    inside a bundle (a page save's `journal.page.saved`) included, as they would travel alone.

    A test runs in one transaction, so its rows share `created_at` (now() is the
    transaction's start): the aggregate's version orders them within that moment."""
    found = await rows(
        db,
        "SELECT created_at, envelope FROM outbox WHERE routing_key = :key "
        "UNION ALL SELECT created_at, inner_event FROM outbox, "
        "jsonb_array_elements(outbox.envelope->'data'->'events') AS inner_event "
        "WHERE outbox.routing_key = :bundle AND inner_event->>'type' = :key",
        key=routing_key,
        bundle=PageSaved.routing_key,
    )
    ordered = sorted(found, key=lambda r: (r["created_at"], int(r["envelope"]["version"])))
    envelopes = [r["envelope"] for r in ordered]
    if school_id is not None:
        envelopes = [e for e in envelopes if e.get("schoolid") == str(school_id)]
    return envelopes


def problem_type(response: httpx.Response) -> str:
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    slug: str = response.json()["type"]
    return slug.removeprefix("urn:school:problem:")


def plain_year(first: int) -> dict[str, Any]:
    """The academic year from 1 September of `first` to 31 May after it, in quarters and
    halves with no holidays (every day of it a school day)."""

    def span(starts_on: dt.date, ends_on: dt.date) -> dict[str, str]:
        return {"starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat()}

    september, january = dt.date(first, 9, 1), dt.date(first + 1, 1, 1)
    march, end = dt.date(first + 1, 3, 16), dt.date(first + 1, 5, 31)
    november = dt.date(first, 11, 1)
    day = dt.timedelta(days=1)
    quarters = [(september, november - day), (november, january - day), (january, march - day)]
    return {
        **span(september, end),
        "periods": [
            *({"kind": "quarter", "number": n, **span(*q)} for n, q in enumerate(quarters, 1)),
            {"kind": "quarter", "number": 4, **span(march, end)},
            {"kind": "half", "number": 1, **span(september, january - day)},
            {"kind": "half", "number": 2, **span(january, end)},
        ],
        "holidays": [],
    }


@dataclass
class World:
    client: httpx.AsyncClient
    tokens: TokenFactory
    db: Database
    school_id: uuid.UUID
    director: uuid.UUID
    deputy: uuid.UUID
    sysadmin: uuid.UUID
    class_teacher: uuid.UUID  # leads 5А and teaches it mathematics
    teacher: uuid.UUID  # teaches 5А Russian
    outsider: uuid.UUID  # a teacher of the school with nothing to do with 5А
    ids: dict[str, uuid.UUID] = field(default_factory=dict)
    # The school's 2026/27 (YEAR_2026) as `POST /years` answered it; empty in a world
    # built without a calendar (and so without lessons).
    year: dict[str, Any] = field(default_factory=dict)

    @property
    def class_id(self) -> uuid.UUID:
        return self.ids["class"]

    @property
    def student_id(self) -> uuid.UUID:
        return self.ids["student"]

    @property
    def classmate_id(self) -> uuid.UUID:
        return self.ids["classmate"]

    @property
    def math_lesson_id(self) -> uuid.UUID:
        return self.ids["math_lesson"]

    def token(self, who: str) -> str:
        """A token for one of the school's people, by their part in the world."""
        staff_roles = {
            "director": ["director"],
            "deputy": ["deputy"],
            "sysadmin": ["sysadmin"],
            "class_teacher": ["teacher", "class_teacher"],
            "teacher": ["teacher"],
            "outsider": ["teacher"],
        }
        if who in staff_roles:
            return self.tokens.token(
                school_id=self.school_id, roles=staff_roles[who], account_id=getattr(self, who)
            )
        if who in ("student", "classmate"):
            return self.tokens.token(
                school_id=self.school_id, roles=["student"], person_id=self.ids[who]
            )
        if who == "parent":
            return self.tokens.token(
                school_id=self.school_id,
                roles=["parent"],
                person_id=self.ids["guardian"],
                children=[self.student_id],
            )
        raise ValueError(who)

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(who)}"}

    async def post(self, who: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST as `who`, expecting 201."""
        response = await self.client.post(path, json=body, headers=self.auth(who))
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result

    async def patch_work_type(self, code: str, body: dict[str, Any]) -> dict[str, Any]:
        """PATCH a work type as the deputy, expecting 200."""
        response = await self.client.patch(
            f"/work-types/{code}", json=body, headers=self.auth("deputy")
        )
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    async def enroll(self, class_id: uuid.UUID, last_name: str) -> uuid.UUID:
        student = await self.post(
            "deputy",
            "/students",
            {
                "class_id": str(class_id),
                "last_name": last_name,
                "first_name": "Иван",
                "birth_date": "2015-03-14",
                "starts_on": SCHOOL_YEAR_START.isoformat(),
            },
        )
        return uuid.UUID(student["student_id"])

    async def school_day_ago(self, days: int) -> dt.date:
        """The latest school day at least `days` before TODAY, for lessons dated relative to
        today (the lock period): a day off of the world's calendar moves it back; a day
        outside 2026/27 is given a year of its own first."""
        day = TODAY - dt.timedelta(days=days)
        if dt.date(day.year, 6, 1) <= day < dt.date(day.year, 9, 1):
            day = dt.date(day.year, 5, 31)  # the summer holidays: the year's last day
        starts_on, ends_on = (dt.date.fromisoformat(self.year[e]) for e in ("starts_on", "ends_on"))
        if not starts_on <= day <= ends_on:
            await self.post("deputy", "/years", plain_year(day.year - (day.month < 9)))
            return day
        holidays = [
            (dt.date.fromisoformat(h["starts_on"]), dt.date.fromisoformat(h["ends_on"]))
            for h in self.year["holidays"]
        ]
        while any(first <= day <= last for first, last in holidays):
            day -= dt.timedelta(days=1)
        return day

    async def mark(
        self,
        student: str | uuid.UUID,
        value: int,
        work_type: str = "answer",
        lesson: str = "math_lesson",
        who: str = "class_teacher",
    ) -> dict[str, Any]:
        student_id = self.ids[student] if isinstance(student, str) else student
        return await self.post(
            who,
            f"/lessons/{self.ids[lesson]}/marks",
            {
                "student_id": str(student_id),
                "value": value,
                "work_type": work_type,
            },
        )


async def build_world(
    client: httpx.AsyncClient, tokens: TokenFactory, db: Database, *, calendar: bool = True
) -> World:
    """The school; with `calendar` (the default) its year 2026/27 and the lessons of
    Monday 23 and Tuesday 24 November 2026 (a lesson lives in the calendar), without it
    neither (for the tests of the calendar itself)."""
    school_id = await register_school(db)
    world = World(
        client=client,
        tokens=tokens,
        db=db,
        school_id=school_id,
        director=await create_staff(db, school_id, ["director"], "Директорова"),
        deputy=await create_staff(db, school_id, ["deputy"], "Завучева"),
        sysadmin=await create_staff(db, school_id, ["sysadmin"], "Админов"),
        class_teacher=await create_staff(db, school_id, ["teacher", "class_teacher"], "Классная"),
        teacher=await create_staff(db, school_id, ["teacher"], "Русская"),
        outsider=await create_staff(db, school_id, ["teacher"], "Посторонняя"),
    )
    ids = world.ids
    ids["class"] = uuid.UUID(
        (
            await world.post(
                "deputy",
                "/classes",
                {
                    "name": "5А",
                    "grade": 5,
                    "class_teacher_id": str(world.class_teacher),
                },
            )
        )["class_id"]
    )
    ids["parallel_class"] = uuid.UUID(
        (await world.post("deputy", "/classes", {"name": "5Б", "grade": 5}))["class_id"]
    )
    ids["math"] = uuid.UUID(
        (await world.post("deputy", "/subjects", {"name": "Математика"}))["subject_id"]
    )
    ids["russian"] = uuid.UUID(
        (await world.post("director", "/subjects", {"name": "Русский язык"}))["subject_id"]
    )
    for name, teacher, subject in (
        ("math_assignment", world.class_teacher, "math"),
        ("russian_assignment", world.teacher, "russian"),
    ):
        ids[name] = uuid.UUID(
            (
                await world.post(
                    "deputy",
                    "/assignments",
                    {
                        "teacher_id": str(teacher),
                        "class_id": str(ids["class"]),
                        "subject_id": str(ids[subject]),
                    },
                )
            )["assignment_id"]
        )
    ids["student"] = await world.enroll(ids["class"], "Смирнов")
    ids["classmate"] = await world.enroll(ids["class"], "Андреев")
    ids["parallel_student"] = await world.enroll(ids["parallel_class"], "Борисов")
    ids["guardian"] = uuid.UUID(
        (
            await world.post(
                "deputy",
                "/guardians",
                {
                    "last_name": "Смирнова",
                    "first_name": "Ольга",
                    "phone": "+7 900 000-00-00",
                    "student_ids": [str(ids["student"])],
                },
            )
        )["guardian_id"]
    )
    if not calendar:
        return world
    world.year = await world.post("deputy", "/years", YEAR_2026)
    ids["year"] = uuid.UUID(world.year["year_id"])
    lessons: tuple[tuple[str, str, str, dt.date, int, str], ...] = (
        ("math_lesson", "class_teacher", "math_assignment", MONDAY, 1, "Дроби"),
        ("russian_lesson", "teacher", "russian_assignment", MONDAY, 2, "Суффиксы"),
        ("math_lesson_tuesday", "class_teacher", "math_assignment", TUESDAY, 1, "Сложение дробей"),
    )
    for name, who, assignment, day, number, topic in lessons:
        ids[name] = uuid.UUID(
            (
                await world.post(
                    who,
                    "/lessons",
                    {
                        "assignment_id": str(ids[assignment]),
                        "date": day.isoformat(),
                        "lesson_number": number,
                        "topic": topic,
                        "homework": f"№ {day.day}",
                    },
                )
            )["lesson_id"]
        )
    return world


JOURNAL_TABLES = (
    "schools",
    "staff",
    "work_types",
    "classes",
    "students",
    "enrollments",
    "guardians",
    "guardianships",
    "class_groups",
    "group_memberships",
    "roster_changes",
    "remarks",
    "subjects",
    "assignments",
    "lessons",
    "lesson_history",
    "bell_schedules",
    "bell_lessons",
    "timetable_entries",
    "marks",
    "mark_history",
    "attendance",
    "attendance_history",
    "final_marks",
    "final_mark_history",
    "idempotency_keys",
    "academic_years",
    "periods",
    "period_closings",
    "holidays",
    "grading_settings",
    "curriculum_levels",
    "curriculum_hours",
    "thematic_plans",
    "thematic_plan_items",
    "homework_attachments",
    "outbox",
    "inbox",
)


async def table_counts(db: Database) -> dict[str, int]:
    """Row counts of every table: equal before and after means nothing was written."""
    sql = " UNION ALL ".join(
        f"SELECT '{table}' AS name, count(*) AS n FROM {table}" for table in JOURNAL_TABLES
    )
    return {row["name"]: int(row["n"]) for row in await rows(db, sql)}
