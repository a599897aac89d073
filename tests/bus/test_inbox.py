"""The inbox: consumers apply every event once, whatever the bus delivers (shared.inbox)."""

import asyncio
import uuid
from collections.abc import Sequence

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from shared.bus import Subscription
from shared.db import Database
from shared.events import CloudEvent
from shared.inbox import idempotent_handler, inbox, subscription
from shared.testing_bus import Collector, ThingHappened, Transport, make_event

CONSUMER = "reporting"


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


async def test_a_crash_between_commit_and_acknowledge_applies_the_event_once(
    db: Database, transport: Transport
) -> None:
    queue = transport.queue(CONSUMER)
    applied = idempotent_handler(db, queue, {ThingHappened: record_effect})
    seen = Collector()
    deliveries = 0

    async def handler(batch: Sequence[CloudEvent]) -> None:
        nonlocal deliveries
        deliveries += 1
        await applied(batch)  # the effect and the inbox row are committed here
        if deliveries == 1:
            raise RuntimeError("the consumer dies before it acknowledges")
        await seen(batch)

    bus = await transport.bus([Subscription(queue, (ThingHappened.routing_key,), handler)])
    event = make_event()

    await bus.publish(event)
    await seen.wait_for(1)

    assert deliveries == 2
    assert await effects(db) == [event.id]
    assert await transport.dead_letter_count(queue) == 0
