"""Sessions and accounts whose access tokens are refused before they expire.

auth publishes `auth.session.revoked.v1` (sign-out, sign-out everywhere, a session ended
from the list, a reused refresh token) and `auth.account.disabled.v1`. Every service's
consumer records them in its own small `token_revocations` table (REVOCATION_HANDLERS,
merged into the service's HANDLERS); every process verifying tokens keeps the table's
live rows in memory (`Revocations`), reloaded at most every `refresh_interval` seconds
when a token is checked, so an API process without a broker connection learns a
revocation within about a second of its consumer applying it.

The table stays small: a row is kept until no access token it refuses can still be
alive (`tokens_expire_by`, one access-token lifetime after the revocation), and the
consumer deletes the rows past it. The whole live set is reloaded each time (no cursor
that a transaction committing out of order could skip).
"""

import logging
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from shared.contracts.auth import AccountDisabled, SessionsRevoked
from shared.db import Database
from shared.events import Event
from shared.inbox import Batched

log = logging.getLogger(__name__)

REVOCATIONS_DDL: tuple[str, ...] = (
    """
    CREATE TABLE token_revocations (
        kind varchar(10) NOT NULL,
        subject_id uuid NOT NULL,
        revoked_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        CONSTRAINT pk_token_revocations PRIMARY KEY (kind, subject_id),
        CONSTRAINT ck_token_revocations_kind CHECK (kind IN ('session', 'account'))
    )
    """,
    "CREATE INDEX ix_token_revocations_expires_at ON token_revocations (expires_at)",
)
"""The revocation projection of a service database: `session` rows name a session id
(the tokens' `sid`), `account` rows an account whose tokens issued until `revoked_at`
are refused."""


def create_revocations() -> None:
    """The revocation projection, in a service's own migration."""
    from alembic import op

    for statement in REVOCATIONS_DDL:
        op.execute(statement)


def drop_revocations() -> None:
    from alembic import op

    op.execute("DROP TABLE token_revocations")


_UPSERT = text(
    "INSERT INTO token_revocations (kind, subject_id, revoked_at, expires_at) "
    "SELECT :kind, unnest(CAST(:ids AS uuid[])), unnest(CAST(:revoked AS timestamptz[])), "
    "unnest(CAST(:expires AS timestamptz[])) "
    "ON CONFLICT (kind, subject_id) DO UPDATE SET "
    "revoked_at = greatest(token_revocations.revoked_at, excluded.revoked_at), "
    "expires_at = greatest(token_revocations.expires_at, excluded.expires_at)"
)
_PRUNE = text("DELETE FROM token_revocations WHERE expires_at < now()")
_LIVE = text("SELECT kind, subject_id, revoked_at FROM token_revocations WHERE expires_at >= now()")


async def record(
    session: AsyncSession, kind: str, rows: Iterable[tuple[uuid.UUID, datetime, datetime]]
) -> None:
    """Record revocations (subject, revoked at, tokens expire by); old rows are pruned."""
    latest: dict[uuid.UUID, tuple[datetime, datetime]] = {}
    for subject, revoked, expires in rows:
        before = latest.get(subject)
        if before is not None:
            revoked, expires = max(revoked, before[0]), max(expires, before[1])
        latest[subject] = (revoked, expires)
    if not latest:
        return
    await session.execute(
        _UPSERT,
        {
            "kind": kind,
            "ids": list(latest),
            "revoked": [revoked for revoked, _ in latest.values()],
            "expires": [expires for _, expires in latest.values()],
        },
    )
    await session.execute(_PRUNE)


async def on_sessions_revoked(session: AsyncSession, events: list[SessionsRevoked]) -> None:
    await record(
        session,
        "session",
        (
            (session_id, event.occurred_at, event.tokens_expire_by)
            for event in events
            for session_id in event.session_ids
        ),
    )


async def on_accounts_disabled(session: AsyncSession, events: list[AccountDisabled]) -> None:
    await record(
        session,
        "account",
        (
            (
                e.account_id,
                e.disabled_at or e.occurred_at,
                e.tokens_expire_by or (e.disabled_at or e.occurred_at) + timedelta(hours=1),
            )
            for e in events
        ),
    )


REVOCATION_HANDLERS: dict[type[Event], Batched] = {
    SessionsRevoked: Batched(on_sessions_revoked),
    AccountDisabled: Batched(on_accounts_disabled),
}
"""What every service's consumer adds to its handlers (and so to its bindings)."""


@dataclass(frozen=True)
class Snapshot:
    sessions: frozenset[uuid.UUID]
    accounts: dict[uuid.UUID, float]  # account → tokens issued at or before are refused

    def refuses(self, account_id: uuid.UUID, session_id: uuid.UUID | None, iat: float) -> bool:
        if session_id is not None and session_id in self.sessions:
            return True
        disabled = self.accounts.get(account_id)
        return disabled is not None and iat <= disabled


EMPTY = Snapshot(frozenset(), {})


class Revocations:
    """The live revocations of this service's database, held in memory and reloaded when
    older than `refresh_interval` seconds (one small query a second at most). A failed
    reload keeps the previous set (and is tried again after the interval)."""

    def __init__(
        self,
        database: Callable[[], Database],
        refresh_interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.database = database
        self.refresh_interval = refresh_interval
        self.clock = clock
        self._snapshot = EMPTY
        self._loaded_at = float("-inf")

    async def current(self) -> Snapshot:
        if self.clock() - self._loaded_at >= self.refresh_interval:
            # Set first: concurrent requests do not all reload, and a failure waits.
            self._loaded_at = self.clock()
            await self.reload()
        return self._snapshot

    async def reload(self) -> None:
        try:
            async with self.database().transaction() as session:
                rows: list[Any] = list((await session.execute(_LIVE)).all())
        except Exception as exc:
            log.warning("revocations not reloaded", extra={"error_type": type(exc).__name__})
            return
        sessions = frozenset(row.subject_id for row in rows if row.kind == "session")
        accounts = {
            row.subject_id: row.revoked_at.astimezone(UTC).timestamp()
            for row in rows
            if row.kind == "account"
        }
        self._snapshot = Snapshot(sessions, accounts)

    async def refuses(
        self, account_id: uuid.UUID, session_id: uuid.UUID | None, issued_at: float
    ) -> bool:
        return (await self.current()).refuses(account_id, session_id, issued_at)
