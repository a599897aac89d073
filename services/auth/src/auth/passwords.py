"""Password hashing (argon2id) and the progressive delay after failed logins."""

import asyncio
import hashlib
import secrets
from collections.abc import Awaitable, Callable

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from auth.settings import Settings

Sleeper = Callable[[float], Awaitable[None]]


class Passwords:
    """argon2id hashing run in worker threads, so a hash never blocks the event loop."""

    def __init__(self, *, memory_cost: int, time_cost: int, parallelism: int) -> None:
        self._hasher = PasswordHasher(
            time_cost=time_cost,
            memory_cost=memory_cost,
            parallelism=parallelism,
            hash_len=32,
            salt_len=16,
            type=Type.ID,
        )
        self._dummy_hash: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> "Passwords":
        return cls(
            memory_cost=settings.argon2_memory_cost,
            time_cost=settings.argon2_time_cost,
            parallelism=settings.argon2_parallelism,
        )

    @property
    def hasher(self) -> PasswordHasher:
        """The argon2id hasher with the configured parameters (the benchmark's ceiling)."""
        return self._hasher

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, password_hash: str, password: str) -> bool:
        """Whether the password matches; a malformed stored hash never matches."""
        try:
            return await asyncio.to_thread(self._hasher.verify, password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        """Whether the hash was made with other parameters than the current ones."""
        try:
            return self._hasher.check_needs_rehash(password_hash)
        except InvalidHashError:
            return True

    async def verify_dummy(self, password: str) -> None:
        """Spend the time of a real verification, for logins that match no account."""
        if self._dummy_hash is None:
            self._dummy_hash = await self.hash(secrets.token_urlsafe(16))
        await self.verify(self._dummy_hash, password)

    async def warm_up(self) -> None:
        """Compute the dummy hash ahead of the first unknown login."""
        await self.verify_dummy("")


def progressive_delay(failures: int, *, free_failures: int = 3, max_delay: float = 10.0) -> float:
    """Seconds to wait before checking a password after `failures` recent failures.

    Doubling from 2 s once the free failures are used up, capped: it slows guessing down
    without locking the real owner out.
    """
    if failures <= free_failures:
        return 0.0
    # The exponent is capped so that a long attack never computes a huge power.
    return min(2.0 ** min(failures - free_failures, 30), max_delay)


def login_digest(login: str) -> str:
    """The key of a login in login_failures: the login is normalised, then hashed."""
    return hashlib.sha256(normalize_login(login).encode()).hexdigest()


def normalize_login(login: str) -> str:
    """Logins compare case-insensitively (and ignoring surrounding spaces)."""
    return login.strip().lower()
