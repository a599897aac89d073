"""Idempotency-Key support for writes a flaky network may repeat.

The key row is inserted first, in the request's transaction: a concurrent retry with the
same key waits on that row and then sees the stored response (or, if the first attempt
rolled back, takes the key itself). Failed requests store nothing, so they may be retried.
Keys are scoped to the calling account; the request fingerprint covers the route and the
validated body, so a key reused for a different request is refused.
"""

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Integer, String, func, select, update
from sqlalchemy.dialects.postgresql import JSONB, UUID, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from journal.base import Base, created_at_column
from shared.errors import Problem
from shared.purge import Retained

MAX_KEY_LENGTH = 200


class IdempotencyKey(Base):
    __tablename__ = "idempotency_keys"

    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH), primary_key=True)
    school_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)
    response: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    created_at: Mapped[datetime] = created_at_column()
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


# A client repeats a write within minutes; a key is kept for the retention (shared.purge).
RETAINED = Retained(IdempotencyKey.__tablename__, "created_at")


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    body: dict[str, Any]


def fingerprint(route: str, payload: dict[str, Any]) -> str:
    """A stable digest of what the request asks for (JSON key order does not matter)."""
    canonical = json.dumps({"route": route, "payload": payload}, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


async def begin(
    session: AsyncSession,
    *,
    account_id: uuid.UUID,
    school_id: uuid.UUID,
    key: str,
    request_fingerprint: str,
) -> StoredResponse | None:
    """Take the key for this request; the stored response if it was already answered."""
    taken = await session.execute(
        insert(IdempotencyKey)
        .values(
            account_id=account_id, key=key, school_id=school_id, fingerprint=request_fingerprint
        )
        .on_conflict_do_nothing()
        .returning(IdempotencyKey.key)
    )
    if taken.first() is not None:
        return None
    stored = (
        await session.execute(
            select(IdempotencyKey).where(
                IdempotencyKey.account_id == account_id, IdempotencyKey.key == key
            )
        )
    ).scalar_one()
    if stored.fingerprint != request_fingerprint:
        raise Problem(
            422,
            "idempotency-key-reused",
            "Idempotency key reused",
            "This Idempotency-Key was already used for a different request.",
        )
    if stored.status_code is None or stored.response is None:
        # Committed keys always carry their response; this guards against a future misuse.
        raise Problem(
            409,
            "idempotency-key-in-use",
            "Conflict",
            "A request with this Idempotency-Key is still in progress.",
        )
    return StoredResponse(stored.status_code, stored.response)


async def complete(
    session: AsyncSession,
    *,
    account_id: uuid.UUID,
    key: str,
    status_code: int,
    body: dict[str, Any],
) -> None:
    """Store the response to replay for this key (in the same transaction as the effect)."""
    await session.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.account_id == account_id, IdempotencyKey.key == key)
        .values(status_code=status_code, response=body, completed_at=func.now())
    )
