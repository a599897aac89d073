"""The transactional outbox: an event is written in the same transaction as the change.

The relay (shared.relay) publishes rows not yet published and marks them published only
after the broker's confirm. Every service database has this table (see shared.migrations).
"""

import uuid

from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
    insert,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import NAMING_CONVENTION
from shared.events import Event

NOTIFY_CHANNEL = "outbox"

_metadata = MetaData(naming_convention=NAMING_CONVENTION)

outbox = Table(
    "outbox",
    _metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("routing_key", String(200), nullable=False),
    Column("envelope", JSONB, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("published_at", DateTime(timezone=True)),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("last_error", Text),
    # Set when the relay gave up on the row (shared.relay): kept, reported, not claimed.
    Column("parked_at", DateTime(timezone=True)),
)


async def add_event(session: AsyncSession, event: Event) -> uuid.UUID:
    """Stage an event in the caller's transaction; it leaves only if the transaction commits."""
    envelope = event.to_cloudevent()
    await session.execute(
        insert(outbox).values(
            id=envelope.id,
            routing_key=envelope.type,
            envelope=envelope.model_dump(mode="json", exclude_none=True),
        )
    )
    return envelope.id
