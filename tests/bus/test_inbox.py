"""The inbox: consumers apply every event once, whatever the bus delivers, a batch in one
transaction (shared.inbox)."""

import asyncio
import uuid
from collections.abc import Sequence
from typing import ClassVar

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from shared.bus import Subscription
from shared.db import Database
from shared.events import Bundle, CloudEvent, Event
from shared.inbox import Batched, idempotent_handler, inbox, subscription
from shared.outbox import StagedEvent, staged_bundle
from shared.testing import inserts_into, statements
from shared.testing_bus import (
    BATCH_SIZE,
    Collector,
    ThingHappened,
    Transport,
    make_event,
    wait_for,
)

CONSUMER = "reporting"
KEYS = (ThingHappened.routing_key,)


class OtherThingHappened(ThingHappened):
    routing_key: ClassVar[str] = "test.other.happened.v1"


async def record_effect(session: AsyncSession, event: ThingHappened) -> None:
    """The consumer's effect: one row per application of the event."""
    await session.execute(
        text("INSERT INTO effect (event_id, thing_id, note) VALUES (:e, :t, :n)"),
        {"e": event.event_id, "t": event.thing_id, "n": event.note},
    )


async def effects(db: Database) -> list[uuid.UUID]:
    async with db.transaction() as session:
        return list((await session.execute(text("SELECT event_id FROM effect"))).scalars())


async def inbox_rows(db: Database) -> int:
    async with db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(inbox)) or 0)


async def test_the_same_event_delivered_twice_is_applied_once(db: Database) -> None:
    handle = idempotent_handler(db, CONSUMER, {ThingHappened: record_effect})
    event = make_event()

    await handle([event])
    await handle([event])

    assert await effects(db) == [event.id]
    assert await inbox_rows(db) == 1


async def test_the_same_event_delivered_twice_at_once_is_applied_once(db: Database) -> None:
    async def slow_effect(session: AsyncSession, event: ThingHappened) -> None:
        await record_effect(session, event)
        await asyncio.sleep(0.05)  # keep the first transaction open while the second runs

    handle = idempotent_handler(db, CONSUMER, {ThingHappened: slow_effect})
    event = make_event()

    await asyncio.gather(handle([event]), handle([event]))

    assert await effects(db) == [event.id]


async def test_a_failing_handler_rolls_back_its_effect_and_its_inbox_row(
    db: Database,
) -> None:
    attempts = 0

    async def fails_once(session: AsyncSession, event: ThingHappened) -> None:
        nonlocal attempts
        attempts += 1
        await record_effect(session, event)
        if attempts == 1:
            raise RuntimeError("the database went away mid-way")

    handle = idempotent_handler(db, CONSUMER, {ThingHappened: fails_once})
    event = make_event()

    with pytest.raises(RuntimeError):
        await handle([event])
    after_failure = (await effects(db), await inbox_rows(db))
    await handle([event])  # the redelivery

    assert after_failure == ([], 0)
    assert await effects(db) == [event.id]
    assert await inbox_rows(db) == 1


async def test_each_consumer_applies_an_event_once_for_itself(db: Database) -> None:
    event = make_event()

    for consumer in ("reporting", "messaging", "reporting"):
        await idempotent_handler(db, consumer, {ThingHappened: record_effect})([event])

    assert await effects(db) == [event.id, event.id]


async def test_an_event_the_consumer_does_not_handle_is_acknowledged_without_effect(
    db: Database,
) -> None:
    handle = idempotent_handler(db, CONSUMER, {ThingHappened: record_effect})

    await handle([make_event("test.something.else.v1")])

    assert await effects(db) == []
    assert await inbox_rows(db) == 0


async def test_the_subscription_binds_exactly_the_handled_event_types(db: Database) -> None:
    sub = subscription(db, CONSUMER, {ThingHappened: record_effect})

    assert (sub.queue, sub.routing_keys) == (CONSUMER, (ThingHappened.routing_key,))


async def test_an_event_published_twice_on_the_bus_is_applied_once(
    db: Database, transport: Transport
) -> None:
    queue = transport.queue(CONSUMER)
    applied = idempotent_handler(db, queue, {ThingHappened: record_effect})
    seen = Collector()

    async def handler(batch: Sequence[CloudEvent]) -> None:
        await applied(batch)
        await seen(batch)

    bus = await transport.bus([Subscription(queue, (ThingHappened.routing_key,), handler)])
    event = make_event()

    await bus.publish(event)
    await bus.publish(event)  # a relay retry after a lost confirm does this
    await seen.wait_for(2)

    assert await effects(db) == [event.id]


async def test_a_consumer_whose_database_connection_dies_mid_way_applies_the_event_once(
    db: Database, transport: Transport
) -> None:
    queue = transport.queue(CONSUMER)
    calls = 0

    async def connection_dies_once(session: AsyncSession, event: ThingHappened) -> None:
        nonlocal calls
        calls += 1
        await record_effect(session, event)
        if calls == 1:  # what a database restart does to the open transaction
            await session.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))

    applied = idempotent_handler(db, queue, {ThingHappened: connection_dies_once})
    seen = Collector()

    async def handler(batch: Sequence[CloudEvent]) -> None:
        await applied(batch)
        await seen(batch)

    bus = await transport.bus([Subscription(queue, (ThingHappened.routing_key,), handler)])
    event = make_event()

    await bus.publish(event)
    await seen.wait_for(1)

    assert calls == 2
    assert await effects(db) == [event.id]
    assert await transport.dead_letter_count(queue) == 0


async def test_a_crash_between_a_batchs_commit_and_its_ack_applies_every_event_once(
    db: Database, transport: Transport
) -> None:
    queue = transport.queue(CONSUMER)
    events = [make_event() for _ in range(BATCH_SIZE)]
    publisher = await transport.bus()
    await publisher.declare({queue: (ThingHappened.routing_key,)})
    for event in events:
        await publisher.publish(event)
    applied = idempotent_handler(db, queue, {ThingHappened: record_effect})
    committed = asyncio.Event()

    async def dies_after_commit(batch: Sequence[CloudEvent]) -> None:
        await applied(batch)  # the effects and the inbox rows are committed here
        committed.set()
        await asyncio.Event().wait()  # the process dies before it acknowledges

    crashing = await transport.bus([Subscription(queue, KEYS, dies_after_commit)])
    async with asyncio.timeout(30):
        await committed.wait()
    closing = asyncio.create_task(crashing.close())
    seen = Collector()

    async def survivor(batch: Sequence[CloudEvent]) -> None:
        await applied(batch)
        await seen(batch)

    await transport.bus([Subscription(queue, KEYS, survivor)])
    await closing
    await seen.wait_for(len(events))

    assert sorted(seen.ids()) == sorted(e.id for e in events)  # redelivered...
    assert sorted(await effects(db)) == sorted(e.id for e in events)  # ...applied once
    assert await inbox_rows(db) == len(events)
    assert await transport.dead_letter_count(queue) == 0


async def test_a_poison_event_in_a_batch_leaves_its_neighbours_applied_once(
    db: Database, transport: Transport
) -> None:
    queue = transport.queue(CONSUMER)
    good = [make_event(note=f"good {i}") for i in range(BATCH_SIZE - 1)]
    poison = make_event(note="poison")
    publisher = await transport.bus()
    await publisher.declare({queue: (ThingHappened.routing_key,)})
    for event in [*good[:2], poison, *good[2:]]:
        await publisher.publish(event)

    async def refuses_poison(session: AsyncSession, event: ThingHappened) -> None:
        await record_effect(session, event)  # rolled back with its batch
        if event.note == "poison":
            raise ValueError("cannot be applied")

    handler = idempotent_handler(db, queue, {ThingHappened: refuses_poison})
    await transport.bus([Subscription(queue, KEYS, handler)])
    dead = await transport.wait_dead_letters(queue, 1)

    async def neighbours_applied() -> bool:
        return len(await effects(db)) >= len(good)

    await wait_for(neighbours_applied)
    assert [CloudEvent.from_json(body).id for body in dead] == [poison.id]
    assert sorted(await effects(db)) == sorted(e.id for e in good)
    assert await inbox_rows(db) == len(good)


# --- one batch, one transaction ---------------------------------------------------------------


async def test_a_batch_is_applied_in_one_transaction_with_one_inbox_statement(
    db: Database,
) -> None:
    transactions: list[int] = []

    async def effect_and_transaction(session: AsyncSession, event: ThingHappened) -> None:
        await record_effect(session, event)
        transactions.append(int(await session.scalar(text("SELECT txid_current()")) or 0))

    handle = idempotent_handler(db, CONSUMER, {ThingHappened: effect_and_transaction})
    batch = [make_event() for _ in range(50)]

    with statements(db) as executed:
        await handle(batch)

    assert sorted(await effects(db)) == sorted(e.id for e in batch)
    assert len(transactions) == 50 and len(set(transactions)) == 1
    assert inserts_into(executed, "inbox") == 1
    assert await inbox_rows(db) == 50


async def test_an_event_twice_in_one_batch_is_applied_once(db: Database) -> None:
    handle = idempotent_handler(db, CONSUMER, {ThingHappened: record_effect})
    first, second = make_event(), make_event()

    await handle([first, second, first])

    assert sorted(await effects(db)) == sorted([first.id, second.id])
    assert await inbox_rows(db) == 2


async def test_events_applied_by_an_earlier_batch_are_skipped_and_the_rest_applied(
    db: Database,
) -> None:
    handle = idempotent_handler(db, CONSUMER, {ThingHappened: record_effect})
    old, new = make_event(), make_event()
    await handle([old])

    await handle([old, new])

    assert sorted(await effects(db)) == sorted([old.id, new.id])


async def test_a_batch_handler_gets_the_new_events_of_its_type_at_once(db: Database) -> None:
    calls: list[list[uuid.UUID]] = []

    async def bulk(session: AsyncSession, events: list[ThingHappened]) -> None:
        calls.append([event.event_id for event in events])
        for event in events:
            await record_effect(session, event)

    handle = idempotent_handler(db, CONSUMER, {ThingHappened: Batched(bulk)})
    seen, fresh = make_event(), [make_event() for _ in range(3)]
    await handle([seen])

    await handle([fresh[0], seen, fresh[1], fresh[0], fresh[2]])

    assert calls == [[seen.id], [e.id for e in fresh]]


async def test_events_of_several_types_in_one_batch_go_to_their_own_handlers(
    db: Database,
) -> None:
    got: dict[str, list[uuid.UUID]] = {"thing": [], "other": []}

    async def on_thing(_session: AsyncSession, event: ThingHappened) -> None:
        got["thing"].append(event.event_id)

    async def on_other(_session: AsyncSession, event: OtherThingHappened) -> None:
        got["other"].append(event.event_id)

    handle = idempotent_handler(
        db, CONSUMER, {ThingHappened: on_thing, OtherThingHappened: on_other}
    )
    thing, other = make_event(), make_event(OtherThingHappened.routing_key)
    ignored = make_event("test.something.else.v1")

    await handle([thing, ignored, other])

    assert got == {"thing": [thing.id], "other": [other.id]}
    assert await inbox_rows(db) == 2  # the event of no interest is not recorded


async def test_the_recorder_sees_each_new_envelope_of_a_batch_once_in_order(
    db: Database,
) -> None:
    recorded: list[list[uuid.UUID]] = []

    async def record(_session: AsyncSession, envelopes: list[CloudEvent]) -> None:
        recorded.append([envelope.id for envelope in envelopes])

    handle = idempotent_handler(db, CONSUMER, {}, also=[ThingHappened], record=record)
    old, a, b = make_event(), make_event(), make_event()
    await handle([old])

    await handle([a, old, b, a])

    assert recorded == [[old.id], [a.id, b.id]]


async def test_a_malformed_payload_fails_its_batch_before_anything_is_written(
    db: Database,
) -> None:
    handle = idempotent_handler(db, CONSUMER, {ThingHappened: record_effect})
    good = make_event()
    malformed = make_event(thing_id="not a uuid")

    with pytest.raises(ValidationError):
        await handle([good, malformed])

    assert (await effects(db), await inbox_rows(db)) == ([], 0)


# --- Bundles: several events of one transaction in one message (shared.events.Bundle) ---


class ThingsHappened(Bundle):
    routing_key: ClassVar[str] = "test.things.happened.v1"
    aggregate: ClassVar[str] = "things"
    carries: ClassVar[tuple[type[Event], ...]] = (ThingHappened,)

    batch_id: uuid.UUID

    def aggregate_id(self) -> str:
        return str(self.batch_id)


def bundle_of(*events: CloudEvent) -> CloudEvent:
    """The bundle as the outbox stages it: each event's envelope embedded as it is."""
    rows = [StagedEvent(e.id, e.type, e.to_json().decode()) for e in events]
    row = staged_bundle(ThingsHappened(batch_id=uuid.uuid4(), school_id=uuid.uuid4()), rows)
    return CloudEvent.from_json(row.envelope.encode())


async def test_a_bundles_events_are_applied_each_once_as_if_they_had_come_alone(
    db: Database,
) -> None:
    handle = idempotent_handler(db, CONSUMER, {ThingHappened: record_effect}, also=[ThingsHappened])
    a, b = make_event(note="a"), make_event(note="b")
    bundle = bundle_of(a, b)

    await handle([bundle])
    await handle([bundle])  # redelivered

    assert sorted(await effects(db)) == sorted([a.id, b.id])
    assert await inbox_rows(db) == 1  # the bundle is claimed, once


async def test_the_recorder_sees_a_bundles_events_not_the_bundle(db: Database) -> None:
    recorded: list[tuple[uuid.UUID, str]] = []

    async def record(_session: AsyncSession, envelopes: list[CloudEvent]) -> None:
        recorded.extend((envelope.id, envelope.type) for envelope in envelopes)

    both = [ThingHappened, ThingsHappened]
    handle = idempotent_handler(db, CONSUMER, {}, also=both, record=record)
    alone, a, b = make_event(), make_event(), make_event()

    await handle([alone, bundle_of(a, b)])

    assert recorded == [(e.id, ThingHappened.routing_key) for e in (alone, a, b)]


async def test_a_subscription_to_a_carried_event_is_bound_to_its_bundles(db: Database) -> None:
    subscribed = subscription(db, CONSUMER, {ThingHappened: record_effect}, also=[ThingsHappened])
    assert set(subscribed.routing_keys) == {ThingHappened.routing_key, ThingsHappened.routing_key}


async def test_a_bundle_carrying_what_it_may_not_fails_before_anything_is_written(
    db: Database,
) -> None:
    handle = idempotent_handler(db, CONSUMER, {ThingHappened: record_effect}, also=[ThingsHappened])
    foreign = make_event(routing_key="test.other.happened.v1")

    with pytest.raises(ValueError, match=r"does not carry test\.other\.happened\.v1"):
        await handle([make_event(), bundle_of(make_event(), foreign)])

    assert (await effects(db), await inbox_rows(db)) == ([], 0)
