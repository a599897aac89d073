"""Flows sent to the provider: `state`, `nonce` and the PKCE verifier kept server-side,
bound to the browser (a random cookie, kept as its hash), single-use and expiring."""

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from auth.oidc.models import OidcFlow
from shared.errors import Problem

Purpose = Literal["sign_in", "link"]
COOKIE = "oidc_browser"
COOKIE_PATH = "/api/auth/oidc"


class InvalidState(Problem):
    def __init__(self) -> None:
        super().__init__(
            400,
            "oidc-invalid-state",
            "Unknown or expired sign-in",
            "This answer from the provider matches no sign-in started in this browser (it "
            "was used already, expired, or came from elsewhere). Start again.",
        )


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def browser_secret(cookie: str | None) -> str:
    """The browser's cookie value: the one it has (so flows in two tabs both hold), or new."""
    if cookie and 32 <= len(cookie) <= 64 and cookie.isascii():
        return cookie
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class StartedFlow:
    state: str
    nonce: str
    verifier: str


@dataclass(frozen=True)
class ReturnedFlow:
    purpose: Purpose
    account_id: uuid.UUID | None
    nonce: str
    verifier: str


async def start(
    session: AsyncSession,
    *,
    browser: str,
    purpose: Purpose,
    account_id: uuid.UUID | None,
    now: datetime,
    ttl: int,
) -> StartedFlow:
    """Record a flow about to be sent to the provider (and forget the expired ones)."""
    await session.execute(delete(OidcFlow).where(OidcFlow.expires_at <= now))
    started = StartedFlow(
        state=secrets.token_urlsafe(32),
        nonce=secrets.token_urlsafe(32),
        verifier=secrets.token_urlsafe(64),  # 86 characters: RFC 7636 asks for 43 to 128
    )
    session.add(
        OidcFlow(
            state_hash=_digest(started.state),
            browser_hash=_digest(browser),
            nonce=started.nonce,
            code_verifier=started.verifier,
            purpose=purpose,
            account_id=account_id,
            created_at=now,
            expires_at=now + timedelta(seconds=ttl),
        )
    )
    return started


async def consume(
    session: AsyncSession, *, state: str, browser: str | None, now: datetime
) -> ReturnedFlow | None:
    """The flow of `state`, deleted whatever follows (a state answers once, and a stolen
    one is spent by its first try); None when it is unknown, expired, or was started in
    another browser (the caller answers InvalidState after this commits)."""
    flow = await session.scalar(
        delete(OidcFlow).where(OidcFlow.state_hash == _digest(state)).returning(OidcFlow)
    )
    if flow is None or flow.expires_at <= now or browser is None:
        return None
    if not hmac.compare_digest(flow.browser_hash, _digest(browser)):
        return None
    purpose: Purpose = "link" if flow.purpose == "link" else "sign_in"
    return ReturnedFlow(
        purpose=purpose, account_id=flow.account_id, nonce=flow.nonce, verifier=flow.code_verifier
    )
