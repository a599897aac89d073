"""The inbox: idempotent consumers.

A consumer records `(consumer, event id)` in the same transaction as its effect; a
duplicate delivery finds the row and is acknowledged without effect. The delivery is
acknowledged only after the commit (the bus acks when the handler returns).
"""

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from sqlalchemy import Column, DateTime, MetaData, String, Table, func
from sqlalchemy.dialects.postgresql import UUID, insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.bus import Handler, Subscription
from shared.db import NAMING_CONVENTION, Database
from shared.events import CloudEvent, Event

log = logging.getLogger(__name__)

_metadata = MetaData(naming_convention=NAMING_CONVENTION)

inbox = Table(
    "inbox",
    _metadata,
    Column("consumer", String(100), primary_key=True),
    Column("event_id", UUID(as_uuid=True), primary_key=True),
    Column("event_type", String(200), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

EventHandler = Callable[[AsyncSession, Any], Awaitable[None]]


async def claim(session: AsyncSession, consumer: str, envelope: CloudEvent) -> bool:
    """Record the event for this consumer; False if it was already applied."""
    result = await session.execute(
        insert(inbox)
        .values(consumer=consumer, event_id=envelope.id, event_type=envelope.type)
        .on_conflict_do_nothing()
        .returning(inbox.c.event_id)
    )
    return result.first() is not None


def idempotent_handler(
    db: Database, consumer: str, handlers: Mapping[type[Event], EventHandler]
) -> Handler:
    """One bus handler dispatching by event type, each effect applied once in its transaction."""
    by_type = {event_type.routing_key: (event_type, fn) for event_type, fn in handlers.items()}

    async def handle(envelope: CloudEvent) -> None:
        entry = by_type.get(envelope.type)
        if entry is None:
            return  # bound by a wildcard but of no interest: acknowledge
        event_type, fn = entry
        event = event_type.from_cloudevent(envelope)
        async with db.transaction() as session:
            if not await claim(session, consumer, envelope):
                log.info(
                    "duplicate skipped",
                    extra={"event_id": str(envelope.id), "event_type": envelope.type},
                )
                return
            await fn(session, event)

    return handle


def subscription(
    db: Database, consumer: str, handlers: Mapping[type[Event], EventHandler]
) -> Subscription:
    """A service's subscription: its own queue, bound to exactly the events it handles."""
    return Subscription(
        queue=consumer,
        routing_keys=tuple(event_type.routing_key for event_type in handlers),
        handler=idempotent_handler(db, consumer, handlers),
    )
