"""Helpers of the auth tests: schools, staff, roster people and accounts made through the
service, and small database probes."""

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import text

from auth import service
from auth.issuance import service as issuance
from auth.passwords import Passwords
from auth.schemas import CredentialsIssue, StaffCreate
from auth.settings import Settings
from shared.db import Database

PASSWORD = "correct horse battery"


@dataclass
class RecordingSleeper:
    """Stands in for asyncio.sleep and for the sign-in's clock: remembers the delays
    instead of waiting, and (unless `frozen`) moves its clock on by them, as if it had
    waited; so sequential attempts see the time their waits took."""

    delays: list[float] = field(default_factory=list)
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    elapsed: float = 0.0
    frozen: bool = False

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        if not self.frozen:
            self.elapsed += seconds

    def now(self) -> datetime:
        return self.started + timedelta(seconds=self.elapsed)


def random_login(prefix: str = "user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class SchoolRef:
    id: uuid.UUID
    admin_id: uuid.UUID
    admin_login: str


@dataclass(frozen=True)
class AccountRef:
    account_id: uuid.UUID
    login: str


class Schools:
    """Creates schools, staff, roster people and accounts straight through the service."""

    def __init__(self, db: Database, passwords: Passwords, client: httpx.AsyncClient) -> None:
        self.db = db
        self.passwords = passwords
        self.client = client

    async def school(self, name: str = "Школа № 1") -> SchoolRef:
        login = random_login("admin")
        async with self.db.transaction() as session:
            school_id, admin_id = await service.provision_school(
                session,
                name=name,
                timezone="Europe/Moscow",
                admin_login=login,
                admin_password=PASSWORD,
                admin_last_name="Никитин",
                admin_first_name="Олег",
                passwords=self.passwords,
            )
        return SchoolRef(school_id, admin_id, login)

    async def staff(self, school: SchoolRef, *roles: str) -> AccountRef:
        login = random_login(roles[0] if roles else "staff")
        async with self.db.transaction() as session:
            created = await issuance.create_staff(
                session,
                self.passwords,
                Settings(),
                school_id=school.id,
                data=StaffCreate.model_validate(
                    {
                        "login": login,
                        "last_name": "Петрова",
                        "first_name": "Анна",
                        "roles": list(roles),
                    }
                ),
                issued_by=None,
                password=PASSWORD,
            )
        return AccountRef(created.account_id, login)

    async def student(self, school: SchoolRef) -> uuid.UUID:
        student_id = uuid.uuid4()
        async with self.db.transaction() as session:
            await service.record_student(session, school_id=school.id, student_id=student_id)
        return student_id

    async def pupil(self, school: SchoolRef, class_id: uuid.UUID) -> uuid.UUID:
        """A student enrolled in a class (as journal's StudentEnrolled tells auth)."""
        student_id = uuid.uuid4()
        async with self.db.transaction() as session:
            await service.record_student_classes(session, [(school.id, student_id, class_id, 1)])
        return student_id

    async def guardian(self, school: SchoolRef, *children: uuid.UUID) -> uuid.UUID:
        guardian_id = uuid.uuid4()
        async with self.db.transaction() as session:
            for child in children:
                await service.record_guardianship(
                    session, school_id=school.id, guardian_id=guardian_id, student_id=child
                )
        return guardian_id

    async def credentials(self, school: SchoolRef, person_id: uuid.UUID, kind: str) -> AccountRef:
        login = random_login(kind)
        async with self.db.transaction() as session:
            issued = await issuance.issue_credentials(
                session,
                self.passwords,
                Settings(),
                school_id=school.id,
                data=CredentialsIssue.model_validate(
                    {"person_id": str(person_id), "kind": kind, "login": login}
                ),
                issued_by=None,
                password=PASSWORD,
            )
        return AccountRef(issued.account_id, login)

    async def login(self, login: str, password: str = PASSWORD) -> dict[str, Any]:
        response = await self.client.post(
            "/api/auth/login", json={"login": login, "password": password}
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def activate(self, login: str, code: str, password: str = PASSWORD) -> dict[str, Any]:
        response = await self.client.post(
            "/api/auth/activate", json={"login": login, "code": code, "new_password": password}
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def bearer(self, login: str) -> dict[str, str]:
        tokens = await self.login(login)
        return {"Authorization": f"Bearer {tokens['access_token']}"}


async def count(db: Database, sql: str, **params: Any) -> int:
    async with db.transaction() as session:
        value = await session.scalar(text(sql), params)
    return int(value or 0)


async def outbox_keys(db: Database) -> list[str]:
    async with db.transaction() as session:
        rows = await session.scalars(
            text("SELECT routing_key FROM outbox ORDER BY created_at, routing_key")
        )
        return list(rows)


async def outbox_envelopes(db: Database) -> list[dict[str, Any]]:
    async with db.transaction() as session:
        rows = await session.scalars(text("SELECT envelope FROM outbox ORDER BY created_at"))
        return [dict(row) for row in rows]
