"""The relay publishes an outbox row as it is stored (shared.relay, `Bus.publish_raw`): the
envelope's bytes go on the wire unchanged, in the order the rows were staged, on every
transport; a stored row that is not a CloudEvent is parked, whatever the transport; a raw
publish nobody is bound to raises PublishError."""

import uuid
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from pydantic import ValidationError
from sqlalchemy import func, insert, select, text, update

from shared.bus import PublishError
from shared.db import Database
from shared.events import CLOUDEVENTS_CONTENT_TYPE, CloudEvent
from shared.outbox import add_event, outbox, staged
from shared.relay import OutboxRelay
from shared.testing_bus import RabbitTransport, ThingHappened, Transport

PARK_AFTER = 2


def thing(note: str = "") -> ThingHappened:
    return ThingHappened(thing_id=uuid.uuid4(), school_id=uuid.uuid4(), note=note)


async def stage_one_by_one(db: Database, *events: ThingHappened) -> list[uuid.UUID]:
    """Each event in a transaction of its own, as separate requests would stage them."""
    ids = []
    for event in events:
        async with db.transaction() as session:
            ids.append(await add_event(session, event))
    return ids


async def stored(db: Database, ids: list[uuid.UUID]) -> list[bytes]:
    """The rows' envelopes as the outbox keeps them (PostgreSQL's text of the JSON)."""
    async with db.transaction() as session:
        found = {
            row.id: row.body.encode()
            for row in await session.execute(
                text("SELECT id, envelope::text AS body FROM outbox WHERE id = ANY(:ids)"),
                {"ids": ids},
            )
        }
    return [found[event_id] for event_id in ids]


async def insert_row(db: Database, envelope: Any) -> uuid.UUID:
    """An outbox row written by hand, not through `staged`."""
    row_id = uuid.uuid4()
    async with db.transaction() as session:
        await session.execute(
            insert(outbox).values(
                id=row_id, routing_key="test.thing.happened.v1", envelope=envelope
            )
        )
    return row_id


async def make_due(db: Database) -> None:
    async with db.transaction() as session:
        await session.execute(update(outbox).values(next_attempt_at=func.now()))


async def outbox_rows(db: Database) -> dict[uuid.UUID, Any]:
    async with db.transaction() as session:
        return {row.id: row for row in await session.execute(select(outbox))}


async def test_the_stored_envelope_goes_on_the_wire_byte_for_byte_in_staging_order(
    db: Database, transport: Transport
) -> None:
    queue = transport.queue("wire")
    bus = await transport.bus()
    await bus.declare({queue: [ThingHappened.routing_key]})
    events = [thing('кавычки "№ 5"\n\\ é'), thing(), thing("c"), thing("d")]
    ids = await stage_one_by_one(db, *events)

    assert await OutboxRelay(db, bus).publish_pending() == len(events)
    on_the_wire = await transport.queued(queue, len(events))

    assert on_the_wire == await stored(db, ids)  # the same bytes, in the same order
    assert [CloudEvent.from_json(body).id for body in on_the_wire] == ids
    # Not what serialising the model again would have written.
    assert on_the_wire[0] != events[0].to_cloudevent().to_json()
    assert CloudEvent.from_json(on_the_wire[0]) == events[0].to_cloudevent()


async def test_the_rabbitmq_message_has_the_properties_of_a_published_event(
    db: Database, rabbit: RabbitTransport
) -> None:
    queue = rabbit.queue("properties")
    bus = await rabbit.bus()
    await bus.declare({queue: [ThingHappened.routing_key]})
    event = thing()
    [event_id] = await stage_one_by_one(db, event)
    await OutboxRelay(db, bus).publish_pending()
    await bus.publish(thing().to_cloudevent())

    relayed, published = await rabbit.take(queue, 2)

    assert relayed.body == (await stored(db, [event_id]))[0]
    assert relayed.message_id == str(event_id)
    assert relayed.type == relayed.routing_key == ThingHappened.routing_key
    assert relayed.timestamp == event.occurred_at.replace(microsecond=0)
    for message in (relayed, published):
        assert message.content_type == CLOUDEVENTS_CONTENT_TYPE
        assert message.delivery_mode == 2  # persistent


async def test_a_raw_publish_nobody_is_bound_to_raises_publish_error(
    transport: Transport,
) -> None:
    bus = await transport.bus()
    body = thing().to_cloudevent().to_json()

    with pytest.raises(PublishError, match=r"unroutable: test\.nobody\.v1"):
        await bus.publish_raw(
            "test.nobody.v1", body, message_id=str(uuid.uuid4()), time=datetime.now(UTC)
        )


def envelope(**changes: Any) -> dict[str, Any]:
    """A staged envelope with some attributes changed (None: removed)."""
    document = orjson.loads(staged(thing(), traceparent="00-abc-def-01").envelope)
    document.update(changes)
    return {key: value for key, value in document.items() if value is not None}


BROKEN: dict[str, Any] = {
    "not an envelope": {"not": "a cloudevent"},
    "empty": {},
    "a string": "journal.mark.posted.v1",
    "an array": [1, 2],
    "no id": envelope(id=None),
    "id not a UUID": envelope(id="mark-1"),
    "no type": envelope(type=None),
    "type not a string": envelope(type=5),
    "no source": envelope(source=None),
    "no subject": envelope(subject=None),
    "no time": envelope(time=None),
    "time not a timestamp": envelope(time="yesterday"),
    "time of no day": envelope(time="2026-13-45T10:00:00Z"),
    "schoolid a number": envelope(schoolid=7),
    "traceparent a number": envelope(traceparent=7),
    "version a fraction": envelope(version=1.5),
    "version a word": envelope(version="first"),
    "data an array": envelope(data=[]),
    "data missing": envelope(data=None),
}

WELL_FORMED: dict[str, Any] = {
    "as staged": envelope(),
    "only the required attributes": envelope(
        specversion=None, datacontenttype=None, schoolid=None, version=None, traceparent=None
    ),
    "a time with an offset": envelope(time="2026-11-27T12:00:01.0005+03:00"),
    "a time without an offset": envelope(time="2026-11-27T09:30:00"),
    "an upper-case id": envelope(id=str(uuid.uuid4()).upper()),
    "an attribute of its own": envelope(partitionkey="school-1"),
    "a whole version written as a number with a fraction": envelope(version=2.0),
}


@pytest.mark.parametrize("case", [*BROKEN, *WELL_FORMED])
async def test_the_relay_publishes_exactly_the_rows_the_cloudevent_model_accepts(
    db: Database, transport: Transport, case: str
) -> None:
    document = BROKEN.get(case, WELL_FORMED.get(case))
    try:
        CloudEvent.model_validate_json(orjson.dumps(document))
    except ValidationError:
        valid = False
    else:
        valid = True
    queue = transport.queue("shapes")
    bus = await transport.bus()
    await bus.declare({queue: ["#"]})
    row_id = await insert_row(db, document)

    published = await OutboxRelay(db, bus).publish_pending()
    row = (await outbox_rows(db))[row_id]

    assert valid == (case in WELL_FORMED)  # the samples mean what they say
    if valid:
        assert published == 1
        [body] = await transport.queued(queue, 1)
        assert body == (await stored(db, [row_id]))[0]
    else:
        assert published == 0
        assert row.published_at is None and row.attempts == 1
        assert row.last_error.startswith("InvalidEnvelope: not a CloudEvent")


async def test_broken_rows_are_parked_while_good_ones_flow_on_every_transport(
    db: Database, transport: Transport
) -> None:
    queue = transport.queue("parking")
    bus = await transport.bus()
    await bus.declare({queue: ["#"]})
    broken = [await insert_row(db, document) for document in BROKEN.values()]
    [good] = await stage_one_by_one(db, thing())
    relay = OutboxRelay(db, bus, park_after=PARK_AFTER)

    published = 0
    for _ in range(PARK_AFTER):
        published += await relay.publish_pending()
        await make_due(db)
    rows = await outbox_rows(db)
    after_parking = await relay.publish_pending()

    assert published == 1 and after_parking == 0
    assert await transport.queued(queue, 1) == await stored(db, [good])
    assert rows[good].published_at is not None
    for row_id in broken:
        row = rows[row_id]
        assert row.parked_at is not None and row.published_at is None
        assert row.attempts == PARK_AFTER
        assert row.last_error.startswith("InvalidEnvelope: not a CloudEvent")
