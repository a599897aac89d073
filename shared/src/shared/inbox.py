"""The inbox: idempotent consumers, a batch of events per transaction.

A consumer records `(consumer, event id)` in the same transaction as its effects; a
duplicate delivery finds the row and is acknowledged without effect. The bus hands over a
batch and acknowledges it only after the handler returns, that is after the commit, so a
batch committed but not acknowledged (a crash in between) is redelivered and skipped here.

One batch costs one transaction: the inbox rows of the whole batch are written in one
statement, which returns the ids that are new; only those events are applied (a duplicate
inside the batch, or an event applied by an earlier batch, is skipped).
"""

import logging
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, DateTime, MetaData, String, Table, func, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.ext.asyncio import AsyncSession

from shared.bus import BatchHandler, Subscription
from shared.contracts import with_bundles
from shared.db import NAMING_CONVENTION, Database
from shared.events import Bundle, CloudEvent, Event

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
"""Applies one event: `(session, event)`."""


@dataclass(frozen=True)
class Batched:
    """Marks a handler that applies every new event of its type in a batch at once,
    `(session, list[event])`, for effects that are one bulk insert or upsert."""

    apply: Callable[[AsyncSession, list[Any]], Awaitable[None]]


Effect = EventHandler | Batched

EnvelopeRecorder = Callable[[AsyncSession, list[CloudEvent]], Awaitable[object]]
"""Sees the new envelopes of a batch, as they arrived, in the batch's transaction."""

# One statement whatever the batch's size (arrays, not a VALUES list that would make a
# new prepared statement for every length): the ids it returns are the events not seen.
_CLAIM = text(
    "INSERT INTO inbox (consumer, event_id, event_type) "
    "SELECT :consumer, claimed.event_id, claimed.event_type "
    "FROM unnest(CAST(:event_ids AS uuid[]), CAST(:event_types AS text[])) "
    "AS claimed(event_id, event_type) "
    "ON CONFLICT DO NOTHING RETURNING event_id"
)


async def claim(
    session: AsyncSession, consumer: str, envelopes: Sequence[CloudEvent]
) -> list[CloudEvent]:
    """Record the events for this consumer; those not applied before, in their order,
    each id once."""
    first: dict[uuid.UUID, CloudEvent] = {}
    for envelope in envelopes:
        first.setdefault(envelope.id, envelope)  # an id delivered twice counts once
    distinct = list(first.values())
    if not distinct:
        return []
    # Rows in id order: two consumers claiming overlapping batches (a redelivery) then
    # wait for each other's rows in one order instead of deadlocking.
    ordered = sorted(distinct, key=lambda envelope: envelope.id)
    result = await session.execute(
        _CLAIM,
        {
            "consumer": consumer,
            "event_ids": [envelope.id for envelope in ordered],
            "event_types": [envelope.type for envelope in ordered],
        },
    )
    new = set(result.scalars())
    return [envelope for envelope in distinct if envelope.id in new]


def idempotent_handler(
    db: Database,
    consumer: str,
    handlers: Mapping[type[Event], Effect],
    *,
    also: Iterable[type[Event]] = (),
    record: EnvelopeRecorder | None = None,
) -> BatchHandler:
    """One bus handler for batches: each new event applied once, the batch in one
    transaction, dispatched by event type.

    `record`, if given, sees the batch's new envelopes as they arrived (for an event log or
    an archive) in the same transaction, before the typed handlers; a bundle's events are
    seen and applied each as its own envelope, as if it had travelled alone; `also` names events
    that are only recorded. Payloads are validated against their contracts before the
    transaction opens, so a malformed event fails its batch (the bus then retries the
    events one by one, and only the malformed one is dead-lettered) instead of being
    recorded. Handlers run per event type, in the order of `handlers`, each on the batch's
    events of its type in arrival order: effects must not depend on the order in which
    events arrive (projections go by version).
    """
    bound = with_bundles((*handlers, *also))
    known = {e.routing_key: e for e in bound if not issubclass(e, Bundle)}
    bundles = {e.routing_key: e for e in bound if issubclass(e, Bundle)}

    def unpacked(envelope: CloudEvent) -> list[CloudEvent]:
        """The events an envelope stands for: itself, or a bundle's events of interest."""
        if envelope.type in bundles:
            return [e for e in bundles[envelope.type].unpack(envelope) if e.type in known]
        return [envelope]

    async def handle(envelopes: Sequence[CloudEvent]) -> None:
        # Events bound by a wildcard but of no interest are acknowledged untouched.
        wanted = [e for e in envelopes if e.type in known or e.type in bundles]
        if not wanted:
            return
        # A bundle's events are applied as if each had arrived alone, in this batch; the
        # bundle is claimed once, by its own id (its events never travel outside it).
        inside = {envelope.id: unpacked(envelope) for envelope in wanted}
        typed = {
            event.id: known[event.type].from_cloudevent(event)
            for events in inside.values()
            for event in events
        }
        async with db.transaction() as session:
            new = await claim(session, consumer, wanted)
            skipped = len(wanted) - len(new)
            if skipped:
                log.info(
                    "duplicates skipped",
                    extra={"consumer": consumer, "duplicates": skipped, "batch_size": len(wanted)},
                )
            events = [event for envelope in new for event in inside[envelope.id]]
            if not events:
                return
            if record is not None:
                await record(session, events)
            await apply_by_type(session, handlers, [typed[event.id] for event in events])

    return handle


async def apply_by_type(
    session: AsyncSession, handlers: Mapping[type[Event], Effect], events: Sequence[Event]
) -> None:
    """Apply a batch's events as a consumer does: handler by handler, in the order of
    `handlers`, each on the batch's events of its type in arrival order; events no handler
    takes are left alone."""
    by_type: dict[type[Event], list[Any]] = {}
    for event in events:
        by_type.setdefault(type(event), []).append(event)
    for event_type, effect in handlers.items():
        of_type = by_type.get(event_type)
        if not of_type:
            continue
        if isinstance(effect, Batched):
            await effect.apply(session, of_type)
        else:
            for event in of_type:
                await effect(session, event)


def subscription(
    db: Database,
    consumer: str,
    handlers: Mapping[type[Event], Effect],
    *,
    also: Iterable[type[Event]] = (),
    record: EnvelopeRecorder | None = None,
) -> Subscription:
    """A service's subscription: its own queue, bound to exactly the events it handles (and
    the bundles that may carry them)."""
    routing_keys = dict.fromkeys(e.routing_key for e in with_bundles((*handlers, *also)))
    return Subscription(
        queue=consumer,
        routing_keys=tuple(routing_keys),
        handler=idempotent_handler(db, consumer, handlers, also=also, record=record),
    )
