"""The inbox: idempotent consumers.

A consumer records `(consumer, event id)` in the same transaction as its effect; a
duplicate delivery finds the row and is acknowledged without effect. The delivery is
acknowledged only after the commit (the bus acks when the handler returns).
"""

import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
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


EnvelopeRecorder = Callable[[AsyncSession, CloudEvent], Awaitable[object]]


def idempotent_handler(
    db: Database,
    consumer: str,
    handlers: Mapping[type[Event], EventHandler],
    *,
    also: Iterable[type[Event]] = (),
    record: EnvelopeRecorder | None = None,
) -> Handler:
    """One bus handler dispatching by event type, each effect applied once in its transaction.

    `record`, if given, sees every received envelope as it arrived (for an event log or an
    archive) in the same transaction, before the typed handler; `also` names events that
    are only recorded. Payloads are validated against their contract first, so a malformed
    event fails (and is dead-lettered) instead of being recorded.
    """
    known = {event_type.routing_key: event_type for event_type in (*handlers, *also)}

    async def handle(envelope: CloudEvent) -> None:
        event_type = known.get(envelope.type)
        if event_type is None:
            return  # bound by a wildcard but of no interest: acknowledge
        event = event_type.from_cloudevent(envelope)
        fn = handlers.get(event_type)
        async with db.transaction() as session:
            if not await claim(session, consumer, envelope):
                log.info(
                    "duplicate skipped",
                    extra={"event_id": str(envelope.id), "event_type": envelope.type},
                )
                return
            if record is not None:
                await record(session, envelope)
            if fn is not None:
                await fn(session, event)

    return handle


def subscription(
    db: Database,
    consumer: str,
    handlers: Mapping[type[Event], EventHandler],
    *,
    also: Iterable[type[Event]] = (),
    record: EnvelopeRecorder | None = None,
) -> Subscription:
    """A service's subscription: its own queue, bound to exactly the events it handles."""
    routing_keys = dict.fromkeys(e.routing_key for e in (*handlers, *also))
    return Subscription(
        queue=consumer,
        routing_keys=tuple(routing_keys),
        handler=idempotent_handler(db, consumer, handlers, also=also, record=record),
    )
