"""Who may do what in the roster, as a matrix over every roster endpoint and every role
(DESIGN.md §2): the director and the deputy keep every class; the class teacher their own
class; a subject teacher reads the lists of the classes they teach; students and parents
have nothing here but the student's remarks. Another school's objects are not found."""

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from journal_world import World, table_counts

ADMIN = {"director", "deputy"}
KEEP = ADMIN | {"class_teacher"}
READ = KEEP | {"teacher"}
STAFF = READ | {"outsider"}
ROLES = (
    "sysadmin",
    "director",
    "deputy",
    "teacher",
    "class_teacher",
    "outsider",
    "student",
    "parent",
)
CSV = "Фамилия;Имя;Дата рождения\r\nНовикова;Вера;03.03.2015\r\n".encode()


@dataclass(frozen=True)
class Call:
    name: str
    method: str
    path: str
    allowed: set[str]
    json: dict[str, Any] | None = None
    upload: bool = False

    async def send(self, client: httpx.AsyncClient, headers: dict[str, str]) -> httpx.Response:
        if self.upload:
            files = {"file": ("list.csv", CSV, "text/csv")}
            return await client.post(self.path, headers=headers, files=files)
        return await client.request(self.method, self.path, headers=headers, json=self.json)


async def prepare(world: World) -> dict[str, uuid.UUID]:
    """A group with the student in it and a student about to leave, made by the deputy."""
    group = await world.post("deputy", f"/classes/{world.class_id}/groups", {"name": "Англ-1"})
    group_id = uuid.UUID(group["group_id"])
    await world.post(
        "deputy",
        f"/groups/{group_id}/members",
        {"student_id": str(world.student_id), "starts_on": "2026-10-01"},
    )
    return {"group": group_id, "leaver": await world.enroll(world.class_id, "Уходящий")}


def calls(world: World, ids: dict[str, uuid.UUID], who: str) -> list[Call]:
    c, s, mate = world.class_id, world.student_id, world.classmate_id
    g, guardian = ids["group"], world.ids["guardian"]
    return [
        Call("school's classes", "GET", "/classes", STAFF),
        Call("class list", "GET", f"/classes/{c}/students", READ),
        Call("class groups", "GET", f"/classes/{c}/groups", READ),
        Call("group list", "GET", f"/groups/{g}/students", READ),
        Call("open group", "POST", f"/classes/{c}/groups", KEEP, {"name": f"Группа {who}"}),
        Call(
            "join group",
            "POST",
            f"/groups/{g}/members",
            KEEP,
            {"student_id": str(mate), "starts_on": "2026-10-01"},
        ),
        Call(
            "leave group",
            "POST",
            f"/groups/{g}/members/{s}/leave",
            KEEP,
            {"last_day": "2026-11-30"},
        ),
        Call("student card", "GET", f"/students/{s}", KEEP),
        Call("correct student", "PATCH", f"/students/{s}", KEEP, {"first_name": "Глеб"}),
        Call("student history", "GET", f"/students/{s}/history", KEEP),
        Call(
            "record guardian",
            "POST",
            "/guardians",
            KEEP,
            {"last_name": "Смирнов", "first_name": "Олег", "student_ids": [str(s)]},
        ),
        Call("correct guardian", "PATCH", f"/guardians/{guardian}", KEEP, {"email": "o@x.ru"}),
        Call("link", "PUT", f"/guardians/{guardian}/students/{mate}", KEEP, {"kind": "mother"}),
        Call("unlink", "DELETE", f"/guardians/{guardian}/students/{mate}", KEEP),
        Call(
            "write remark",
            "POST",
            f"/students/{s}/remarks",
            {"class_teacher", "teacher"},
            {"kind": "praise", "text": "Молодец", "date": "2026-11-23"},
        ),
        Call("student remarks", "GET", f"/students/{s}/remarks", READ | {"student", "parent"}),
        Call("class remarks", "GET", f"/classes/{c}/remarks", KEEP),
        Call("import", "POST", f"/classes/{c}/import", KEEP, upload=True),
        Call(
            "enroll",
            "POST",
            "/students",
            KEEP,
            {
                "class_id": str(c),
                "last_name": "Новый",
                "first_name": "Ян",
                "birth_date": "2015-01-01",
            },
        ),
        Call(
            "transfer",
            "POST",
            f"/students/{mate}/transfer",
            ADMIN,
            {"class_id": str(world.ids["parallel_class"]), "on": "2026-11-16"},
        ),
        Call(
            "leave school",
            "POST",
            f"/students/{ids['leaver']}/leave",
            KEEP,
            {"last_day": "2026-11-30"},
        ),
    ]


@pytest.mark.parametrize("who", ROLES)
async def test_every_roster_endpoint_answers_each_role_as_the_rules_say(
    world: World, who: str
) -> None:
    ids = await prepare(world)
    answers: dict[str, int] = {}
    for call in calls(world, ids, who):
        before = await table_counts(world.db)
        response = await call.send(world.client, world.auth(who))
        answers[call.name] = response.status_code
        if response.status_code >= 300:
            assert response.headers["content-type"].startswith("application/problem+json")
            assert await table_counts(world.db) == before, call.name

    expected = {
        call.name: "allowed" if who in call.allowed else "forbidden"
        for call in calls(world, ids, who)
    }
    assert {
        name: "allowed" if status < 300 else "forbidden" if status == 403 else status
        for name, status in answers.items()
    } == expected


async def test_a_class_teacher_keeps_no_other_class(world: World) -> None:
    other_class = world.ids["parallel_class"]
    other_student = world.ids["parallel_student"]
    for method, path, body in (
        ("GET", f"/classes/{other_class}/students", None),
        ("POST", f"/classes/{other_class}/groups", {"name": "Англ"}),
        ("GET", f"/students/{other_student}", None),
        ("PATCH", f"/students/{other_student}", {"first_name": "Глеб"}),
        ("POST", f"/students/{other_student}/leave", {"last_day": "2026-11-30"}),
        (
            "POST",
            f"/students/{other_student}/remarks",
            {"kind": "remark", "text": "x", "date": "2026-11-23"},
        ),
        ("GET", f"/classes/{other_class}/remarks", None),
    ):
        response = await world.client.request(
            method, path, headers=world.auth("class_teacher"), json=body
        )
        assert response.status_code == 403, (method, path)


async def test_another_schools_roster_is_not_found(world: World, other: World) -> None:
    ids = await prepare(other)
    for call in calls(other, ids, "deputy"):
        if call.path == "/students" or call.path == "/guardians":
            continue  # the other school's objects travel in the body here: below
        if call.path == "/classes":
            continue  # the caller's own school's list: its own test
        who = "deputy" if "deputy" in call.allowed else "class_teacher"
        response = await call.send(world.client, world.auth(who))
        assert response.status_code == 404, call.name
    for path, body in (
        (
            "/students",
            {
                "class_id": str(other.class_id),
                "last_name": "Я",
                "first_name": "Я",
                "birth_date": "2015-01-01",
            },
        ),
        (
            "/guardians",
            {"last_name": "Я", "first_name": "Я", "student_ids": [str(other.student_id)]},
        ),
    ):
        response = await world.client.post(path, headers=world.auth("deputy"), json=body)
        assert response.status_code == 404, path


async def test_without_a_token_every_roster_endpoint_answers_401(world: World) -> None:
    ids = await prepare(world)
    for call in calls(world, ids, "nobody"):
        response = await call.send(world.client, {})
        assert response.status_code == 401, call.name


async def test_the_school_lists_its_classes_and_a_class_teacher_finds_their_own(
    world: World, other: World
) -> None:
    response = await world.client.get("/classes", headers=world.auth("deputy"))
    assert response.status_code == 200, response.text
    assert [(c["name"], c["students"]) for c in response.json()["items"]] == [
        ("5А", 2),
        ("5Б", 1),
    ]
    mine = await world.client.get(
        "/classes", params={"led_by_me": "true"}, headers=world.auth("class_teacher")
    )
    ((led,),) = [mine.json()["items"]]
    assert (led["class_id"], led["class_teacher_id"]) == (
        str(world.class_id),
        str(world.class_teacher),
    )
    # A teacher who leads no class leads none; another school's classes are not listed.
    none = await world.client.get(
        "/classes", params={"led_by_me": "true"}, headers=world.auth("outsider")
    )
    assert none.json()["items"] == []
    theirs = await other.client.get("/classes", headers=other.auth("deputy"))
    assert {c["class_id"] for c in theirs.json()["items"]}.isdisjoint(
        c["class_id"] for c in response.json()["items"]
    )
    bad = await world.client.get(
        "/classes", params={"led_by_me": "perhaps"}, headers=world.auth("deputy")
    )
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
