"""HTTP request and response models of the auth API (never the event contracts)."""

import uuid
import zoneinfo
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from shared.contracts.auth import StaffRole
from shared.inputs import RequestModel, Text

# Latin letters, digits and . _ @ -: comparable case-insensitively the same way everywhere.
Login = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._@-]{2,99}$")]
AccountKind = Literal["staff", "student", "parent"]
NewPassword = Annotated[Text, StringConstraints(min_length=8, max_length=256)]
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


class LoginRequest(RequestModel):
    login: Annotated[Text, StringConstraints(min_length=1, max_length=200)]
    password: Annotated[Text, StringConstraints(min_length=1, max_length=1024)]


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


class ServiceTokenResponse(BaseModel):
    """RFC 6749 §5.1: a client-credentials answer carries no refresh token."""

    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int = Field(description="Seconds until the token expires.")
    scope: str = Field(description="The scopes granted, space-delimited.")


class StaffCreate(RequestModel):
    login: Login
    password: NewPassword
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


class CredentialsIssue(RequestModel):
    person_id: uuid.UUID
    kind: Literal["student", "parent"]
    login: Login
    password: NewPassword


class CredentialsOut(BaseModel):
    account_id: uuid.UUID
    school_id: uuid.UUID
    person_id: uuid.UUID
    kind: Literal["student", "parent"]
    login: str


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
