"""End to end, a quarter of one class as a school runs it, through the gateway of the
distributed cluster (every service its API, relay and consumer processes, RabbitMQ,
PostgreSQL, nginx): the deputy sets the year, the bell schedule and the timetable and has
the quarter's lessons made; the teacher fills the journal page (marks, attendance, topic,
homework), corrects a mark and sets the final marks; the parent and the student follow it
in the diary and get notified; the deputy closes the quarter (the journal then refuses
changes) and the year, and the archive's service credential exports the closed year with
the manifest the closing announced.

The school is a fresh one of this test's own, so closing its year touches no other test."""

import datetime as dt
import json
import subprocess
import sys
import uuid
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from cluster import Cluster
from tests.e2e.school import PASSWORD, Caller, eventually

pytestmark = [pytest.mark.e2e, pytest.mark.rabbitmq]

ZONE = "Europe/Moscow"


def calendar(today: dt.date) -> dict[str, Any]:
    """A year around today whose second quarter ends today: its lessons are all held."""
    start, end = today - dt.timedelta(days=56), today + dt.timedelta(days=56)

    def span(first: dt.date, last: dt.date) -> dict[str, str]:
        return {"starts_on": first.isoformat(), "ends_on": last.isoformat()}

    day = dt.timedelta(days=1)
    quarters = [
        (start, today - 11 * day),
        (today - 10 * day, today),
        (today + day, today + 28 * day),
        (today + 29 * day, end),
    ]
    return {
        **span(start, end),
        "periods": [
            *({"kind": "quarter", "number": n, **span(*q)} for n, q in enumerate(quarters, 1)),
            {"kind": "half", "number": 1, **span(start, today)},
            {"kind": "half", "number": 2, **span(today + day, end)},
        ],
        "holidays": [],
    }


class Quarter:
    """One school's people, logged in through the gateway."""

    def __init__(self, http: httpx.Client, cluster: Cluster) -> None:
        self.http = http
        self.cluster = cluster
        self.tag = uuid.uuid4().hex[:8]
        self.ids: dict[str, Any] = {}

    def login(self, who: str) -> Caller:
        response = self.http.post(
            "/api/auth/login", json={"login": f"{who}-{self.tag}", "password": PASSWORD}
        )
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

    def provision(self) -> None:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "auth.provision",
                "--name",
                f"Школа № {self.tag}",
                "--timezone",
                ZONE,
                "--admin-login",
                f"admin-{self.tag}",
                "--admin-password-env",
                "E2E_ADMIN_PASSWORD",
                "--admin-last-name",
                "Никитин",
                "--admin-first-name",
                "Олег",
            ],
            env={**self.cluster.env("auth"), "E2E_ADMIN_PASSWORD": PASSWORD},
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        )
        admin = self.login("admin")
        for who, roles in (("deputy", ["deputy"]), ("teacher", ["teacher"])):
            issued = admin.post(
                "/api/auth/staff",
                {
                    "login": f"{who}-{self.tag}",
                    "last_name": "Петрова",
                    "first_name": "Анна",
                    "roles": roles,
                },
            )
            self.activate(issued)
            self.ids[who] = issued["account_id"]

    def roster(self) -> None:
        deputy = self.login("deputy")
        self.ids["class"] = eventually(
            lambda: deputy.post("/api/journal/classes", {"name": "6Б", "grade": 6})
        )["class_id"]
        self.ids["subject"] = deputy.post("/api/journal/subjects", {"name": "История"})[
            "subject_id"
        ]
        self.ids["assignment"] = eventually(
            lambda: deputy.post(
                "/api/journal/assignments",
                {
                    "teacher_id": self.ids["teacher"],
                    "class_id": self.ids["class"],
                    "subject_id": self.ids["subject"],
                },
            )
        )["assignment_id"]
        self.ids["students"] = [
            deputy.post(
                "/api/journal/students",
                {
                    "class_id": self.ids["class"],
                    "last_name": last,
                    "first_name": "Олег",
                    "birth_date": "2014-05-20",
                    "starts_on": self.ids["year_start"],
                },
            )["student_id"]
            for last in ("Акимов", "Белов", "Волков")
        ]
        guardian = deputy.post(
            "/api/journal/guardians",
            {"last_name": "Акимова", "first_name": "Ирина", "student_ids": [self.student]},
        )["guardian_id"]
        for person, kind in ((self.student, "student"), (guardian, "parent")):
            self.activate(
                eventually(
                    lambda person=person, kind=kind: deputy.post(
                        "/api/auth/credentials",
                        {"person_id": person, "kind": kind, "login": f"{kind}-{self.tag}"},
                    )
                )
            )

    @property
    def student(self) -> str:
        return str(self.ids["students"][0])


@pytest.fixture(scope="module")
def today() -> dt.date:
    return dt.datetime.now(ZoneInfo(ZONE)).date()


def test_a_teacher_runs_a_quarter_the_family_follows_it_the_deputy_closes_and_exports(
    cluster: Cluster, today: dt.date
) -> None:
    with httpx.Client(base_url=cluster.base_url, timeout=30.0) as http:
        school = Quarter(http, cluster)
        school.provision()
        deputy = school.login("deputy")

        # The deputy: the year, the bell schedule, the timetable, the quarter's lessons.
        year = deputy.post("/api/journal/years", calendar(today))
        school.ids["year_start"] = year["starts_on"]
        school.roster()
        periods = {(p["kind"], p["number"]): p for p in year["periods"]}
        quarter = periods[("quarter", 2)]["period_id"]
        deputy.raw_get("/api/journal/bell-schedule").raise_for_status()
        response = http.put(
            "/api/journal/bell-schedule",
            json={
                "version": 0,
                "lessons": [
                    {"lesson_number": 1, "starts_at": "08:30", "ends_at": "09:15"},
                    {"lesson_number": 2, "starts_at": "09:25", "ends_at": "10:10"},
                ],
            },
            headers=deputy.headers,
        )
        assert response.status_code == 200, response.text
        for weekday in range(1, 6):
            deputy.post(
                "/api/journal/timetable/entries",
                {
                    "assignment_id": school.ids["assignment"],
                    "weekday": weekday,
                    "lesson_number": 2,
                    "valid_from": year["starts_on"],
                },
            )
        made = deputy.post(
            "/api/journal/timetable/generate",
            {"period_id": quarter, "class_id": school.ids["class"]},
        )
        assert made["created"] >= 5, made

        # The teacher: the page, one save with marks, attendance, topic and homework.
        teacher = school.login("teacher")
        page_path = f"/api/journal/assignments/{school.ids['assignment']}/periods/{quarter}/page"
        page = teacher.get(page_path)
        lessons = page["lessons"]
        assert len(lessons) == made["created"]
        assert [s["student_id"] for s in page["students"]] and len(page["students"]) == 3
        first, last = lessons[0], lessons[-1]
        students = school.ids["students"]
        changes: list[dict[str, Any]] = [
            {
                "op": "add_mark",
                "lesson_id": first["lesson_id"],
                "student_id": s,
                "value": v,
                "work_type": "answer",
            }
            for s, v in zip(students, (5, 4, 3), strict=True)
        ]
        changes += [
            {
                "op": "add_mark",
                "lesson_id": last["lesson_id"],
                "student_id": students[0],
                "value": 4,
                "work_type": "control",
            },
            {
                "op": "set_attendance",
                "lesson_id": last["lesson_id"],
                "student_id": students[2],
                "code": "Б",
                "version": 0,
            },
            {
                "op": "edit_lesson",
                "lesson_id": last["lesson_id"],
                "topic": "Древний Египет",
                "homework": {"text": "§ 7, вопросы 1–3", "due_on": None},
                "version": last["version"],
            },
        ]
        response = http.post(
            page_path,
            json={"changes": changes},
            headers={**teacher.headers, "Idempotency-Key": str(uuid.uuid4())},
        )
        assert response.status_code == 200, response.text

        # A correction, with its reason, from the page as read again.
        page = teacher.get(page_path)
        cell = next(
            c
            for c in page["cells"]
            if c["lesson_id"] == first["lesson_id"] and c["student_id"] == students[2]
        )
        (three,) = cell["marks"]
        response = http.post(
            page_path,
            json={
                "changes": [
                    {
                        "op": "change_mark",
                        "mark_id": three["mark_id"],
                        "value": 4,
                        "reason": "Ошибка при выставлении",
                        "version": three["version"],
                    }
                ]
            },
            headers=teacher.headers,
        )
        assert response.status_code == 200, response.text

        # The family follows it: the diary, the period view, homework, notifications.
        parent, student = school.login("parent"), school.login("student")
        for reader in (parent, student):
            view = reader.get(f"/api/journal/diary/{school.student}/periods/{quarter}")
            (history,) = view["subjects"]
            assert [m["value"] for m in history["marks"]] == [5, 4]
            assert history["average"] is not None
        week = parent.get(
            f"/api/journal/diary/{school.student}",
            params={"from": last["date"], "to": last["date"]},
        )
        (lesson,) = [ls for day in week["days"] for ls in day["lessons"]]
        assert lesson["topic"] == "Древний Египет"
        assert lesson["homework"] == "§ 7, вопросы 1–3"
        notices = eventually(
            lambda: [
                n
                for n in parent.get("/api/messaging/notifications")["items"]
                if "История" in n["text"]
            ]
        )
        assert notices

        # Final marks, from the suggestions.
        finals_path = (
            f"/api/journal/assignments/{school.ids['assignment']}/periods/{quarter}/finals"
        )
        column = teacher.get(finals_path)
        items = [
            {"student_id": row["student_id"], "value": row["suggested"] or "н/а"}
            for row in column["items"]
        ]
        response = http.put(finals_path, json={"items": items}, headers=teacher.headers)
        assert response.status_code == 200, response.text
        set_for_the_child = next(i["value"] for i in items if i["student_id"] == school.student)
        view = parent.get(f"/api/journal/diary/{school.student}/periods/{quarter}")
        assert view["subjects"][0]["final_mark"] == set_for_the_child

        # The deputy closes the quarter: the journal refuses changes inside it.
        closed = deputy.post(f"/api/journal/periods/{quarter}/close", {})
        assert closed["closed_at"]
        refused = http.post(
            f"/api/journal/lessons/{first['lesson_id']}/marks",
            json={"student_id": students[1], "value": 5, "work_type": "answer"},
            headers=teacher.headers,
        )
        assert refused.status_code == 409
        assert refused.json()["type"].endswith("period-closed")

        # ... then every period and the year, whose export the archive's credential reads.
        for period in year["periods"]:
            if period["period_id"] != quarter:
                response = deputy.raw_post(f"/api/journal/periods/{period['period_id']}/close", {})
                assert response.status_code == 200, response.text
        sealed = deputy.post(f"/api/journal/years/{year['year_id']}/close", {})
        manifest = sealed["manifest"]
        assert deputy.raw_get(f"/api/journal/years/{year['year_id']}/export").status_code == 403

        client = json.loads(
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "auth",
                    "service-client",
                    "add",
                    f"archive-{school.tag}",
                    "--scope",
                    "journal.export",
                ],
                env=cluster.env("auth"),
                check=True,
                capture_output=True,
                text=True,
                timeout=120,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        token = http.post(
            "/api/auth/service-token",
            data={
                "grant_type": "client_credentials",
                "client_id": client["client_id"],
                "client_secret": client["client_secret"],
                "scope": "journal.export",
            },
        )
        assert token.status_code == 200, token.text
        exported = http.get(
            f"/api/journal/years/{year['year_id']}/export",
            headers={"Authorization": f"Bearer {token.json()['access_token']}"},
        )
        assert exported.status_code == 200, exported.text
        assert exported.headers["content-type"].startswith("application/x-ndjson")
        lines = [json.loads(line) for line in exported.text.splitlines()]
        assert lines[0]["record"] == "header" and lines[-1]["record"] == "trailer"
        assert lines[-1]["manifest"] == manifest
        kinds = {line["record"] for line in lines}
        assert {"mark", "attendance", "lesson", "final_mark"} <= kinds, kinds
