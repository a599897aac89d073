"""Access tokens (EdDSA JWTs) and refresh tokens (opaque, stored hashed, rotated on use)."""

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from auth.keys import KeyRing
from auth.models import RefreshToken
from auth.settings import Settings
from shared.security import (
    ALGORITHM,
    SERVICE_SUBJECT_PREFIX,
    SERVICE_TOKEN_USE,
    TOKEN_TYPE,
    TOKEN_USE_CLAIM,
    USER_AUDIENCES,
)


@dataclass(frozen=True)
class Claims:
    """What an access token says about its holder."""

    account_id: uuid.UUID
    school_id: uuid.UUID
    roles: list[str]
    person_id: uuid.UUID | None = None
    children: list[uuid.UUID] | None = None
    # The session (sign-in) the token belongs to, its `sid`, and the services it is for.
    session_id: uuid.UUID | None = None
    audience: tuple[str, ...] = USER_AUDIENCES


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int


def refresh_token_hash(token: str) -> str:
    """Refresh tokens are 256 random bits, so a plain SHA-256 is a safe stored form."""
    return hashlib.sha256(token.encode()).hexdigest()


class TokenIssuer:
    def __init__(self, settings: Settings, keyring: KeyRing) -> None:
        self.settings = settings
        self.keyring = keyring

    async def access_token(
        self, session: AsyncSession, claims: Claims, now: datetime | None = None
    ) -> str:
        key = await self.keyring.active(session)
        issued = int((now or datetime.now(UTC)).timestamp())
        payload: dict[str, Any] = {
            "iss": self.settings.jwt_issuer,
            "aud": list(claims.audience),
            "sub": str(claims.account_id),
            "school": str(claims.school_id),
            "roles": sorted(claims.roles),
            "iat": issued,
            "exp": issued + self.settings.access_token_ttl,
            "jti": uuid.uuid4().hex,
        }
        if claims.session_id is not None:
            payload["sid"] = str(claims.session_id)
        if claims.person_id is not None:
            payload["person"] = str(claims.person_id)
        if claims.children is not None:
            payload["children"] = sorted(str(child) for child in claims.children)
        return jwt.encode(
            payload,
            self.keyring.private_key(key),
            algorithm=ALGORITHM,
            headers={"kid": key.kid, "typ": TOKEN_TYPE},
        )

    async def service_token(
        self,
        session: AsyncSession,
        *,
        name: str,
        client_id: str,
        scopes: list[str],
        audience: str,
        now: datetime | None = None,
    ) -> str:
        """A client-credentials token for one service (`aud`), never usable as a user's."""
        key = await self.keyring.active(session)
        issued = int((now or datetime.now(UTC)).timestamp())
        payload: dict[str, Any] = {
            "iss": self.settings.jwt_issuer,
            "aud": audience,
            "sub": SERVICE_SUBJECT_PREFIX + name,
            TOKEN_USE_CLAIM: SERVICE_TOKEN_USE,
            "client_id": client_id,
            "scope": " ".join(sorted(scopes)),
            "iat": issued,
            "exp": issued + self.settings.service_token_ttl,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(
            payload,
            self.keyring.private_key(key),
            algorithm=ALGORITHM,
            headers={"kid": key.kid, "typ": TOKEN_TYPE},
        )

    async def refresh_token(
        self,
        session: AsyncSession,
        *,
        account_id: uuid.UUID,
        school_id: uuid.UUID,
        family_id: uuid.UUID | None = None,
        now: datetime | None = None,
    ) -> str:
        """A new refresh token, in a new family (a login) or an existing one (a rotation)."""
        token = secrets.token_urlsafe(32)
        session.add(
            RefreshToken(
                id=uuid.uuid4(),
                family_id=family_id or uuid.uuid4(),
                account_id=account_id,
                school_id=school_id,
                token_hash=refresh_token_hash(token),
                expires_at=(now or datetime.now(UTC))
                + timedelta(seconds=self.settings.refresh_token_ttl),
            )
        )
        await session.flush()
        return token

    async def pair(
        self,
        session: AsyncSession,
        claims: Claims,
        *,
        family_id: uuid.UUID | None = None,
        now: datetime | None = None,
    ) -> TokenPair:
        """Tokens of a session: the refresh token's family is the session (`sid`)."""
        family_id = family_id or claims.session_id
        return TokenPair(
            access_token=await self.access_token(session, claims, now),
            refresh_token=await self.refresh_token(
                session,
                account_id=claims.account_id,
                school_id=claims.school_id,
                family_id=family_id,
                now=now,
            ),
            expires_in=self.settings.access_token_ttl,
        )


async def find_refresh_token(session: AsyncSession, token: str) -> RefreshToken | None:
    """The stored token, locked: concurrent refreshes of one token are serialised."""
    return await session.scalar(
        select(RefreshToken)
        .where(RefreshToken.token_hash == refresh_token_hash(token))
        .with_for_update()
    )


async def revoke_family(session: AsyncSession, family_id: uuid.UUID, now: datetime) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
