"""What a signed-in person does to their own account (under /api/auth/me): change their
password, and see which roles they may grant (the grant table applied to them now).

A password change needs the current password, checked on the same schedule as a sign-in
(counted before the check, slower after each failure: a stolen access token does not
buy unthrottled guesses), and the new one must pass the password policy. It ends every
other session of the account and keeps the calling one: whoever else held the old
password or a session opened with it is signed out, and the person changing it stays
signed in on the device in their hands.
"""

import math
from datetime import datetime
from typing import Annotated, cast

from fastapi import APIRouter, Depends
from pydantic import BaseModel, StringConstraints
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from auth import audit, roles, sessions
from auth.api import AuthSettings, Db, PasswordHasher, Sleep, get_clock
from auth.models import Account, AuthSession, LoginFailure
from auth.passwords import Passwords, Sleeper, login_digest
from auth.schemas import NewPassword
from auth.settings import Settings
from auth.signin.attempts import take_login_turn
from auth.signin.flow import Clock, TooManyAttempts, utcnow
from auth.signin.policy import weaknesses
from shared.contracts.auth import StaffRole
from shared.db import Database
from shared.errors import Forbidden, Problem
from shared.inputs import RequestModel, Text
from shared.openapi import problems
from shared.security import CurrentUser, User
from shared.web import Session

router = APIRouter()


class PasswordChange(RequestModel):
    current_password: Annotated[Text, StringConstraints(min_length=1, max_length=1024)]
    new_password: NewPassword


class PasswordChanged(BaseModel):
    sessions_ended: int


class GrantableRoles(BaseModel):
    roles: list[StaffRole]


class WrongPassword(Problem):
    def __init__(self) -> None:
        # 403, not 401: the caller's token is good, and a 401 would end their session.
        super().__init__(
            403, "wrong-password", "Wrong password", "The current password is not right."
        )


class WeakPassword(Problem):
    def __init__(self, reasons: list[str]) -> None:
        super().__init__(
            422,
            "weak-password",
            "Weak password",
            "The new password does not pass the password policy.",
            reasons=reasons,
        )


async def _own_account(session: AsyncSession, user: User) -> Account:
    account = await session.get(Account, user.account_id)
    if account is None or not account.is_active or account.school_id != user.school_id:
        raise Forbidden("The account no longer exists or is disabled.")
    if account.password_hash is None:
        raise Forbidden("The account is not activated: its code sets the first password.")
    return account


async def change_password(
    db: Database,
    *,
    settings: Settings,
    passwords: Passwords,
    sleep: Sleeper,
    user: User,
    current_password: str,
    new_password: str,
    now: datetime | None = None,
) -> int:
    """Set a new password after checking the current one; answers how many other sessions
    ended. Commits its own transactions: the attempt is counted whatever the outcome."""
    now = now or utcnow()
    async with db.transaction() as session:
        account = await _own_account(session, user)
        login, password_hash = account.login, account.password_hash
        turn = await take_login_turn(
            session, settings, login_digest(login), now, (account.id, account.school_id)
        )
    if turn.refused:
        ahead = (turn.check_at - now).total_seconds() - settings.login_max_wait
        raise TooManyAttempts(max(1, math.ceil(ahead)))
    wait = turn.wait(now)
    if wait > 0:
        await sleep(wait)
    assert password_hash is not None
    if not await passwords.verify(password_hash, current_password):
        raise WrongPassword()
    reasons = weaknesses(new_password, login=login)
    if new_password == current_password:
        reasons.append("the same as the current password")
    if reasons:
        raise WeakPassword(reasons)
    new_hash = await passwords.hash(new_password)
    async with db.transaction() as session:
        account = await _own_account(session, user)
        await session.refresh(account, with_for_update=True)
        account.password_hash = new_hash
        account.version += 1
        await session.execute(
            delete(LoginFailure).where(LoginFailure.login_digest == login_digest(login))
        )
        others = list(
            await session.scalars(
                select(AuthSession.id).where(
                    AuthSession.account_id == account.id,
                    AuthSession.revoked_at.is_(None),
                    AuthSession.id != user.session_id,
                )
            )
        )
        ended = await sessions.revoke(
            session,
            settings,
            account_id=account.id,
            school_id=account.school_id,
            session_ids=others,
            reason="revoked",
            now=now,
        )
        audit.record(
            session,
            school_id=account.school_id,
            actor_id=account.id,
            action="password.changed",
            at=now,
            account_id=account.id,
            sessions_ended=len(ended),
        )
    return len(ended)


@router.post("/me/password", tags=["accounts"], responses=problems(401, 403, 422, 429))
async def change_own_password(
    body: PasswordChange,
    user: CurrentUser,
    db: Db,
    settings: AuthSettings,
    passwords: PasswordHasher,
    sleep: Sleep,
    clock: Annotated[Clock, Depends(get_clock)],
) -> PasswordChanged:
    """Change one's own password: the current one is required (a wrong one is 403
    `wrong-password`, counted like a failed sign-in), the new one must pass the policy
    (422). Every other session of the account ends; this one stays."""
    ended = await change_password(
        db,
        settings=settings,
        passwords=passwords,
        sleep=sleep,
        user=user,
        current_password=body.current_password,
        new_password=body.new_password,
        now=clock(),
    )
    return PasswordChanged(sessions_ended=ended)


@router.get("/me/grantable-roles", tags=["roles"], responses=problems(401, 403))
async def grantable_roles(user: CurrentUser, session: Session) -> GrantableRoles:
    """The staff roles the grant table lets the caller grant and revoke now (empty for
    someone who grants none), so a screen offers only those."""
    try:
        grantor = await roles.grantor(session, user)
    except Forbidden:
        return GrantableRoles(roles=[])
    return GrantableRoles(
        roles=[
            cast(StaffRole, role)
            for role in roles.STAFF_ROLES
            if await roles.may_grant(session, grantor, role)
        ]
    )
