"""Sessions: one per sign-in, the family of its refresh tokens and the `sid` of its access
tokens. Refresh rotates within a session (a reused refresh token revokes it); a session
ends by signing out, by signing out everywhere, by being revoked from the owner's list,
or with its account. An ended session is published (`auth.session.revoked.v1`, and
`auth.account.disabled.v1` for an account), and auth records it in its own revocation
projection in the same transaction, so every service, auth included, refuses its access
tokens within about a second instead of at their expiry.

Functions take the caller's session, change state, stage events, and never commit.
"""

import logging
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from auth.models import Account, AuthSession, RefreshToken
from auth.schemas import SessionOut
from auth.service import claims_of
from auth.settings import Settings
from auth.tokens import Claims, TokenIssuer, TokenPair, find_refresh_token
from shared import revocations
from shared.contracts.auth import AccountDisabled, SessionsRevoked
from shared.errors import NotFound
from shared.outbox import add_event
from shared.security import USER_AUDIENCES, User

log = logging.getLogger(__name__)

Reason = Literal["logout", "logout_all", "revoked", "refresh_reused", "account_disabled"]
MAX_CLIENT_LENGTH = 200


def _utcnow() -> datetime:
    return datetime.now(UTC)


async def open_session(
    session: AsyncSession,
    settings: Settings,
    account: Account,
    *,
    audience: Sequence[str] | None,
    client: str | None,
    now: datetime,
) -> AuthSession:
    """A new session of the account: its tokens are for `audience` (every user-facing
    service unless the client asked for fewer)."""
    opened = AuthSession(
        id=uuid.uuid4(),
        account_id=account.id,
        school_id=account.school_id,
        audience=sorted(set(audience)) if audience else sorted(USER_AUDIENCES),
        client=client[:MAX_CLIENT_LENGTH] if client else None,
        created_at=now,
        last_used_at=now,
        expires_at=now + timedelta(seconds=settings.refresh_token_ttl),
    )
    session.add(opened)
    await session.flush()
    return opened


def with_session(claims: Claims, opened: AuthSession) -> Claims:
    return Claims(
        account_id=claims.account_id,
        school_id=claims.school_id,
        roles=claims.roles,
        person_id=claims.person_id,
        children=claims.children,
        session_id=opened.id,
        audience=tuple(opened.audience),
    )


def _tokens_expire_by(settings: Settings, now: datetime) -> datetime:
    """No access token issued until now lives past this."""
    return now + timedelta(seconds=settings.access_token_ttl)


async def revoke(
    session: AsyncSession,
    settings: Settings,
    *,
    account_id: uuid.UUID,
    school_id: uuid.UUID,
    session_ids: Sequence[uuid.UUID],
    reason: Reason,
    now: datetime | None = None,
) -> list[uuid.UUID]:
    """End sessions of one account: no more refreshes, their access tokens refused
    everywhere. Sessions already ended are left as they are; returns those ended now."""
    now = now or _utcnow()
    if not session_ids:
        return []
    ended = list(
        await session.scalars(
            update(AuthSession)
            .where(
                AuthSession.id.in_(list(session_ids)),
                AuthSession.account_id == account_id,
                AuthSession.revoked_at.is_(None),
            )
            .values(revoked_at=now)
            .returning(AuthSession.id)
        )
    )
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id.in_(list(session_ids)), RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    if not ended:
        return []
    expire_by = _tokens_expire_by(settings, now)
    await revocations.record(session, "session", ((sid, now, expire_by) for sid in ended))
    await add_event(
        session,
        SessionsRevoked(
            school_id=school_id,
            occurred_at=now,
            account_id=account_id,
            session_ids=sorted(ended),
            reason=reason,
            tokens_expire_by=expire_by,
        ),
    )
    return ended


async def _live_session_ids(session: AsyncSession, account_id: uuid.UUID) -> list[uuid.UUID]:
    return list(
        await session.scalars(
            select(AuthSession.id).where(
                AuthSession.account_id == account_id, AuthSession.revoked_at.is_(None)
            )
        )
    )


async def refresh(
    session: AsyncSession,
    settings: Settings,
    issuer: TokenIssuer,
    token: str,
    now: datetime | None = None,
) -> TokenPair | None:
    """Rotate a refresh token within its session; a token used twice ends the session
    (it was copied: whoever holds the other copy is signed out too)."""
    now = now or _utcnow()
    stored = await find_refresh_token(session, token)
    if stored is None or stored.revoked_at is not None:
        return None
    opened = await session.get(AuthSession, stored.family_id, with_for_update=True)
    if stored.used_at is not None:
        log.warning("refresh token reused: session revoked")
        await revoke(
            session,
            settings,
            account_id=stored.account_id,
            school_id=stored.school_id,
            session_ids=[stored.family_id],
            reason="refresh_reused",
            now=now,
        )
        return None
    if stored.expires_at <= now or opened is None or opened.revoked_at is not None:
        return None
    account = await session.get(Account, stored.account_id)
    if account is None or not account.is_active:
        await revoke(
            session,
            settings,
            account_id=stored.account_id,
            school_id=stored.school_id,
            session_ids=[stored.family_id],
            reason="account_disabled",
            now=now,
        )
        return None
    stored.used_at = now
    opened.last_used_at = now
    claims = with_session(await claims_of(session, account), opened)
    return await issuer.pair(session, claims, now=now)


async def logout(
    session: AsyncSession, settings: Settings, token: str, now: datetime | None = None
) -> None:
    """End the session a refresh token belongs to; an unknown token changes nothing."""
    stored = await find_refresh_token(session, token)
    if stored is not None:
        await revoke(
            session,
            settings,
            account_id=stored.account_id,
            school_id=stored.school_id,
            session_ids=[stored.family_id],
            reason="logout",
            now=now,
        )


async def logout_all(session: AsyncSession, settings: Settings, user: User) -> int:
    """End every session of the caller's account, the current one included."""
    ended = await revoke(
        session,
        settings,
        account_id=user.account_id,
        school_id=user.school_id,
        session_ids=await _live_session_ids(session, user.account_id),
        reason="logout_all",
    )
    return len(ended)


async def revoke_own(
    session: AsyncSession, settings: Settings, user: User, session_id: uuid.UUID
) -> None:
    """End one of the caller's sessions; another account's session is not found (404)."""
    opened = await session.get(AuthSession, session_id)
    if opened is None or opened.account_id != user.account_id:
        raise NotFound("session")
    await revoke(
        session,
        settings,
        account_id=user.account_id,
        school_id=user.school_id,
        session_ids=[session_id],
        reason="revoked",
    )


async def list_own(
    session: AsyncSession, user: User, now: datetime | None = None
) -> list[SessionOut]:
    """The caller's live sessions, the newest first; `current` marks the one calling."""
    now = now or _utcnow()
    rows = await session.scalars(
        select(AuthSession)
        .where(
            AuthSession.account_id == user.account_id,
            AuthSession.revoked_at.is_(None),
            AuthSession.expires_at > now,
        )
        .order_by(AuthSession.last_used_at.desc(), AuthSession.id)
    )
    return [
        SessionOut(
            id=row.id,
            created_at=row.created_at,
            last_used_at=row.last_used_at,
            expires_at=row.expires_at,
            client=row.client,
            audience=list(row.audience),
            current=row.id == user.session_id,
        )
        for row in rows
    ]


async def disable_account(
    session: AsyncSession, settings: Settings, account_id: uuid.UUID, now: datetime | None = None
) -> bool:
    """Disable an account: it signs in no more, its sessions end, and every service
    refuses the access tokens it holds. False if it was disabled already."""
    now = now or _utcnow()
    account = await session.get(Account, account_id, with_for_update=True)
    if account is None:
        raise NotFound("account")
    if not account.is_active:
        return False
    account.is_active = False
    live = await _live_session_ids(session, account_id)
    await session.execute(
        update(AuthSession).where(AuthSession.id.in_(live)).values(revoked_at=now)
    )
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.account_id == account_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    expire_by = _tokens_expire_by(settings, now)
    await revocations.record(session, "account", [(account_id, now, expire_by)])
    await add_event(
        session,
        AccountDisabled(
            school_id=account.school_id,
            occurred_at=now,
            account_id=account_id,
            disabled_at=now,
            tokens_expire_by=expire_by,
        ),
    )
    return True


async def end_for_disabled_account(
    session: AsyncSession, account_id: uuid.UUID, now: datetime
) -> datetime:
    """For a disabling decided elsewhere (issuance): the account's sessions end and auth's
    own verifier refuses its tokens at once; returns when its last access token expires
    at the latest (an access token lives an hour at most)."""
    await session.execute(
        update(AuthSession)
        .where(AuthSession.account_id == account_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    expire_by = now + timedelta(hours=1)
    await revocations.record(session, "account", [(account_id, now, expire_by)])
    return expire_by
