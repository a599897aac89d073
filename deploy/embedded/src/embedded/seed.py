"""The demo school: created through the services' own APIs, so every event really flows.

Runs once (when the demo administrator cannot log in yet) and prints the demo logins.
"""

import asyncio
import random
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from functools import partial
from typing import Any, TypeVar

import httpx
from fastapi import FastAPI

T = TypeVar("T")

DEMO_PASSWORD = "demo-2026"
SCHOOL_NAME = "ГБОУ СОШ № 239 (демо)"
TIMEZONE = "Europe/Moscow"

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

STAFF = [
    # login, last, first, middle, roles
    ("director", "Соколова", "Ирина", "Владимировна", ["director"]),
    ("deputy", "Кузнецов", "Андрей", "Петрович", ["deputy"]),
    ("teacher", "Морозова", "Елена", "Сергеевна", ["teacher"]),
    ("class-teacher", "Волков", "Дмитрий", "Александрович", ["teacher", "class_teacher"]),
]

SUBJECTS = [
    ("Математика", "teacher"),
    ("Русский язык", "class-teacher"),
    ("Литература", "class-teacher"),
]

MALE = [
    ("Иванов", "Артём"),
    ("Смирнов", "Максим"),
    ("Попов", "Иван"),
    ("Васильев", "Михаил"),
    ("Петров", "Даниил"),
    ("Новиков", "Кирилл"),
    ("Фёдоров", "Егор"),
    ("Козлов", "Никита"),
    ("Лебедев", "Матвей"),
    ("Семёнов", "Тимофей"),
    ("Егоров", "Роман"),
]
FEMALE = [
    ("Павлова", "Анна"),
    ("Голубева", "Мария"),
    ("Виноградова", "София"),
    ("Богданова", "Алиса"),
    ("Воробьёва", "Виктория"),
    ("Фролова", "Полина"),
    ("Медведева", "Варвара"),
    ("Белова", "Ксения"),
    ("Тарасова", "Дарья"),
    ("Беляева", "Вероника"),
    ("Орлова", "Ева"),
]
FATHER_NAMES = ["Александр", "Сергей", "Алексей", "Андрей", "Дмитрий", "Евгений", "Николай"]
MOTHER_NAMES = ["Елена", "Ольга", "Наталья", "Татьяна", "Юлия", "Светлана", "Екатерина"]
TOPICS = {
    "Математика": [
        "Обыкновенные дроби",
        "Сравнение дробей",
        "Сложение и вычитание дробей",
        "Смешанные числа",
        "Решение задач на дроби",
    ],
    "Русский язык": [
        "Имя существительное",
        "Склонение существительных",
        "Правописание -тся и -ться",
        "Имя прилагательное",
        "Словосочетание",
    ],
    "Литература": [
        "И. С. Тургенев «Муму»",
        "Н. А. Некрасов «Крестьянские дети»",
        "Л. Н. Толстой «Кавказский пленник»",
        "А. П. Чехов «Хирургия»",
        "Поэзия о Родине",
    ],
}


async def eventually(action: Callable[[], Awaitable[T]], within: float = 60.0) -> T:
    """Retry until the other services have caught up with the events (or time out)."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        try:
            return await action()
        except httpx.HTTPStatusError:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.2)


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


async def seed_demo_school(base_url: str, auth_app: FastAPI) -> bool:
    """Create the demo school unless it exists; returns whether anything was created."""
    from auth.service import provision_school

    async with httpx.AsyncClient(base_url=base_url, timeout=30.0) as client:
        anonymous = Api(client)
        probe = await client.post(
            "/api/auth/login", json={"login": "admin", "password": DEMO_PASSWORD}
        )
        if probe.status_code == 200:
            await fill_this_week(anonymous)  # a demo started again in a later week
            return False
        async with auth_app.state.db.transaction() as session:
            await provision_school(
                session,
                name=SCHOOL_NAME,
                timezone=TIMEZONE,
                admin_login="admin",
                admin_password=DEMO_PASSWORD,
                admin_last_name="Никитин",
                admin_first_name="Олег",
                passwords=auth_app.state.passwords,
            )
        admin = await anonymous.login("admin")
        staff: dict[str, str] = {}
        for login, last, first, middle, roles in STAFF:
            created = await admin.post(
                "/api/auth/staff",
                {
                    "login": login,
                    "password": DEMO_PASSWORD,
                    "last_name": last,
                    "first_name": first,
                    "middle_name": middle,
                    "roles": roles,
                },
            )
            staff[login] = created["account_id"]

        deputy = await anonymous.login("deputy")
        school_class = await eventually(
            lambda: deputy.post(
                "/api/journal/classes",
                {
                    "name": "5А",
                    "grade": 5,
                    "class_teacher_id": staff["class-teacher"],
                },
            )
        )
        class_id = school_class["class_id"]
        for subject_name, teacher_login in SUBJECTS:
            subject = await deputy.post("/api/journal/subjects", {"name": subject_name})
            body = {
                "teacher_id": staff[teacher_login],
                "class_id": class_id,
                "subject_id": subject["subject_id"],
            }
            await eventually(partial(deputy.post, "/api/journal/assignments", body))

        rng = random.Random(239)  # noqa: S311 - demo data, not secrets
        pupils = [(last, first, "M") for last, first in MALE] + [
            (last, first, "F") for last, first in FEMALE
        ]
        rng.shuffle(pupils)
        for index, (last, first, sex) in enumerate(pupils[:20]):
            father = rng.choice(FATHER_NAMES)
            middle = father + ("ович" if sex == "M" else "овна")
            if father.endswith("й"):
                middle = father[:-1] + ("евич" if sex == "M" else "евна")
            born = date(2015, 1, 1) + timedelta(days=rng.randrange(365))
            student = await deputy.post(
                "/api/journal/students",
                {
                    "class_id": class_id,
                    "last_name": last,
                    "first_name": first,
                    "middle_name": middle,
                    "birth_date": born.isoformat(),
                },
            )
            mother_last = last if sex == "F" else last + "а"
            guardian = await deputy.post(
                "/api/journal/guardians",
                {
                    "last_name": mother_last,
                    "first_name": rng.choice(MOTHER_NAMES),
                    "middle_name": rng.choice(["Ивановна", "Петровна", "Сергеевна", "Викторовна"]),
                    "phone": f"+7 921 {rng.randrange(100, 999)}-{rng.randrange(10, 99)}-"
                    f"{rng.randrange(10, 99)}",
                    "student_ids": [student["student_id"]],
                },
            )
            if index == 0:
                for person_id, kind in (
                    (student["student_id"], "student"),
                    (guardian["guardian_id"], "parent"),
                ):
                    credentials = {
                        "person_id": person_id,
                        "kind": kind,
                        "login": kind,
                        "password": DEMO_PASSWORD,
                    }
                    await eventually(partial(deputy.post, "/api/auth/credentials", credentials))

        await fill_this_week(anonymous)
        return True


async def fill_this_week(anonymous: Api) -> None:
    """Give this week lessons with topics, homework and marks, unless it has them already.

    Everything is found through the API, as a teacher would: their assignments, the class
    list, and the demo pupil's diary (whose parent holds the demo login)."""
    parent = await anonymous.login("parent")
    child = (await parent.get("/api/auth/me"))["children"][0]
    if (await parent.get(f"/api/journal/diary/{child}"))["days"]:
        return
    today = date.today()
    monday = today - timedelta(days=today.weekday())
    days = [monday + timedelta(days=i) for i in range(min(today.weekday() + 1, 5))]
    rng = random.Random(today.toordinal())  # noqa: S311 - demo data, not secrets
    for teacher_login in ("teacher", "class-teacher"):
        teacher = await anonymous.login(teacher_login)
        for assignment in (await teacher.get("/api/journal/assignments"))["items"]:
            class_list = await teacher.get(
                f"/api/journal/classes/{assignment['class_id']}/students"
            )
            others = [s["student_id"] for s in class_list["items"] if s["student_id"] != child]
            topics = TOPICS.get(assignment["subject_name"], ["Повторение"])
            for number, day in enumerate(days):
                lesson = await teacher.post(
                    "/api/journal/lessons",
                    {
                        "assignment_id": assignment["assignment_id"],
                        "date": day.isoformat(),
                        "topic": topics[number % len(topics)],
                        "homework": f"§ {12 + number}, упр. {100 + rng.randrange(50)}",
                    },
                )
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
