"""A school as messaging's directory learns it from journal's and auth's events, with
tokens as auth would issue them, for the mail tests."""

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx
from sqlalchemy import text

from shared.contracts.auth import StaffAccountCreated
from shared.contracts.journal import (
    AssignmentMade,
    ClassOpened,
    GuardianLinked,
    StudentEnrolledV2,
)
from shared.db import Database
from shared.events import CloudEvent, Event
from shared.testing import TokenFactory

Deliver = Callable[[Event], Awaitable[CloudEvent]]

MAIL = "/api/messaging/mail"
PROBLEM = "application/problem+json"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Person:
    """Someone with a mailbox: `id` is their mailbox (staff account or roster person)."""

    id: uuid.UUID
    token: str
    kind: str

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.token)


@dataclass
class School:
    """A school with two classes of grade 5 and one of grade 6.

    5А: class teacher `class_teacher`, mathematics by `teacher`; students `student`
    (parent `parent`) and `classmate` (parent `other_parent`). 5Б: `student_5b`
    (`parent_5b`), taught by `teacher_5b`. 6А: `student_6a` (`parent_6a`), taught by
    `teacher_6a`, who teaches nothing in 5А. Plus a director, a deputy, a sysadmin."""

    id: uuid.UUID
    tokens: TokenFactory
    deliver: Deliver
    classes: dict[str, uuid.UUID] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Person:
        try:
            found: Person = self.__dict__["people"][name]
            return found
        except KeyError:
            raise AttributeError(name) from None

    async def staff(self, key: str, roles: list[str], last_name: str) -> Person:
        account = uuid.uuid4()
        await self.deliver(
            StaffAccountCreated(
                school_id=self.id,
                account_id=account,
                last_name=last_name,
                first_name="Анна",
                middle_name="Петровна",
                roles=roles,
            )
        )
        token = self.tokens.token(school_id=self.id, roles=roles, account_id=account)
        self.people[key] = Person(account, token, "staff")
        return self.people[key]

    async def open_class(
        self, name: str, grade: int, class_teacher: Person | None = None
    ) -> uuid.UUID:
        class_id = uuid.uuid4()
        await self.deliver(
            ClassOpened(
                school_id=self.id,
                class_id=class_id,
                name=name,
                grade=grade,
                class_teacher_id=class_teacher.id if class_teacher else None,
            )
        )
        self.classes[name] = class_id
        return class_id

    async def assign(self, teacher: Person, class_name: str, subject: str) -> None:
        await self.deliver(
            AssignmentMade(
                school_id=self.id,
                assignment_id=uuid.uuid4(),
                teacher_id=teacher.id,
                class_id=self.classes[class_name],
                subject_id=uuid.uuid4(),
                subject_name=subject,
            )
        )

    async def family(self, student_key: str, parent_key: str, class_name: str) -> None:
        student, parent = uuid.uuid4(), uuid.uuid4()
        await self.deliver(
            StudentEnrolledV2(
                school_id=self.id,
                student_id=student,
                class_id=self.classes[class_name],
                enrollment_id=uuid.uuid4(),
                starts_on=date(2026, 9, 1),
            )
        )
        await self.deliver(
            GuardianLinked(school_id=self.id, guardian_id=parent, student_id=student)
        )
        self.people[student_key] = Person(
            student,
            self.tokens.token(school_id=self.id, roles=["student"], person_id=student),
            "student",
        )
        self.people[parent_key] = Person(
            parent,
            self.tokens.token(
                school_id=self.id, roles=["parent"], person_id=parent, children=[student]
            ),
            "parent",
        )


async def build_school(tokens: TokenFactory, deliver: Deliver) -> School:
    school = School(uuid.uuid4(), tokens, deliver)
    await school.staff("director", ["director"], "Директорова")
    await school.staff("deputy", ["deputy"], "Завучева")
    await school.staff("sysadmin", ["sysadmin"], "Админова")
    await school.staff("class_teacher", ["teacher", "class_teacher"], "Классова")
    await school.staff("teacher", ["teacher"], "Математикова")
    await school.staff("teacher_5b", ["teacher"], "Русская")
    await school.staff("teacher_6a", ["teacher"], "Физикова")
    await school.open_class("5А", 5, school.class_teacher)
    await school.open_class("5Б", 5)
    await school.open_class("6А", 6)
    await school.assign(school.teacher, "5А", "Математика")
    await school.assign(school.class_teacher, "5А", "Литература")
    await school.assign(school.teacher_5b, "5Б", "Русский язык")
    await school.assign(school.teacher_6a, "6А", "Физика")
    await school.family("student", "parent", "5А")
    await school.family("classmate", "other_parent", "5А")
    await school.family("student_5b", "parent_5b", "5Б")
    await school.family("student_6a", "parent_6a", "6А")
    return school


async def send(
    client: httpx.AsyncClient, sender: Person, to: list[dict[str, Any]], **fields: Any
) -> httpx.Response:
    body = {"subject": "Родительское собрание", "body": "Собрание в пятницу в 18:00.", "to": to}
    body.update(fields)
    return await client.post(f"{MAIL}/messages", json=body, headers=sender.headers)


def person(p: Person) -> dict[str, Any]:
    return {"kind": "person", "id": str(p.id)}


async def inbox(client: httpx.AsyncClient, reader: Person, **params: Any) -> dict[str, Any]:
    response = await client.get(f"{MAIL}/messages", params=params, headers=reader.headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def count(db: Database, sql: str, **params: Any) -> int:
    async with db.transaction() as session:
        return int(await session.scalar(text(sql), params) or 0)


async def outbox_of(db: Database, routing_key: str) -> list[dict[str, Any]]:
    async with db.transaction() as session:
        rows = await session.execute(
            text("SELECT envelope FROM outbox WHERE routing_key = :key ORDER BY created_at"),
            {"key": routing_key},
        )
        return [row.envelope for row in rows]
