"""What archive subscribes to: the journal's events, each kept once as it arrived.

The handler sees the raw envelope (shared.inbox.subscription hands handlers only the typed
event), because archive keeps events exactly as they arrived; the payload is still
validated against its contract first, so a malformed event is dead-lettered, not kept.
"""

import logging

from archive import service
from shared.bus import Handler, Subscription
from shared.contracts.journal import (
    AssignmentMade,
    ClassOpened,
    GuardianLinked,
    MarkPosted,
    StudentEnrolled,
)
from shared.db import Database
from shared.events import CloudEvent, Event
from shared.inbox import claim

log = logging.getLogger(__name__)

CONSUMER = "archive"

RECEIVED: tuple[type[Event], ...] = (
    ClassOpened,
    StudentEnrolled,
    GuardianLinked,
    AssignmentMade,
    MarkPosted,
)


def keeping_handler(db: Database, consumer: str, events: tuple[type[Event], ...]) -> Handler:
    """Validate and keep each event once, in one transaction with the inbox record."""
    by_type = {event_type.routing_key: event_type for event_type in events}

    async def handle(envelope: CloudEvent) -> None:
        event_type = by_type.get(envelope.type)
        if event_type is None:
            return  # not one of ours: acknowledge
        event_type.from_cloudevent(envelope)  # validates the payload
        async with db.transaction() as session:
            if not await claim(session, consumer, envelope):
                log.info(
                    "duplicate skipped",
                    extra={"event_id": str(envelope.id), "event_type": envelope.type},
                )
                return
            await service.store_received(session, envelope)

    return handle


def subscriptions(db: Database) -> list[Subscription]:
    return [
        Subscription(
            queue=CONSUMER,
            routing_keys=tuple(e.routing_key for e in RECEIVED),
            handler=keeping_handler(db, CONSUMER, RECEIVED),
        )
    ]
