"""Token signing keys: Ed25519, generated when none is active, published as a JWKS.

A retired key stays published (and accepted) for one access-token lifetime plus a margin,
so tokens it signed keep verifying until they expire.
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

    def generate(self) -> SigningKey:
        """A new key row (not yet added to a session)."""
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
        return SigningKey(kid=kid, private_key=pem, public_jwk=jwk)

    def private_key(self, key: SigningKey) -> Ed25519PrivateKey:
        cached = self._private.get(key.kid)
        if cached is None:
            loaded = load_pem_private_key(key.private_key.encode(), password=self._passphrase)
            if not isinstance(loaded, Ed25519PrivateKey):
                raise TypeError(f"signing key {key.kid} is not an Ed25519 key")
            cached = self._private[key.kid] = loaded
        return cached

    async def active(self, session: AsyncSession) -> SigningKey:
        """The newest active key, created (once, under a lock) when there is none."""
        key = await _newest_active(session)
        if key is not None:
            return key
        await session.execute(select(func.pg_advisory_xact_lock(_KEY_CREATION_LOCK)))
        key = await _newest_active(session)
        if key is None:
            key = self.generate()
            session.add(key)
            await session.flush()
        return key

    async def rotate(self, session: AsyncSession, now: datetime | None = None) -> SigningKey:
        """Retire the active keys and start signing with a new one."""
        await session.execute(select(func.pg_advisory_xact_lock(_KEY_CREATION_LOCK)))
        await session.execute(
            update(SigningKey)
            .where(SigningKey.retired_at.is_(None))
            .values(retired_at=now or _utcnow())
        )
        key = self.generate()
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


async def _newest_active(session: AsyncSession) -> SigningKey | None:
    return await session.scalar(
        select(SigningKey)
        .where(SigningKey.retired_at.is_(None))
        .order_by(SigningKey.created_at.desc())
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
