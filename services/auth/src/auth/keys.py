"""Token signing keys: Ed25519, generated when none is active, published as a JWKS.

A retired key stays published (and accepted) for one access-token lifetime plus a margin,
so tokens it signed keep verifying until they expire. A rotation (`python -m auth keys
rotate`) publishes the new key `AUTH_SIGNING_KEY_PUBLISH_LEAD` seconds before it starts
signing and the old one stops: every service has refetched the JWKS by then (its cache is
at most five minutes old), so no one is signed out and no new token meets an unknown kid.
"""

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    KeySerializationEncryption,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)
from jwt import PyJWK
from jwt.algorithms import OKPAlgorithm
from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from auth.models import SigningKey
from auth.settings import Settings
from shared.db import Database
from shared.security import ALGORITHM

# Serialises key creation between replicas starting at the same time.
_KEY_CREATION_LOCK = 7245101
RETIRED_KEY_MARGIN = timedelta(minutes=5)


def _utcnow() -> datetime:
    return datetime.now(UTC)


class KeyRing:
    """Creates, loads and publishes signing keys; parsed private keys are cached by kid."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._private: dict[str, Ed25519PrivateKey] = {}

    @property
    def _passphrase(self) -> bytes | None:
        secret = self.settings.signing_key_passphrase
        return secret.get_secret_value().encode() if secret else None

    def generate(self, activates_at: datetime | None = None) -> SigningKey:
        """A new key row (not yet added to a session), signing from `activates_at` (now)."""
        private = Ed25519PrivateKey.generate()
        kid = uuid.uuid4().hex
        passphrase = self._passphrase
        encryption: KeySerializationEncryption = (
            BestAvailableEncryption(passphrase) if passphrase else NoEncryption()
        )
        pem = private.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, encryption).decode()
        public = OKPAlgorithm.to_jwk(private.public_key(), as_dict=True)
        jwk = {**public, "kid": kid, "alg": ALGORITHM, "use": "sig"}
        self._private[kid] = private
        return SigningKey(
            kid=kid, private_key=pem, public_jwk=jwk, activates_at=activates_at or _utcnow()
        )

    def private_key(self, key: SigningKey) -> Ed25519PrivateKey:
        cached = self._private.get(key.kid)
        if cached is None:
            loaded = load_pem_private_key(key.private_key.encode(), password=self._passphrase)
            if not isinstance(loaded, Ed25519PrivateKey):
                raise TypeError(f"signing key {key.kid} is not an Ed25519 key")
            cached = self._private[key.kid] = loaded
        return cached

    async def active(self, session: AsyncSession, now: datetime | None = None) -> SigningKey:
        """The newest key signing now, created (once, under a lock) when there is none."""
        now = now or _utcnow()
        key = await _newest_active(session, now)
        if key is not None:
            return key
        await session.execute(select(func.pg_advisory_xact_lock(_KEY_CREATION_LOCK)))
        key = await _newest_active(session, now)
        if key is None:
            key = self.generate(now)
            session.add(key)
            await session.flush()
        return key

    async def rotate(
        self, session: AsyncSession, now: datetime | None = None, lead: float | None = None
    ) -> SigningKey:
        """A new key, published now and signing after `lead` seconds (the setting by
        default; 0: at once), when the keys signing now retire (staying published for a
        token lifetime more)."""
        now = now or _utcnow()
        lead = self.settings.signing_key_publish_lead if lead is None else lead
        switch = now + timedelta(seconds=lead)
        await session.execute(select(func.pg_advisory_xact_lock(_KEY_CREATION_LOCK)))
        await session.execute(
            update(SigningKey)
            .where(or_(SigningKey.retired_at.is_(None), SigningKey.retired_at > switch))
            .values(retired_at=switch)
        )
        key = self.generate(switch)
        session.add(key)
        await session.flush()
        return key

    def _accepted_since(self, now: datetime) -> datetime:
        return now - timedelta(seconds=self.settings.access_token_ttl) - RETIRED_KEY_MARGIN

    async def published(
        self, session: AsyncSession, now: datetime | None = None
    ) -> list[SigningKey]:
        """Active keys and those retired recently enough to have signed live tokens."""
        cutoff = self._accepted_since(now or _utcnow())
        rows = await session.scalars(
            select(SigningKey)
            .where(or_(SigningKey.retired_at.is_(None), SigningKey.retired_at > cutoff))
            .order_by(SigningKey.created_at.desc())
        )
        return list(rows)

    async def jwks(self, session: AsyncSession) -> dict[str, Any]:
        await self.active(session)
        return {"keys": [dict(key.public_jwk) for key in await self.published(session)]}

    async def verification_key(self, session: AsyncSession, kid: str) -> PyJWK | None:
        key = await session.get(SigningKey, kid)
        if key is None:
            return None
        if key.retired_at is not None and key.retired_at <= self._accepted_since(_utcnow()):
            return None
        return PyJWK(dict(key.public_jwk), algorithm=ALGORITHM)


async def _newest_active(session: AsyncSession, now: datetime) -> SigningKey | None:
    return await session.scalar(
        select(SigningKey)
        .where(
            SigningKey.activates_at <= now,
            or_(SigningKey.retired_at.is_(None), SigningKey.retired_at > now),
        )
        .order_by(SigningKey.activates_at.desc(), SigningKey.created_at.desc())
        .limit(1)
    )


class DatabaseKeys:
    """auth verifies its own tokens from its own database instead of fetching its JWKS."""

    def __init__(self, keyring: KeyRing, database: Callable[[], Database]) -> None:
        self.keyring = keyring
        self.database = database

    async def key(self, kid: str) -> PyJWK | None:
        async with self.database().transaction() as session:
            return await self.keyring.verification_key(session, kid)
