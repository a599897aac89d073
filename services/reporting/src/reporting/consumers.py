"""What reporting subscribes to: every known event goes to the log; some feed projections.

The log keeps each event exactly as it arrived (unknown fields included), so that
projections added later can be built from it.
"""

import logging

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from reporting import service
from reporting.models import LoggedEvent
from shared.bus import Subscription
from shared.contracts import ALL_EVENTS
from shared.contracts.journal import AssignmentMade, ClassOpened, MarkPosted
from shared.db import Database
from shared.events import CloudEvent, Event
from shared.inbox import EventHandler, subscription
from shared.topology import bindings_of

log = logging.getLogger(__name__)

CONSUMER = "reporting"


async def on_class_opened(session: AsyncSession, event: ClassOpened) -> None:
    await service.record_class_opened(session, event)


async def on_assignment_made(session: AsyncSession, event: AssignmentMade) -> None:
    await service.record_assignment(session, event)


async def on_mark_posted(session: AsyncSession, event: MarkPosted) -> None:
    await service.record_mark_posted(session, event)


# The projections; every other known event is only logged.
HANDLERS: dict[type[Event], EventHandler] = {
    ClassOpened: on_class_opened,
    AssignmentMade: on_assignment_made,
    MarkPosted: on_mark_posted,
}
LOGGED: dict[str, type[Event]] = {event_type.routing_key: event_type for event_type in ALL_EVENTS}
# Every known event is logged, so the queue is bound to all of them.
BINDINGS = bindings_of(CONSUMER, ALL_EVENTS)


async def apply(session: AsyncSession, envelope: CloudEvent) -> None:
    """Project one logged envelope (the payload is validated against its contract first)."""
    event = LOGGED[envelope.type].from_cloudevent(envelope)
    handler = HANDLERS.get(type(event))
    if handler is not None:
        await handler(session, event)


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
    async for stored in rows:
        envelope = CloudEvent.model_validate(stored)
        if envelope.type in LOGGED:
            await apply(session, envelope)
            replayed += 1
    return replayed
