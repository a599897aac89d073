"""Events published by auth."""

import uuid
from typing import ClassVar, Literal

from shared.events import Event

StaffRole = Literal["sysadmin", "director", "deputy", "teacher", "class_teacher"]


class SchoolRegistered(Event):
    """A school was provisioned; the other services create their record of it."""

    routing_key: ClassVar[str] = "auth.school.registered.v1"
    aggregate: ClassVar[str] = "school"

    name: str
    timezone: str

    def aggregate_id(self) -> str:
        return str(self.school_id)


class StaffAccountCreated(Event):
    """The system administrator created a staff account (teachers' names are needed by journal)."""

    routing_key: ClassVar[str] = "auth.staff.created.v1"
    aggregate: ClassVar[str] = "account"

    account_id: uuid.UUID
    last_name: str
    first_name: str
    middle_name: str | None = None
    roles: list[StaffRole]

    def aggregate_id(self) -> str:
        return str(self.account_id)


class CredentialsIssued(Event):
    """The deputy issued credentials to a student or a parent known from the roster."""

    routing_key: ClassVar[str] = "auth.credentials.issued.v1"
    aggregate: ClassVar[str] = "account"

    account_id: uuid.UUID
    person_id: uuid.UUID
    kind: Literal["student", "parent"]

    def aggregate_id(self) -> str:
        return str(self.account_id)


class UserLoggedIn(Event):
    """A successful login, for the weekly activity report (no personal data)."""

    routing_key: ClassVar[str] = "auth.session.logged_in.v1"
    aggregate: ClassVar[str] = "account"

    account_id: uuid.UUID
    roles: list[str]

    def aggregate_id(self) -> str:
        return str(self.account_id)


EVENTS: tuple[type[Event], ...] = (
    SchoolRegistered,
    StaffAccountCreated,
    CredentialsIssued,
    UserLoggedIn,
)
