"""The demo school: five classes (1А-5А) with their year so far (the current year's
periods and holidays, curriculum, thematic plans, lessons, marks with corrections,
attendance and remarks), made by the data generator (datagen) straight into each
service's database, with easy logins for a few people.

Runs once. In the embedded PostgreSQL the launcher records the seed as begun before the
first service's part is written and as done after the last one committed; a start that
finds it begun but not done (Ctrl+C or a crash during the first start) drops the five
databases and makes them again, so the school is written whole or not at all. On a later
start in a week the journal has no lessons for yet (holidays, or a demo left for a while),
this week's lessons and marks are added through the services' own APIs, as teachers would
add them, on the week's school days by the calendar (none in a holiday or the summer).

The demo's year is the one begun on the last 1 September in the school's zone: in the
summer the year just ended, whole, until the next one begins. Journal's /years/current
knows only a year holding today or one ahead, so the web client opens on the last year
ended then (web/src/lib/calendar.ts), as it opens on the last period begun in a holiday.
"""

import random
import sys
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import httpx

from datagen import GeneratedSchool, SchoolYear, build_school, hash_password
from datagen.curriculum import SUBJECTS
from datagen.school import ZONE
from datagen.writers import write_school
from embedded.postgres import EmbeddedPostgres
from embedded.problems import StartupProblem
from shared.db import asyncpg_dsn

SEEDING = "seeding"
SEEDED = "seeded"

DEMO_PASSWORD = "demo-2026"
SCHOOL_NAME = "ГБОУ СОШ № 239 (демо)"
# Five classes of the generator's forty: 1А to 5А.
DEMO_SCALE = 5 / 40
TOPICS = {subject.name: subject.topics for subject in SUBJECTS}

# (role shown in the banner, login, password)
DEMO_LOGINS: list[tuple[str, str, str]] = [
    ("системный администратор", "admin", DEMO_PASSWORD),
    ("директор", "director", DEMO_PASSWORD),
    ("зам. директора по УВР", "deputy", DEMO_PASSWORD),
    ("учитель математики", "teacher", DEMO_PASSWORD),
    ("классный руководитель 5А", "class-teacher", DEMO_PASSWORD),
    ("ученик 5А", "student", DEMO_PASSWORD),
    ("родитель", "parent", DEMO_PASSWORD),
]


class Api:
    def __init__(self, client: httpx.AsyncClient, token: str | None = None) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    async def get(self, path: str, **params: str) -> Any:
        response = await self.client.get(path, params=params, headers=self.headers)
        response.raise_for_status()
        return response.json()

    async def post(self, path: str, body: dict[str, Any]) -> Any:
        response = await self.client.post(path, json=body, headers=self.headers)
        response.raise_for_status()
        return response.json()

    async def login(self, login: str) -> "Api":
        response = await self.client.post(
            "/api/auth/login", json={"login": login, "password": DEMO_PASSWORD}
        )
        response.raise_for_status()
        return Api(self.client, response.json()["access_token"])


def demo_school(now: datetime) -> GeneratedSchool:
    """The generated demo school as it stands `now`, its demo people renamed."""
    today = now.astimezone(ZONE).date()
    year = SchoolYear(today.year if today >= date(today.year, 9, 1) else today.year - 1)
    school = build_school(seed=239, number=1, scale=DEMO_SCALE, year=year, until=now)
    school.name = SCHOOL_NAME
    fifth = next(c for c in school.classes if c.name == "5А")
    maths = next(
        a for a in school.assignments if a.school_class is fifth and a.subject.name == "Математика"
    )
    if fifth.class_teacher is None or fifth.class_teacher is maths.teacher:
        raise RuntimeError("the demo needs 5А's class teacher apart from its maths teacher")
    pupil = fifth.students[0]
    people = {
        "admin": school.admin,
        "director": next(m for m in school.staff if "director" in m.roles),
        "deputy": next(m for m in school.staff if "deputy" in m.roles),
        "teacher": maths.teacher,
        "class-teacher": fifth.class_teacher,
        "student": pupil,
        "parent": pupil.guardians[0],
    }
    for login, person in people.items():
        person.login = login
    return school


async def demo_exists(auth_url: str) -> bool:
    conn = await asyncpg.connect(asyncpg_dsn(auth_url))
    try:
        return bool(
            await conn.fetchval("SELECT EXISTS (SELECT FROM accounts WHERE login = 'admin')")
        )
    finally:
        await conn.close()


async def start_over_if_interrupted(postgres: EmbeddedPostgres, databases: list[str]) -> bool:
    """Drop and make anew the databases a first start left half-seeded; whether it did."""
    if await postgres.seed_state() != SEEDING:
        return False
    print(
        "Прошлый первый запуск прервался, пока создавалась демо-школа: "
        "её базы данных создаются заново.",
        file=sys.stderr,
        flush=True,
    )
    await postgres.recreate(databases)
    return True


async def seed_demo_school(
    database_urls: Mapping[str, str], postgres: EmbeddedPostgres | None = None
) -> bool:
    """Write the demo school into the services' databases unless it is there already;
    returns whether it was written. `postgres` is the embedded server when it holds all five
    databases: the seed's progress is then recorded there (see the module's docstring)."""
    if postgres is not None and await postgres.seed_state() == SEEDED:
        return False
    if await demo_exists(database_urls["auth"]):
        if postgres is not None:  # a data directory seeded before the record was kept
            await postgres.mark_seed(SEEDED)
        return False
    if postgres is not None:
        await postgres.mark_seed(SEEDING)
    print("Создаётся демо-школа (только при первом запуске)...", file=sys.stderr, flush=True)
    school = demo_school(datetime.now(UTC))
    connections = {s: await asyncpg.connect(asyncpg_dsn(u)) for s, u in database_urls.items()}
    try:
        await write_school(connections, school, await hash_password(DEMO_PASSWORD))
    except asyncpg.UniqueViolationError as error:
        # Part of a school can be there only where the seed was not recorded: databases
        # given by URL, or a data directory seeded before the record was kept. The latter
        # is now recorded as begun, so the next start makes its databases anew.
        raise StartupProblem(
            "В базах данных уже есть часть демо-школы: прошлый первый запуск прервался. "
            + (
                "Запустите ещё раз: базы данных встроенного PostgreSQL будут созданы заново."
                if postgres is not None
                else "Пересоздайте базы, заданные через <SERVICE>_DATABASE_URL, "
                "или запустите без демо-школы: ./school up --no-seed"
            )
        ) from error
    finally:
        for conn in connections.values():
            await conn.close()
    if postgres is not None:
        await postgres.mark_seed(SEEDED)
    return True


async def fill_this_week(base_url: str) -> None:
    """Give this week lessons with topics, homework and marks, unless it has them already.

    Everything is found through the API, as a teacher would: their assignments, the class
    list, and the demo pupil's diary (whose parent holds the demo login)."""
    async with httpx.AsyncClient(base_url=base_url, timeout=30.0) as client:
        await _fill_this_week(Api(client))


def school_day(year: Mapping[str, Any], day: date) -> bool:
    """Lessons are held on `day` by the calendar of `year` (journal's YearOut)."""

    def holds(span: Mapping[str, Any]) -> bool:
        return date.fromisoformat(span["starts_on"]) <= day <= date.fromisoformat(span["ends_on"])

    return any(holds(p) for p in year["periods"]) and not any(holds(h) for h in year["holidays"])


async def _fill_this_week(anonymous: Api) -> None:
    parent = await anonymous.login("parent")
    child = (await parent.get("/api/auth/me"))["children"][0]
    if (await parent.get(f"/api/journal/diary/{child}"))["days"]:
        return
    today = datetime.now(ZONE).date()  # the school's day, as journal and the client count it
    monday = today - timedelta(days=today.weekday())
    years = (await parent.get("/api/journal/years"))["items"]
    days = [
        day
        for day in (monday + timedelta(days=i) for i in range(min(today.weekday() + 1, 5)))
        if any(school_day(year, day) for year in years)
    ]
    if not days:
        return  # a holiday's week, or the summer's
    rng = random.Random(today.toordinal())  # noqa: S311 - demo data, not secrets
    for teacher_login in ("teacher", "class-teacher"):
        teacher = await anonymous.login(teacher_login)
        for assignment in (await teacher.get("/api/journal/assignments"))["items"]:
            class_list = await teacher.get(
                f"/api/journal/classes/{assignment['class_id']}/students"
            )
            if child not in {s["student_id"] for s in class_list["items"]}:
                continue  # only the demo pupil's class
            others = [s["student_id"] for s in class_list["items"] if s["student_id"] != child]
            topics = TOPICS.get(assignment["subject_name"], ("Повторение",))
            for number, day in enumerate(days):
                response = await teacher.client.post(
                    "/api/journal/lessons",
                    json={
                        "assignment_id": assignment["assignment_id"],
                        "date": day.isoformat(),
                        "topic": topics[number % len(topics)],
                        "homework": f"§ {12 + number}, упр. {100 + rng.randrange(50)}",
                    },
                    headers=teacher.headers,
                )
                if response.status_code == 422 and response.json().get("type", "").endswith(
                    (":holiday", ":outside-periods")
                ):
                    continue  # no lessons on the school calendar's days off
                response.raise_for_status()
                lesson = response.json()
                chosen = rng.sample(others, k=min(3, len(others))) + [child] * (number % 2 == 0)
                for student_id in chosen:
                    await teacher.post(
                        f"/api/journal/lessons/{lesson['lesson_id']}/marks",
                        {
                            "student_id": student_id,
                            "value": rng.choices([5, 4, 3, 2], weights=[4, 5, 2, 1])[0],
                            "work_type": rng.choice(
                                ["answer", "answer", "homework", "independent"]
                            ),
                        },
                    )
