"""Service clients: services that obtain tokens with OAuth2 client credentials (RFC 6749
§4.4), e.g. the archive exporting a closed year from journal.

A client has a random id, a secret shown once at creation and stored as an argon2id hash,
and the scopes it may ask for. A scope is `<service>.<permission>`; the service is the
token's audience, so one token is good for one service only.
"""

import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auth.models import ServiceClient
from auth.passwords import Passwords
from auth.tokens import TokenIssuer
from shared.errors import Conflict, NotFound, Problem

# Every scope a service client may hold, and the service a token with it is for.
SCOPES: dict[str, str] = {
    "journal.export": "journal",
}
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9-]{1,62}$")
GRANT_TYPE = "client_credentials"


class OAuthProblem(Problem):
    """An RFC 6749 §5.2 error, as problem+json with the OAuth `error` code alongside."""

    def __init__(self, status: int, error: str, title: str, detail: str) -> None:
        super().__init__(status, error.replace("_", "-"), title, detail, error=error)


class InvalidClient(OAuthProblem):
    def __init__(self) -> None:
        # One answer for an unknown client, a wrong secret and a disabled client.
        super().__init__(
            401, "invalid_client", "Invalid client", "Unknown client or wrong client secret."
        )


class InvalidScope(OAuthProblem):
    def __init__(self, detail: str) -> None:
        super().__init__(400, "invalid_scope", "Invalid scope", detail)


class InvalidRequest(OAuthProblem):
    def __init__(self, detail: str) -> None:
        super().__init__(400, "invalid_request", "Invalid request", detail)


class UnsupportedGrantType(OAuthProblem):
    def __init__(self) -> None:
        super().__init__(
            400,
            "unsupported_grant_type",
            "Unsupported grant type",
            f"Only grant_type={GRANT_TYPE} is issued here.",
        )


@dataclass(frozen=True)
class ServiceToken:
    access_token: str
    expires_in: int
    scope: str


def _refuse_unknown_scopes(scopes: list[str]) -> None:
    unknown = sorted(set(scopes) - SCOPES.keys())
    if unknown:
        raise ValueError(f"unknown scopes: {', '.join(unknown)} (known: {', '.join(SCOPES)})")


async def add_client(
    session: AsyncSession, passwords: Passwords, name: str, scopes: list[str]
) -> tuple[ServiceClient, str]:
    """Register a service client; answers it and its secret (shown this once only)."""
    if not NAME_PATTERN.match(name):
        raise ValueError("a name is 2-63 lowercase letters, digits and '-', from a letter")
    if not scopes:
        raise ValueError("a client needs at least one scope")
    _refuse_unknown_scopes(scopes)
    taken = await session.scalar(
        select(ServiceClient.client_id).where(
            ServiceClient.name == name, ServiceClient.disabled_at.is_(None)
        )
    )
    if taken is not None:
        raise Conflict("service-client-exists", f"An active client named {name} exists.")
    secret = secrets.token_urlsafe(32)
    client = ServiceClient(
        client_id=f"{name}-{uuid.uuid4().hex[:12]}",
        name=name,
        secret_hash=await passwords.hash(secret),
        scopes=sorted(set(scopes)),
    )
    session.add(client)
    await session.flush()
    return client, secret


async def list_clients(session: AsyncSession) -> list[ServiceClient]:
    """Every client, active or disabled, oldest first."""
    found = await session.scalars(
        select(ServiceClient).order_by(ServiceClient.created_at, ServiceClient.client_id)
    )
    return list(found)


async def disable_client(session: AsyncSession, name_or_id: str) -> ServiceClient:
    """Disable the active client of that name (or that client id): no more tokens."""
    client = await session.scalar(
        select(ServiceClient)
        .where(
            (ServiceClient.client_id == name_or_id)
            | ((ServiceClient.name == name_or_id) & ServiceClient.disabled_at.is_(None))
        )
        .order_by(ServiceClient.disabled_at.is_(None).desc())
        .limit(1)
        .with_for_update()
    )
    if client is None:
        raise NotFound("service client")
    if client.disabled_at is None:
        client.disabled_at = datetime.now(UTC)
    return client


def requested_scopes(scope: str | None) -> list[str]:
    """The scopes a token request names (RFC 6749 §3.3: space-delimited); none is an error."""
    scopes = sorted(set((scope or "").split()))
    if not scopes:
        raise InvalidScope("Name the scope the token is for, e.g. scope=journal.export.")
    return scopes


async def issue_token(
    session: AsyncSession,
    *,
    passwords: Passwords,
    issuer: TokenIssuer,
    client_id: str,
    client_secret: str,
    scope: str | None,
) -> ServiceToken:
    """A service token for a client whose secret matches, holding only allowed scopes."""
    client = await session.scalar(select(ServiceClient).where(ServiceClient.client_id == client_id))
    # An unknown client costs the same argon2 verification as a known one.
    if client is None:
        await passwords.verify_dummy(client_secret)
        raise InvalidClient()
    matches = await passwords.verify(client.secret_hash, client_secret)
    if not matches or client.disabled_at is not None:
        raise InvalidClient()
    scopes = requested_scopes(scope)
    not_allowed = sorted(set(scopes) - (set(client.scopes) & SCOPES.keys()))
    if not_allowed:
        raise InvalidScope(f"The client may not ask for: {', '.join(not_allowed)}.")
    audiences = {SCOPES[s] for s in scopes}
    if len(audiences) != 1:
        raise InvalidScope("One token is for one service: ask for its scopes separately.")
    if passwords.needs_rehash(client.secret_hash):
        client.secret_hash = await passwords.hash(client_secret)
    token = await issuer.service_token(
        session,
        name=client.name,
        client_id=client.client_id,
        scopes=scopes,
        audience=audiences.pop(),
    )
    return ServiceToken(
        access_token=token, expires_in=issuer.settings.service_token_ttl, scope=" ".join(scopes)
    )
