"""What reporting subscribes to: every known event goes to the log; some feed projections.

The log keeps each event exactly as it arrived (unknown fields included), so that
projections added later can be built from it.
"""

import logging
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from reporting import service
from reporting.models import LoggedEvent
from shared.bus import Subscription
from shared.contracts import ALL_EVENTS
from shared.contracts.journal import (
    AssignmentMade,
    ClassOpened,
    MarkChanged,
    MarkPosted,
    MarkRemoved,
    WorkTypeChanged,
)
from shared.db import Database
from shared.events import CloudEvent, Event
from shared.inbox import Batched, subscription
from shared.topology import bindings_of

log = logging.getLogger(__name__)

CONSUMER = "reporting"


# The projections, each applying a batch's events of its type in one statement; every
# other known event is only logged.
HANDLERS: dict[type[Event], Batched] = {
    ClassOpened: Batched(service.record_classes_opened),
    AssignmentMade: Batched(service.record_assignments),
    MarkPosted: Batched(service.record_marks_posted),
    MarkChanged: Batched(service.record_marks_changed),
    MarkRemoved: Batched(service.record_marks_removed),
    WorkTypeChanged: Batched(service.record_work_types_changed),
}
LOGGED: dict[str, type[Event]] = {event_type.routing_key: event_type for event_type in ALL_EVENTS}
# Every known event is logged, so the queue is bound to all of them.
BINDINGS = bindings_of(CONSUMER, ALL_EVENTS)

REPLAY_CHUNK = 1000


async def apply(session: AsyncSession, envelopes: Sequence[CloudEvent]) -> None:
    """Project logged envelopes (their payloads validated against their contracts first)."""
    by_type: dict[type[Event], list[Event]] = {}
    for envelope in envelopes:
        event_type = LOGGED[envelope.type]
        by_type.setdefault(event_type, []).append(event_type.from_cloudevent(envelope))
    for event_type, events in by_type.items():
        handler = HANDLERS.get(event_type)
        if handler is not None:
            await handler.apply(session, events)


def subscriptions(db: Database) -> list[Subscription]:
    """Every known event is logged as it arrived; HANDLERS also project theirs."""
    return [subscription(db, CONSUMER, HANDLERS, also=ALL_EVENTS, record=service.log_event)]


async def rebuild_projections(session: AsyncSession) -> int:
    """Empty the projections and replay the whole log into them; returns events replayed.

    Projections are order-independent, so the log's order does not matter.
    """
    await service.clear_projections(session)
    replayed = 0
    rows = await session.stream_scalars(
        select(LoggedEvent.envelope).order_by(LoggedEvent.received_at, LoggedEvent.event_id)
    )
    async for chunk in rows.partitions(REPLAY_CHUNK):
        envelopes = [CloudEvent.model_validate(stored) for stored in chunk]
        known = [envelope for envelope in envelopes if envelope.type in LOGGED]
        await apply(session, known)
        replayed += len(known)
    return replayed
