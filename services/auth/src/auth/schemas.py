"""HTTP request and response models of the auth API (never the event contracts)."""

import uuid
import zoneinfo
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field, StringConstraints, model_validator

from auth.signin.policy import MAX_LENGTH, MIN_LENGTH, not_common
from shared.contracts.auth import StaffRole
from shared.inputs import RequestModel, Text

# Latin letters, digits and . _ @ -: comparable case-insensitively the same way everywhere.
Login = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._@-]{2,99}$")]
AccountKind = Literal["staff", "student", "parent"]
# The password policy (auth.signin.policy): 8 to 256 characters, not a common password.
NewPassword = Annotated[
    Text,
    StringConstraints(min_length=MIN_LENGTH, max_length=MAX_LENGTH),
    AfterValidator(not_common),
]
PersonName = Annotated[Text, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


def _unique_roles(roles: list[StaffRole]) -> list[StaffRole]:
    return list(dict.fromkeys(roles))


def _known_timezone(name: str) -> str:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone: {name}") from exc
    return name


TimeZoneName = Annotated[
    Text, StringConstraints(min_length=1, max_length=64), AfterValidator(_known_timezone)
]


UserFacingService = Literal["auth", "journal", "messaging", "reporting", "archive"]


def _unique_services(services: list[UserFacingService]) -> list[UserFacingService]:
    return sorted(set(services))


class LoginRequest(RequestModel):
    login: Annotated[Text, StringConstraints(min_length=1, max_length=200)]
    password: Annotated[Text, StringConstraints(min_length=1, max_length=1024)]
    # The services the session's access tokens are for (their `aud`); all by default.
    audience: (
        Annotated[
            list[UserFacingService],
            Field(min_length=1, max_length=5),
            AfterValidator(_unique_services),
        ]
        | None
    ) = None
    # A device token from an earlier sign-in (clients without cookies; browsers send the
    # cookie): its attempts are slowed by its own failures, not by the login's.
    device_token: Annotated[Text, StringConstraints(min_length=1, max_length=100)] | None = None


RefreshToken = Annotated[Text, StringConstraints(min_length=1, max_length=200)]


class RefreshRequest(RequestModel):
    refresh_token: RefreshToken


class LogoutRequest(RequestModel):
    refresh_token: RefreshToken


class TokenResponse(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int = Field(description="Seconds until the access token expires.")


class SignInResponse(TokenResponse):
    session_id: uuid.UUID = Field(description="The session (the access tokens' `sid`).")
    device_token: str | None = Field(
        default=None,
        description="A new device token to send with later sign-ins (also set as a cookie).",
    )


class SessionOut(BaseModel):
    """One of the caller's sessions (sign-ins), as the session list shows it."""

    id: uuid.UUID
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    client: str | None = Field(description="The client's User-Agent when it signed in.")
    audience: list[str] = Field(description="The services its access tokens are for.")
    current: bool = Field(description="Whether it is the session of the calling token.")


class SessionsOut(BaseModel):
    sessions: list[SessionOut]


class LoggedOutEverywhere(BaseModel):
    sessions_ended: int


class ServiceTokenResponse(BaseModel):
    """RFC 6749 §5.1: a client-credentials answer carries no refresh token."""

    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int = Field(description="Seconds until the token expires.")
    scope: str = Field(description="The scopes granted, space-delimited.")


class ActivationOut(BaseModel):
    """A one-time code to hand over: the person sets their password with it."""

    code: str = Field(description="Ten characters in two groups, e.g. 7KQ2M-XR9TD.")
    expires_at: datetime


class StaffCreate(RequestModel):
    login: Login | None = Field(
        default=None, description="Made from the names when not given (see the README)."
    )
    last_name: PersonName
    first_name: PersonName
    middle_name: PersonName | None = None
    roles: Annotated[
        list[StaffRole], Field(min_length=1, max_length=5), AfterValidator(_unique_roles)
    ]


class StaffOut(BaseModel):
    account_id: uuid.UUID
    school_id: uuid.UUID
    login: str
    kind: Literal["staff"] = "staff"
    roles: list[str]
    last_name: str
    first_name: str
    middle_name: str | None
    activation: ActivationOut | None = Field(
        description="None only for an account activated at once (provisioning, the demo)."
    )


class CredentialsIssue(RequestModel):
    person_id: uuid.UUID
    kind: Literal["student", "parent"]
    login: Login | None = Field(default=None, description="Made from the names when not given.")
    # Used only to make the login (auth keeps no student's or parent's name).
    last_name: PersonName | None = None
    first_name: PersonName | None = None
    middle_name: PersonName | None = None

    @model_validator(mode="after")
    def _login_or_names(self) -> "CredentialsIssue":
        if self.login is None and (self.last_name is None or self.first_name is None):
            raise ValueError("give a login, or last_name and first_name to make one")
        return self


class CredentialsOut(BaseModel):
    account_id: uuid.UUID
    school_id: uuid.UUID
    person_id: uuid.UUID
    kind: Literal["student", "parent"]
    login: str
    activation: ActivationOut | None


class SchoolOut(BaseModel):
    id: uuid.UUID
    name: str
    timezone: str


class MeOut(BaseModel):
    account_id: uuid.UUID
    login: str
    kind: AccountKind
    school: SchoolOut
    roles: list[str]
    person_id: uuid.UUID | None = Field(description="The roster id of a student or a parent.")
    children: list[uuid.UUID] = Field(description="A parent's children (roster ids).")
    last_name: str | None = Field(
        description="Staff only: students' and parents' names are kept by journal."
    )
    first_name: str | None
    middle_name: str | None


class Jwks(BaseModel):
    keys: list[dict[str, str]]


class SchoolProvisioning(RequestModel):
    """A new school and its first system administrator (the CLI and the demo seed)."""

    name: Annotated[Text, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    timezone: TimeZoneName
    admin_login: Login
    admin_password: NewPassword
    admin_last_name: PersonName
    admin_first_name: PersonName
    admin_middle_name: PersonName | None = None
