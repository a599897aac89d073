"""A passing outage is retried in place, but not forever: past `transient_retries` the
delivery fails as any other, so an outage that never passes ends in the dead letters
after `delivery_limit` deliveries. On both transports."""

import uuid
from collections.abc import Sequence

from shared.bus import Bus, Subscription
from shared.events import CloudEvent
from shared.testing_bus import (
    DELIVERY_LIMIT,
    Collector,
    InProcessTransport,
    PostgresTransport,
    RabbitTransport,
    Transport,
    make_event,
)

RETRIES = 2


async def bus_retrying(transport: Transport, subscriptions: Sequence[Subscription]) -> Bus:
    """A bus of the transport whose in-place retries stop after RETRIES."""
    if isinstance(transport, InProcessTransport):
        transport.broker.transient_retries = RETRIES
        return await transport.bus(subscriptions)
    if isinstance(transport, PostgresTransport):
        (await transport.opened()).transient_retries = RETRIES
        return await transport.bus(subscriptions)
    assert isinstance(transport, RabbitTransport)
    bus = transport.make_bus(transient_retries=RETRIES)
    await bus.start(subscriptions)
    return bus


async def test_an_outage_that_never_passes_is_dead_lettered_after_bounded_retries(
    transport: Transport,
) -> None:
    queue = transport.queue("messaging")

    def database_gone(_event: CloudEvent, _attempt: int) -> bool:
        raise ConnectionRefusedError("the database is gone for good")

    handler = Collector(fail=database_gone)
    bus = await bus_retrying(transport, [Subscription(queue, ("test.#",), handler)])
    event = make_event()

    await bus.publish(event)
    [dead] = await transport.wait_dead_letters(queue, 1)

    assert CloudEvent.from_json(dead).id == event.id
    # each delivery: the first try and RETRIES in place; then handed back as failed
    assert handler.attempts[event.id] == DELIVERY_LIMIT * (1 + RETRIES)


async def test_an_outage_shorter_than_the_bound_costs_no_delivery(transport: Transport) -> None:
    queue = transport.queue("reporting")

    def restarting(_event: CloudEvent, attempt: int) -> bool:
        if attempt <= RETRIES:
            raise ConnectionResetError("the database is restarting")
        return False

    handler = Collector(fail=restarting)
    bus = await bus_retrying(transport, [Subscription(queue, ("test.#",), handler)])
    event = make_event()

    await bus.publish(event)
    await handler.wait_for(1)

    assert handler.attempts[event.id] == RETRIES + 1
    assert await transport.dead_letter_count(queue) == 0


async def test_a_batch_outlasting_the_bound_fails_as_a_whole_not_event_by_event(
    transport: Transport,
) -> None:
    queue = transport.queue("archive")
    calls: dict[uuid.UUID, int] = {}

    async def database_gone(batch: Sequence[CloudEvent]) -> None:
        for event in batch:
            calls[event.id] = calls.get(event.id, 0) + 1
        raise ConnectionRefusedError("the database is gone for good")

    publisher = await transport.bus()
    await publisher.declare({queue: ("test.#",)})
    events = [make_event() for _ in range(3)]
    for event in events:  # waiting before the consumer starts: one batch
        await publisher.publish(event)
    await bus_retrying(transport, [Subscription(queue, ("test.#",), database_gone)])
    dead = await transport.wait_dead_letters(queue, 3)

    assert sorted(CloudEvent.from_json(body).id for body in dead) == sorted(e.id for e in events)
    # per delivery: the batch's first try and RETRIES in place, no retry of each alone
    assert calls == {event.id: DELIVERY_LIMIT * (1 + RETRIES) for event in events}
