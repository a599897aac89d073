"""Events published by auth."""

import uuid
from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field

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


class SessionsRevoked(Event):
    """Sessions ended before their time (sign-out, sign-out everywhere, a session revoked
    from the list, a refresh token reused): every service refuses access tokens naming
    them (`sid`) at once. No access token of them outlives `tokens_expire_by`, so a
    service may forget them after it."""

    routing_key: ClassVar[str] = "auth.session.revoked.v1"
    aggregate: ClassVar[str] = "account"

    account_id: uuid.UUID
    session_ids: list[uuid.UUID]
    reason: Literal["logout", "logout_all", "revoked", "refresh_reused", "account_disabled"]
    tokens_expire_by: datetime

    def aggregate_id(self) -> str:
        return str(self.account_id)


class SignInFailed(Event):
    """A failed sign-in to a known account (wrong password, or a disabled or not yet
    activated account), for the weekly activity report: the account, never the login
    text or the password. Failures for unknown logins stay in auth's login audit."""

    routing_key: ClassVar[str] = "auth.session.sign_in_failed.v1"
    aggregate: ClassVar[str] = "account"

    account_id: uuid.UUID

    def aggregate_id(self) -> str:
        return str(self.account_id)


class AccountActivated(Event):
    """The holder of an issued account set their password with the activation code."""

    routing_key: ClassVar[str] = "auth.account.activated.v1"
    aggregate: ClassVar[str] = "account"

    account_id: uuid.UUID
    kind: Literal["staff", "student", "parent"]

    def aggregate_id(self) -> str:
        return str(self.account_id)


class AccountDisabled(Event):
    """An account was disabled: no more sign-ins, its sessions end, and every service
    refuses its access tokens issued until `disabled_at` (the event's time when absent)
    at once; none outlives `tokens_expire_by` (an hour after when absent). `disabled_by`
    is the issuer's account."""

    routing_key: ClassVar[str] = "auth.account.disabled.v1"
    aggregate: ClassVar[str] = "account"

    account_id: uuid.UUID
    disabled_by: uuid.UUID | None = None
    disabled_at: datetime | None = None
    tokens_expire_by: datetime | None = None

    def aggregate_id(self) -> str:
        return str(self.account_id)


class RoleGranted(Event):
    """A staff role was granted. A grant of director or deputy is announced: `announce_to`
    names the school's directors (messaging delivers the notice); empty otherwise."""

    routing_key: ClassVar[str] = "auth.role.granted.v1"
    aggregate: ClassVar[str] = "account"

    account_id: uuid.UUID
    role: StaffRole
    granted_by: uuid.UUID
    announce_to: list[uuid.UUID] = Field(default_factory=list)

    def aggregate_id(self) -> str:
        return str(self.account_id)


class RoleRevoked(Event):
    """A staff role was taken away (announced like a grant for director and deputy)."""

    routing_key: ClassVar[str] = "auth.role.revoked.v1"
    aggregate: ClassVar[str] = "account"

    account_id: uuid.UUID
    role: StaffRole
    revoked_by: uuid.UUID
    announce_to: list[uuid.UUID] = Field(default_factory=list)

    def aggregate_id(self) -> str:
        return str(self.account_id)


ConsentPurpose = Literal["portal_marks", "district_systems", "email_notifications"]


class _ConsentChange(Event):
    aggregate: ClassVar[str] = "consent"

    student_id: uuid.UUID
    purpose: ConsentPurpose
    guardian_account_id: uuid.UUID

    def aggregate_id(self) -> str:
        return f"{self.student_id}:{self.purpose}:{self.guardian_account_id}"


class ConsentGiven(_ConsentChange):
    """A guardian consented (152-FZ) to a purpose of processing their child's data.
    `version` orders one guardian's changes for one child and purpose."""

    routing_key: ClassVar[str] = "auth.consent.given.v1"


class ConsentRevoked(_ConsentChange):
    """A guardian revoked a consent they had given (the tombstone of `ConsentGiven`)."""

    routing_key: ClassVar[str] = "auth.consent.revoked.v1"


class ExternalIdentityLinked(Event):
    """An adult linked their account to their identity at an external OpenID Connect
    provider (ЕСИА in production) and may sign in there. Only the provider's issuer is
    told, never the person's subject there."""

    routing_key: ClassVar[str] = "auth.external_identity.linked.v1"
    aggregate: ClassVar[str] = "account"

    account_id: uuid.UUID
    issuer: str

    def aggregate_id(self) -> str:
        return str(self.account_id)


class ExternalIdentityUnlinked(Event):
    """An account's link to an external provider was removed: no more sign-in there."""

    routing_key: ClassVar[str] = "auth.external_identity.unlinked.v1"
    aggregate: ClassVar[str] = "account"

    account_id: uuid.UUID
    issuer: str

    def aggregate_id(self) -> str:
        return str(self.account_id)


EVENTS: tuple[type[Event], ...] = (
    SchoolRegistered,
    StaffAccountCreated,
    CredentialsIssued,
    UserLoggedIn,
    SessionsRevoked,
    SignInFailed,
    AccountActivated,
    AccountDisabled,
    RoleGranted,
    RoleRevoked,
    ConsentGiven,
    ConsentRevoked,
    ExternalIdentityLinked,
    ExternalIdentityUnlinked,
)
