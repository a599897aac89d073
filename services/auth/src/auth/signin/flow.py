"""The sign-in use case: a turn taken (attempts.py), the wait, one argon2id verification,
then tokens or a failure, in three short transactions and no connection held while
waiting or hashing.

1. In a transaction committed at once: the account is looked up; the attempt is counted
   on the device's row when it brings a device token of that account (devices.py), on
   the login's row otherwise (an unknown login too), and gets its turn. A turn too far
   ahead is refused (429, `Retry-After`), counted nowhere and checked not at all.
2. The wait until the turn, then the password checked against the account's hash, or
   against a dummy hash for an unknown login (the same work, the same answer).
3. A failure is audited (the count stays); a success clears the count it was taken on,
   rehashes a hash made with other argon2 parameters, opens a session, audits, publishes
   `auth.session.logged_in.v1`, and hands a new device a device token.
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, func, select

from auth import sessions
from auth.models import Account, LoginAudit, LoginFailure
from auth.passwords import Passwords, Sleeper, login_digest, normalize_login
from auth.service import claims_of
from auth.settings import Settings
from auth.signin import devices
from auth.signin.attempts import Turn, take_device_turn, take_login_turn
from auth.tokens import TokenIssuer, TokenPair
from shared.contracts.auth import SignInFailed, UserLoggedIn
from shared.db import Database
from shared.errors import Problem
from shared.outbox import add_event

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


class TooManyAttempts(Problem):
    """The same for every login, known or not: nothing about the account is told."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            429,
            "too-many-attempts",
            "Too many sign-in attempts",
            "Too many attempts at this login; try again later.",
            retry_after=retry_after,
        )
        self.headers = {"Retry-After": str(retry_after)}


@dataclass(frozen=True)
class SignedIn:
    tokens: TokenPair
    session_id: str
    # A device token to keep (a device signing in without a valid one gets one).
    device_token: str | None


@dataclass(frozen=True)
class Attempt:
    login: str
    password: str
    device_token: str | None = None
    audience: Sequence[str] | None = None
    client: str | None = None


async def _take_turn(
    db: Database, settings: Settings, attempt: Attempt, now: datetime
) -> tuple[Account | None, bool, Turn]:
    """(the account, whether a device of it vouches for the attempt, the turn)."""
    async with db.transaction() as session:
        account = await session.scalar(
            select(Account).where(func.lower(Account.login) == normalize_login(attempt.login))
        )
        device = (
            await devices.find(session, attempt.device_token, account.id, now)
            if account is not None
            else None
        )
        if device is not None:
            return account, True, await take_device_turn(session, settings, device, now)
        known = (account.id, account.school_id) if account is not None else None
        turn = await take_login_turn(session, settings, login_digest(attempt.login), now, known)
        return account, False, turn


async def sign_in(
    db: Database,
    *,
    settings: Settings,
    passwords: Passwords,
    issuer: TokenIssuer,
    attempt: Attempt,
    sleep: Sleeper,
    clock: Clock = utcnow,
) -> SignedIn | None:
    """Tokens for a right login and password, None for anything else (an unknown login,
    a wrong password, a disabled account: one answer); TooManyAttempts when the turn is
    too far ahead."""
    now = clock()
    account, trusted, turn = await _take_turn(db, settings, attempt, now)
    if turn.refused:
        ahead = (turn.check_at - now).total_seconds() - settings.login_max_wait
        raise TooManyAttempts(max(1, math.ceil(ahead)))
    wait = turn.wait(now)
    if wait > 0:
        await sleep(wait)

    if account is None or account.password_hash is None:
        # Unknown, or issued and not yet activated (its code is for /activate).
        await passwords.verify_dummy(attempt.password)
        verified = False
    else:
        # Verified whatever the account's state: a disabled one costs the same time.
        matches = await passwords.verify(account.password_hash, attempt.password)
        verified = matches and account.is_active

    now = clock()
    async with db.transaction() as session:
        if not verified:
            if trusted and attempt.device_token:
                await devices.failed(session, settings, attempt.device_token)
            if account is not None:
                # For the activity report: the account only, never the login or password.
                await add_event(
                    session,
                    SignInFailed(
                        school_id=account.school_id, occurred_at=now, account_id=account.id
                    ),
                )
            session.add(
                LoginAudit(
                    account_id=account.id if account else None,
                    school_id=account.school_id if account else None,
                    succeeded=False,
                    at=now,
                )
            )
            return None
        assert account is not None
        if trusted and attempt.device_token:
            await devices.succeeded(session, attempt.device_token)
            device_token = None
        else:
            await session.execute(
                delete(LoginFailure).where(LoginFailure.login_digest == login_digest(attempt.login))
            )
            device_token = await devices.remember(session, settings, account.id, now)
        current = await session.get(Account, account.id, with_for_update=True)
        if current is None or not current.is_active or current.password_hash is None:
            return None
        if passwords.needs_rehash(current.password_hash):
            current.password_hash = await passwords.hash(attempt.password)
        session.add(
            LoginAudit(account_id=current.id, school_id=current.school_id, succeeded=True, at=now)
        )
        opened = await sessions.open_session(
            session,
            settings,
            current,
            audience=attempt.audience,
            client=attempt.client,
            now=now,
        )
        claims = sessions.with_session(await claims_of(session, current), opened)
        tokens = await issuer.pair(session, claims, now=now)
        await add_event(
            session,
            UserLoggedIn(
                school_id=current.school_id,
                occurred_at=now,
                account_id=current.id,
                roles=claims.roles,
            ),
        )
        return SignedIn(tokens=tokens, session_id=str(opened.id), device_token=device_token)
