"""The schedule of sign-in attempts: a progressive delay parallel guesses cannot skip.

Every attempt is counted before its password is checked, in a transaction of its own
that commits at once: the row of the login (or of the device, see devices.py) is locked,
its count raised and the attempt given its turn, `check_at`, no earlier than the turn of
the attempt before it plus the delay the count calls for (`progressive_delay`: nothing
for the first free failures, then 2, 4, 8 s, capped). So attempts sent one after
another and attempts sent all at once are checked at the same moments: fifty parallel
wrong guesses take as long as fifty sequential ones. An attempt whose turn lies more
than `login_max_wait` seconds ahead is not counted and not checked: it is answered 429
with the seconds to wait (the same for every login, known or not).

A success clears the count (the login's, or the device's when the attempt came with one);
a failure leaves it counted. Counts older than `login_failure_window` start again.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from auth.models import KnownDevice, LoginFailure
from auth.passwords import progressive_delay
from auth.settings import Settings


@dataclass(frozen=True)
class Turn:
    """When an attempt's password may be checked, or that it may not be now."""

    attempt: int  # its number among the counted attempts (1 for the first)
    delay: float  # the delay its count called for (seconds)
    check_at: datetime
    refused: bool = False  # too far ahead: not counted, answered 429

    def wait(self, now: datetime) -> float:
        return max((self.check_at - now).total_seconds(), 0.0)


def next_turn(
    settings: Settings,
    *,
    failures: int,
    last_failed_at: datetime | None,
    next_check_at: datetime | None,
    now: datetime,
) -> Turn:
    """The turn of the next attempt after `failures` counted ones (pure: the rule)."""
    window_start = now - timedelta(seconds=settings.login_failure_window)
    if last_failed_at is not None and last_failed_at < window_start:
        failures, next_check_at = 0, None
    delay = progressive_delay(
        failures, free_failures=settings.login_free_failures, max_delay=settings.login_max_delay
    )
    start = max(now, next_check_at) if next_check_at is not None else now
    check_at = start + timedelta(seconds=delay)
    refused = (check_at - now).total_seconds() > settings.login_max_wait
    return Turn(attempt=failures + 1, delay=delay, check_at=check_at, refused=refused)


async def take_login_turn(
    session: AsyncSession,
    settings: Settings,
    digest: str,
    now: datetime,
    account: tuple[uuid.UUID, uuid.UUID] | None = None,
) -> Turn:
    """Count an attempt at a login (by its digest; `account`: (account, school) when the
    login is known) and give it its turn; the caller commits at once."""
    await session.execute(
        insert(LoginFailure)
        .values(login_digest=digest, failures=0, last_failed_at=now)
        .on_conflict_do_nothing(index_elements=[LoginFailure.login_digest])
    )
    row = await session.scalar(
        select(LoginFailure).where(LoginFailure.login_digest == digest).with_for_update()
    )
    assert row is not None
    turn = next_turn(
        settings,
        failures=row.failures,
        last_failed_at=row.last_failed_at if row.failures else None,
        next_check_at=row.next_check_at,
        now=now,
    )
    if not turn.refused:
        row.failures = turn.attempt
        row.last_failed_at = now
        row.next_check_at = turn.check_at
        if account is not None:
            row.account_id, row.school_id = account
    return turn


async def take_device_turn(
    session: AsyncSession, settings: Settings, device: KnownDevice, now: datetime
) -> Turn:
    """Count an attempt from a known device (its row locked by the caller)."""
    turn = next_turn(
        settings,
        failures=device.failures,
        last_failed_at=None,
        next_check_at=device.next_check_at,
        now=now,
    )
    if not turn.refused:
        device.failures = turn.attempt
        device.next_check_at = turn.check_at
    return turn
