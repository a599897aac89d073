"""Rebuilding every projection from the log: empty them, replay the log in chunks.

Projections are order-independent, so the log's order does not matter; the result is the
live projections' state (tests/reporting/test_reporting_rebuild.py)."""

from collections.abc import Callable, Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from reporting.event_log import LoggedEvent
from reporting.projections.registry import PROJECTED, PROJECTIONS, clear_projections
from shared.contracts import BY_ROUTING_KEY
from shared.events import CloudEvent, Event

REPLAY_CHUNK = 2000
PROJECTED_TYPES = {event_type.routing_key: event_type for event_type in PROJECTED}

Progress = Callable[[int], None]
"""Told how many more events were replayed."""


async def apply_events(session: AsyncSession, events: Sequence[Event]) -> None:
    """Apply typed events to the projections: each projection once, in PROJECTIONS' order,
    with the rows of all its events in one statement (sorted by key). Every transaction
    thus locks tables in one order and rows in key order, so competing consumers wait for
    each other instead of deadlocking."""
    for projection in PROJECTIONS:
        relevant = [event for event in events if type(event) in projection.makers]
        if relevant:
            await projection.apply(session, relevant)


async def apply_envelopes(session: AsyncSession, envelopes: Sequence[CloudEvent]) -> int:
    """Project logged envelopes (validated against their contracts first); returns how many
    feed a projection."""
    events = [
        PROJECTED_TYPES[envelope.type].from_cloudevent(envelope)
        for envelope in envelopes
        if envelope.type in PROJECTED_TYPES
    ]
    await apply_events(session, events)
    return len(events)


async def logged_count(session: AsyncSession) -> int:
    """How many events the log holds (the rebuild's total)."""
    return int(await session.scalar(select(func.count()).select_from(LoggedEvent)) or 0)


async def rebuild_projections(session: AsyncSession, progress: Progress | None = None) -> int:
    """Empty the projections and replay the whole log into them; returns the events of
    known types replayed."""
    await clear_projections(session)
    replayed = 0
    rows = await session.stream_scalars(
        select(LoggedEvent.envelope).order_by(LoggedEvent.received_at, LoggedEvent.event_id)
    )
    async for chunk in rows.partitions(REPLAY_CHUNK):
        envelopes = [CloudEvent.model_validate(stored) for stored in chunk]
        await apply_envelopes(session, envelopes)
        replayed += sum(1 for envelope in envelopes if envelope.type in BY_ROUTING_KEY)
        if progress is not None:
            progress(len(chunk))
    return replayed
