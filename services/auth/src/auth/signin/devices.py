"""Device tokens (OWASP's "device cookies", Forgot-Password/Authentication cheat sheets):
what lets the real owner sign in while someone guesses their password.

A successful sign-in hands the client a device token (256 random bits, kept as its
SHA-256, bound to the account, `AUTH_DEVICE_TOKEN_TTL`, 180 days): in a cookie scoped to
the login path for browsers, and in the answer for other clients. An attempt that brings
a valid device token of the login's account takes its turn on the device's own count
instead of the login's (attempts.py), so an attack on the login, which slows and then
refuses attempts without one, does not slow the owner's device. A device's count has
the same progressive delay; after `AUTH_DEVICE_MAX_FAILURES` failures in a row its token
is forgotten (it may have been stolen). A token of another account, expired or unknown
counts for nothing: the attempt is an untrusted one.
"""

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from auth.models import KnownDevice
from auth.settings import Settings

COOKIE = "school_device"
COOKIE_PATH = "/api/auth/login"
MAX_TOKEN_LENGTH = 100


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def find(
    session: AsyncSession, token: str | None, account_id: uuid.UUID, now: datetime
) -> KnownDevice | None:
    """The live device of this account the token names, locked; None otherwise."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    return await session.scalar(
        select(KnownDevice)
        .where(
            KnownDevice.token_hash == token_hash(token),
            KnownDevice.account_id == account_id,
            KnownDevice.expires_at > now,
        )
        .with_for_update()
    )


async def remember(
    session: AsyncSession, settings: Settings, account_id: uuid.UUID, now: datetime
) -> str:
    """A new device token for the account (after a successful sign-in without one)."""
    token = secrets.token_urlsafe(32)
    session.add(
        KnownDevice(
            token_hash=token_hash(token),
            account_id=account_id,
            expires_at=now + timedelta(seconds=settings.device_token_ttl),
            failures=0,
        )
    )
    await session.flush()
    return token


async def succeeded(session: AsyncSession, token: str) -> None:
    device = await session.get(KnownDevice, token_hash(token), with_for_update=True)
    if device is not None:
        device.failures = 0
        device.next_check_at = None


async def failed(session: AsyncSession, settings: Settings, token: str) -> None:
    """After too many failures in a row a device token is forgotten."""
    await session.execute(
        delete(KnownDevice).where(
            KnownDevice.token_hash == token_hash(token),
            KnownDevice.failures >= settings.device_max_failures,
        )
    )
