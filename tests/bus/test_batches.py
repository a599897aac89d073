"""Batched consumers (shared.bus): how deliveries are grouped, acknowledged and, when a
batch fails, retried one event at a time; on both transports.

Events are published onto a declared queue before its consumer starts, so the consumer
finds them waiting and the batches it forms are known in advance.
"""

import asyncio
from collections.abc import Sequence

from shared.bus import Bus, Subscription
from shared.events import CloudEvent
from shared.testing_bus import (
    BATCH_SIZE,
    DELIVERY_LIMIT,
    Collector,
    Transport,
    make_event,
    wait_for,
)

KEYS = ("test.#",)


async def waiting(transport: Transport, queue: str, events: Sequence[CloudEvent]) -> Bus:
    """Declare `queue` and publish the events onto it while nobody consumes it."""
    publisher = await transport.bus()
    await publisher.declare({queue: KEYS})
    for event in events:
        await publisher.publish(event)
    return publisher


async def test_a_declared_queue_keeps_what_is_published_before_its_consumer_starts(
    transport: Transport,
) -> None:
    queue = transport.queue("reporting")
    event = make_event()
    await waiting(transport, queue, [event])

    received = Collector()
    await transport.bus([Subscription(queue, KEYS, received)])
    await received.wait_for(1)

    assert received.ids() == [event.id]


async def test_waiting_deliveries_are_handed_over_in_full_batches(transport: Transport) -> None:
    queue = transport.queue("reporting")
    events = [make_event(note=str(i)) for i in range(BATCH_SIZE * 3)]
    await waiting(transport, queue, events)

    received = Collector()
    await transport.bus([Subscription(queue, KEYS, received)])
    await received.wait_for(len(events))

    assert received.batches == [BATCH_SIZE, BATCH_SIZE, BATCH_SIZE]
    assert received.ids() == [e.id for e in events]  # each once, in the queue's order
    assert await transport.dead_letter_count(queue) == 0


async def test_a_lone_delivery_is_handed_over_without_waiting_for_a_full_batch(
    transport: Transport,
) -> None:
    queue = transport.queue("messaging")
    received = Collector()
    bus = await transport.bus([Subscription(queue, KEYS, received)])
    event = make_event()

    await bus.publish(event)
    await received.wait_for(1)

    assert received.batches == [1]


async def test_a_poison_event_in_a_batch_is_dead_lettered_alone_and_its_neighbours_applied_once(
    transport: Transport,
) -> None:
    queue = transport.queue("reporting")
    good = [make_event(note=f"good {i}") for i in range(BATCH_SIZE - 1)]
    poison = make_event(note="poison")
    events = [*good[:3], poison, *good[3:]]
    await waiting(transport, queue, events)

    handler = Collector(fail=lambda event, _attempt: event.data["note"] == "poison")
    await transport.bus([Subscription(queue, KEYS, handler)])
    dead = await transport.wait_dead_letters(queue, 1)
    await handler.wait_for(len(good))

    assert [CloudEvent.from_json(body).id for body in dead] == [poison.id]
    assert sorted(handler.ids()) == sorted(e.id for e in good)  # none lost, none twice
    assert all(handler.alone[e.id] == 1 for e in good)  # retried alone once, then applied
    assert handler.alone[poison.id] == DELIVERY_LIMIT
    assert await transport.dead_letter_count(queue) == 1


async def test_a_body_that_is_not_a_cloudevent_never_fails_the_batch_it_arrived_with(
    transport: Transport,
) -> None:
    queue = transport.queue("archive")
    before, after = make_event(note="before"), make_event(note="after")
    publisher = await waiting(transport, queue, [before])
    await transport.publish_raw("test.thing.happened.v1", b"{not json")
    await publisher.publish(after)

    handler = Collector()
    await transport.bus([Subscription(queue, KEYS, handler)])
    dead = await transport.wait_dead_letters(queue, 1)
    await handler.wait_for(2)

    assert dead == [b"{not json"]
    assert handler.batches == [2]  # the good ones together, never retried alone
    assert handler.ids() == [before.id, after.id]


async def test_a_batch_failing_on_a_passing_outage_is_retried_whole_and_in_place(
    transport: Transport,
) -> None:
    queue = transport.queue("reporting")
    events = [make_event() for _ in range(BATCH_SIZE)]
    await waiting(transport, queue, events)

    def database_restarting(event: CloudEvent, attempt: int) -> bool:
        # Longer than the delivery limit would allow; the first event stands for the batch.
        if event.id == events[0].id and attempt <= DELIVERY_LIMIT + 1:
            raise ConnectionResetError("the database is restarting")
        return False

    handler = Collector(fail=database_restarting)
    await transport.bus([Subscription(queue, KEYS, handler)])
    await handler.wait_for(len(events))

    assert handler.batches == [BATCH_SIZE]
    assert handler.alone == {}  # not split into single events
    assert handler.ids() == [e.id for e in events]
    assert await transport.dead_letter_count(queue) == 0


async def test_a_failed_event_waiting_to_be_handed_back_is_not_acknowledged_with_later_batches(
    transport: Transport,
) -> None:
    queue = transport.queue("messaging")
    poison = make_event(note="poison")
    first = [poison, *(make_event() for _ in range(BATCH_SIZE - 1))]
    publisher = await waiting(transport, queue, first)
    handler = Collector(fail=lambda event, _attempt: event.data.get("note") == "poison")
    await transport.bus([Subscription(queue, KEYS, handler)])
    await handler.wait_for(len(first) - 1)

    # The poison event pauses before it is handed back; batches after it are acknowledged
    # meanwhile, and must not take it with them.
    later = [make_event() for _ in range(BATCH_SIZE * 2)]
    for event in later:
        await publisher.publish(event)
    dead = await transport.wait_dead_letters(queue, 1)
    await handler.wait_for(len(first) - 1 + len(later))

    assert [CloudEvent.from_json(body).id for body in dead] == [poison.id]
    assert handler.alone[poison.id] == DELIVERY_LIMIT
    assert len(handler.ids()) == len(set(handler.ids())) == len(first) - 1 + len(later)


async def test_a_batch_still_being_applied_when_its_consumer_stops_goes_whole_to_another(
    transport: Transport,
) -> None:
    queue = transport.queue("archive")
    events = [make_event() for _ in range(BATCH_SIZE)]
    await waiting(transport, queue, events)
    started = asyncio.Event()

    async def stuck(batch: Sequence[CloudEvent]) -> None:
        started.set()
        await asyncio.Event().wait()  # never returns: the consumer dies before its ack

    crashing = await transport.bus([Subscription(queue, KEYS, stuck)])
    async with asyncio.timeout(30):
        await started.wait()
    closing = asyncio.create_task(crashing.close())
    survivor = Collector()
    await transport.bus([Subscription(queue, KEYS, survivor)])
    await closing
    await survivor.wait_for(len(events))

    assert sorted(survivor.ids()) == sorted(e.id for e in events)
    assert await transport.dead_letter_count(queue) == 0


async def test_competing_batch_consumers_each_take_whole_batches_and_handle_every_event_once(
    transport: Transport,
) -> None:
    queue = transport.queue("reporting")
    first, second = Collector(pause=0.02), Collector(pause=0.02)
    publisher = await transport.bus([Subscription(queue, KEYS, first)])
    await transport.bus([Subscription(queue, KEYS, second)])
    events = [make_event() for _ in range(BATCH_SIZE * 8)]

    for event in events:
        await publisher.publish(event)

    async def all_handled() -> bool:
        return len(first.events) + len(second.events) >= len(events)

    await wait_for(all_handled)

    assert sorted(first.ids() + second.ids()) == sorted(e.id for e in events)
    assert first.batches and second.batches  # both took a share
    assert max(first.batches + second.batches) <= BATCH_SIZE
