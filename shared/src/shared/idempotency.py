"""Idempotency-Key support for writes a flaky network may repeat, in any service.

The key row is inserted first, in the request's transaction: a concurrent retry with the
same key waits on that row and then sees the stored response (or, if the first attempt
rolled back, takes the key itself). Failed requests store nothing, so they may be retried.
Keys are scoped to the calling account; the request fingerprint covers the route and the
validated body, so a key reused for a different request is refused.

A service keeps its keys in its own `idempotency_keys` table: `keys_table(metadata)` in
its models, `create_keys_table()` in a migration, `RETAINED` among its purged tables.
"""

import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Header
from fastapi.responses import JSONResponse
from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    func,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID, insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.errors import Problem
from shared.purge import Retained

TABLE = "idempotency_keys"
MAX_KEY_LENGTH = 200

IdempotencyKeyHeader = Annotated[
    str | None,
    Header(alias="Idempotency-Key", min_length=1, max_length=MAX_KEY_LENGTH),
]

# A client repeats a write within minutes; a key is kept for the retention (shared.purge).
RETAINED = Retained(TABLE, "created_at")


def keys_table(metadata: MetaData) -> Table:
    """The keys table in a service's metadata."""
    return Table(
        TABLE,
        metadata,
        Column("account_id", UUID(as_uuid=True), primary_key=True),
        Column("key", String(MAX_KEY_LENGTH), primary_key=True),
        Column("school_id", UUID(as_uuid=True), nullable=False),
        Column("fingerprint", String(64), nullable=False),
        Column("status_code", Integer),
        Column("response", JSONB),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("completed_at", DateTime(timezone=True)),
    )


def create_keys_table() -> None:
    """The keys table, in a service's own migration."""
    from alembic import op

    keys_table(MetaData()).create(op.get_bind())


def drop_keys_table() -> None:
    from alembic import op

    op.drop_table(TABLE)


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    body: dict[str, Any]


def replayed(stored: StoredResponse) -> JSONResponse:
    """The first answer again, marked as a replay."""
    return JSONResponse(
        stored.body, status_code=stored.status_code, headers={"Idempotent-Replayed": "true"}
    )


def fingerprint(route: str, payload: dict[str, Any]) -> str:
    """A stable digest of what the request asks for (JSON key order does not matter)."""
    canonical = json.dumps({"route": route, "payload": payload}, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


class Keys:
    """The idempotency keys of one service's table."""

    def __init__(self, table: Table) -> None:
        self.table = table

    async def begin(
        self,
        session: AsyncSession,
        *,
        account_id: uuid.UUID,
        school_id: uuid.UUID,
        key: str,
        request_fingerprint: str,
    ) -> StoredResponse | None:
        """Take the key for this request; the stored response if it was already answered."""
        table = self.table
        taken = await session.execute(
            insert(table)
            .values(
                account_id=account_id,
                key=key,
                school_id=school_id,
                fingerprint=request_fingerprint,
            )
            .on_conflict_do_nothing()
            .returning(table.c.key)
        )
        if taken.first() is not None:
            return None
        stored = (
            await session.execute(
                select(table.c.fingerprint, table.c.status_code, table.c.response).where(
                    table.c.account_id == account_id, table.c.key == key
                )
            )
        ).one()
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
        self,
        session: AsyncSession,
        *,
        account_id: uuid.UUID,
        key: str,
        status_code: int,
        body: dict[str, Any],
    ) -> None:
        """Store the response to replay for this key (in the same transaction as the effect)."""
        table = self.table
        await session.execute(
            update(table)
            .where(table.c.account_id == account_id, table.c.key == key)
            .values(status_code=status_code, response=body, completed_at=func.now())
        )
