"""Sign-in with a linked external identity: the same session, tokens, audit row and
`auth.session.logged_in.v1` as a password sign-in. No password is checked and no login
delay applies: the provider authenticated the person."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from auth import sessions
from auth.models import Account, LoginAudit
from auth.oidc import links
from auth.oidc.provider import Identity
from auth.service import claims_of
from auth.settings import Settings
from auth.tokens import TokenIssuer, TokenPair
from shared.contracts.auth import SignInFailed, UserLoggedIn
from shared.errors import Problem
from shared.outbox import add_event


class NotLinked(Problem):
    def __init__(self) -> None:
        super().__init__(
            403,
            "oidc-not-linked",
            "No account is linked",
            "No account of the journal is linked to this external account. Sign in with "
            "your login and password (or activation code) first, then link it.",
        )


class AccountDisabled(Problem):
    def __init__(self) -> None:
        super().__init__(
            403, "account-disabled", "Account disabled", "This account of the journal is disabled."
        )


@dataclass(frozen=True)
class SignedIn:
    tokens: TokenPair
    session_id: str


async def sign_in(
    session: AsyncSession,
    settings: Settings,
    issuer: TokenIssuer,
    identity: Identity,
    *,
    audience: Sequence[str] | None,
    client: str | None,
    now: datetime,
) -> SignedIn | Problem:
    """A session of the linked account, or the problem to answer (returned, not raised,
    so that the failure's audit row and event commit)."""
    account = await links.account_of(session, identity)
    if account is None:
        session.add(LoginAudit(account_id=None, school_id=None, succeeded=False, at=now))
        return NotLinked()
    current = await session.get(Account, account.id, with_for_update=True)
    if current is None or not current.is_active:
        session.add(
            LoginAudit(account_id=account.id, school_id=account.school_id, succeeded=False, at=now)
        )
        await add_event(
            session,
            SignInFailed(school_id=account.school_id, occurred_at=now, account_id=account.id),
        )
        return AccountDisabled()
    session.add(
        LoginAudit(account_id=current.id, school_id=current.school_id, succeeded=True, at=now)
    )
    opened = await sessions.open_session(
        session, settings, current, audience=audience, client=client, now=now
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
    return SignedIn(tokens=tokens, session_id=str(opened.id))
