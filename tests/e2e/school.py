"""A school set up through the gateway, as its staff would do it, for the e2e tests."""

import base64
import json
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, TypeVar

import httpx

T = TypeVar("T")
PASSWORD = "e2e-secret-2026"


def eventually(probe: Callable[[], T | None], timeout: float = 30.0, interval: float = 0.2) -> T:
    """Poll until probe returns something truthy (events travel asynchronously)."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = probe()
            if value:
                return value
        except (httpx.HTTPStatusError, AssertionError) as exc:
            last_error = exc
        time.sleep(interval)
    raise AssertionError(f"not reached within {timeout}s (last error: {last_error!r})")


@dataclass
class Caller:
    http: httpx.Client
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def claims(self) -> dict[str, Any]:
        payload = self.token.split(".")[1]
        return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))

    def raw_get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.http.get(path, headers=self.headers, **kwargs)

    def raw_post(self, path: str, body: dict[str, Any], **kwargs: Any) -> httpx.Response:
        return self.http.post(path, json=body, headers=self.headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> Any:
        response = self.raw_get(path, **kwargs)
        response.raise_for_status()
        return response.json()

    def post(self, path: str, body: dict[str, Any], **kwargs: Any) -> Any:
        response = self.raw_post(path, body, **kwargs)
        response.raise_for_status()
        return response.json()


def year_around(day: date) -> dict[str, Any]:
    """An academic year from 100 days before `day` to 100 days after, in quarters and
    halves, no holidays: every day of it a school day."""

    def span(first: date, last: date) -> dict[str, str]:
        return {"starts_on": first.isoformat(), "ends_on": last.isoformat()}

    start, end = day - timedelta(days=100), day + timedelta(days=100)
    quarters = [
        (start, day - timedelta(days=51)),
        (day - timedelta(days=50), day),
        (day + timedelta(days=1), day + timedelta(days=50)),
        (day + timedelta(days=51), end),
    ]
    return {
        **span(start, end),
        "periods": [
            *({"kind": "quarter", "number": n, **span(*q)} for n, q in enumerate(quarters, 1)),
            {"kind": "half", "number": 1, **span(start, day)},
            {"kind": "half", "number": 2, **span(day + timedelta(days=1), end)},
        ],
        "holidays": [],
    }


@dataclass
class School:
    http: httpx.Client
    school_id: str = ""
    ids: dict[str, str] = field(default_factory=dict)
    lesson_date: str = field(default_factory=lambda: date.today().isoformat())

    student_id = property(lambda self: self.ids["student"])
    other_student_id = property(lambda self: self.ids["other_student"])
    lesson_id = property(lambda self: self.ids["lesson"])

    def login(self, login: str) -> Caller:
        response = self.http.post("/api/auth/login", json={"login": login, "password": PASSWORD})
        response.raise_for_status()
        return Caller(self.http, response.json()["access_token"])

    def activate(self, issued: dict[str, Any]) -> None:
        """The first sign-in of an issued account, with its code; the password is PASSWORD."""
        response = self.http.post(
            "/api/auth/activate",
            json={
                "login": issued["login"],
                "code": issued["activation"]["code"],
                "new_password": PASSWORD,
            },
        )
        response.raise_for_status()

    @classmethod
    def provision(cls, http: httpx.Client, auth_env: dict[str, str]) -> "School":
        """Provision the school with auth's CLI, then set it up through the API."""
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "auth.provision",
                "--name",
                "Школа № 1 (e2e)",
                "--timezone",
                "Europe/Moscow",
                "--admin-login",
                "admin",
                "--admin-password-env",
                "E2E_ADMIN_PASSWORD",
                "--admin-last-name",
                "Никитин",
                "--admin-first-name",
                "Олег",
            ],
            env={**auth_env, "E2E_ADMIN_PASSWORD": PASSWORD},
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        )
        provisioned = json.loads(result.stdout.strip().splitlines()[-1])
        school = cls(http, school_id=provisioned["school_id"])
        school.set_up()
        return school

    def set_up(self) -> None:
        admin = self.login("admin")
        staff = {}
        for login, roles in [
            ("deputy", ["deputy"]),
            ("teacher", ["teacher"]),
            ("other-teacher", ["teacher"]),
        ]:
            issued = admin.post(
                "/api/auth/staff",
                {
                    "login": login,
                    "last_name": "Петрова",
                    "first_name": "Анна",
                    "middle_name": "Ивановна",
                    "roles": roles,
                },
            )
            self.activate(issued)
            staff[login] = issued["account_id"]
        deputy = self.login("deputy")
        class_id = eventually(
            lambda: deputy.post("/api/journal/classes", {"name": "5А", "grade": 5})
        )["class_id"]
        subject_id = deputy.post("/api/journal/subjects", {"name": "Математика"})["subject_id"]
        # A lesson lives in the school's calendar: a year around the lesson's day.
        deputy.post("/api/journal/years", year_around(date.fromisoformat(self.lesson_date)))
        assignment_id = eventually(
            lambda: deputy.post(
                "/api/journal/assignments",
                {
                    "teacher_id": staff["teacher"],
                    "class_id": class_id,
                    "subject_id": subject_id,
                },
            )
        )["assignment_id"]
        students = [
            deputy.post(
                "/api/journal/students",
                {
                    "class_id": class_id,
                    "last_name": last,
                    "first_name": first,
                    "birth_date": "2015-03-14",
                },
            )["student_id"]
            for last, first in [("Иванов", "Артём"), ("Смирнова", "Мария")]
        ]
        guardian_id = deputy.post(
            "/api/journal/guardians",
            {
                "last_name": "Иванова",
                "first_name": "Елена",
                "middle_name": "Сергеевна",
                "student_ids": [students[0]],
            },
        )["guardian_id"]
        self.activate(
            eventually(
                lambda: deputy.post(
                    "/api/auth/credentials",
                    {"person_id": students[0], "kind": "student", "login": "student"},
                )
            )
        )
        self.activate(
            eventually(
                lambda: deputy.post(
                    "/api/auth/credentials",
                    {"person_id": guardian_id, "kind": "parent", "login": "parent"},
                )
            )
        )
        teacher = self.login("teacher")
        lesson_id = teacher.post(
            "/api/journal/lessons",
            {
                "assignment_id": assignment_id,
                "date": self.lesson_date,
                "topic": "Обыкновенные дроби",
            },
        )["lesson_id"]
        self.ids.update(
            class_=class_id,
            subject=subject_id,
            assignment=assignment_id,
            student=students[0],
            other_student=students[1],
            guardian=guardian_id,
            lesson=lesson_id,
        )
        self.ids["class"] = class_id

    def post_mark(self, teacher: Caller, value: int, work_type: str = "answer") -> dict[str, Any]:
        response = teacher.raw_post(
            f"/api/journal/lessons/{self.lesson_id}/marks",
            {
                "student_id": self.student_id,
                "value": value,
                "work_type": work_type,
            },
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    def notifications(self, caller: Caller) -> list[dict[str, Any]]:
        """All of the caller's notifications, page by page."""
        items: list[dict[str, Any]] = []
        while True:
            page = caller.get(
                "/api/messaging/notifications", params={"limit": 100, "offset": len(items)}
            )
            items += page["items"]
            if not page["items"] or len(items) >= page["total"]:
                return items

    def notification_for(self, caller: Caller, mark_id: str) -> dict[str, Any] | None:
        found = [n for n in self.notifications(caller) if n["payload"].get("mark_id") == mark_id]
        assert len(found) <= 1, "a mark must notify each recipient once"
        return found[0] if found else None

    def average(self) -> dict[str, Any]:
        deputy = self.login("deputy")
        params = {"class_id": self.ids["class"], "subject_id": self.ids["subject"]}
        return dict(deputy.get("/api/reporting/class-subject-average", params=params))

    def average_if(self, condition: Callable[[dict[str, Any]], bool]) -> dict[str, Any] | None:
        average = self.average()
        return average if condition(average) else None
