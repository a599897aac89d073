"""The transactional outbox: an event is written in the same transaction as the change.

The relay (shared.relay) publishes rows not yet published and marks them published only
after the broker's confirm. Every service database has this table (see shared.migrations).

An event is serialised once, when it is staged (`staged`): its envelope is written as JSON
text in one pass and stored as it is.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import orjson
from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    cast,
    func,
    insert,
    literal,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import NAMING_CONVENTION
from shared.events import Bundle, Event

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


@dataclass(frozen=True)
class StagedEvent:
    """An outbox row's values: the event's id, its routing key, its envelope as JSON text."""

    id: uuid.UUID
    routing_key: str
    envelope: str


def staged(event: Event, traceparent: str | None = None) -> StagedEvent:
    """The outbox row of `event`, its envelope serialised in one pass.

    The same document as `event.to_cloudevent(traceparent).to_json()` (test_outbox.py
    holds them equal), without building the envelope model and dumping it twice: the
    data is written by the event's own pydantic serializer and embedded as it is.
    """
    return _row(event, orjson.Fragment(event.__pydantic_serializer__.to_json(event)), traceparent)


def staged_bundle(
    bundle: Bundle, inner: Sequence[StagedEvent], traceparent: str | None = None
) -> StagedEvent:
    """The outbox row of `bundle` holding the events `inner` (already staged, each as it
    would have travelled alone): their envelopes are embedded as they are, not parsed."""
    data: dict[str, object] = bundle.model_dump(mode="json", exclude={"events"})
    data["events"] = [orjson.Fragment(row.envelope) for row in inner]
    return _row(bundle, data, traceparent)


def _row(event: Event, data: object, traceparent: str | None) -> StagedEvent:
    head: dict[str, object] = {
        "specversion": "1.0",
        "id": event.event_id,
        "source": event.source(),
        "type": event.routing_key,
        "time": event.occurred_at,
        "subject": f"{event.aggregate}/{event.aggregate_id()}",
        "datacontenttype": "application/json",
    }
    if event.school_id:
        head["schoolid"] = str(event.school_id)
    head["version"] = event.version
    if traceparent is not None:
        head["traceparent"] = traceparent
    head["data"] = data
    # OPT_UTC_Z: UTC times end in "Z", as pydantic writes them.
    envelope = orjson.dumps(head, option=orjson.OPT_UTC_Z).decode()
    return StagedEvent(event.event_id, event.routing_key, envelope)


async def add_event(session: AsyncSession, event: Event) -> uuid.UUID:
    """Stage an event in the caller's transaction; it leaves only if the transaction commits."""
    return await add_staged(session, staged(event))


async def add_staged(session: AsyncSession, row: StagedEvent) -> uuid.UUID:
    """Stage an outbox row made by `staged` or `staged_bundle` in the caller's transaction."""
    await session.execute(
        insert(outbox).values(
            id=row.id,
            routing_key=row.routing_key,
            # Text cast by PostgreSQL: the JSON is not parsed and dumped again in Python.
            envelope=cast(literal(row.envelope, Text), JSONB),
        )
    )
    return row.id
