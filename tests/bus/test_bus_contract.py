"""The delivery contract of the bus (shared.bus), on both transports."""

import asyncio
from collections.abc import Sequence

import pytest

from shared.bus import PublishError, Subscription
from shared.events import CloudEvent
from shared.testing_bus import DELIVERY_LIMIT, Collector, Transport, make_event, wait_for


async def test_published_event_reaches_the_subscriber_intact(transport: Transport) -> None:
    received = Collector()
    queue = transport.queue("journal")
    bus = await transport.bus([Subscription(queue, ("test.thing.happened.v1",), received)])
    event = make_event(note="Иванов получил «5»")

    await bus.publish(event)
    await received.wait_for(1)

    assert received.events == [event]
    assert received.events[0].data["note"] == "Иванов получил «5»"


async def test_events_are_routed_by_exact_key_and_by_wildcards(transport: Transport) -> None:
    marks, journal, accounts = Collector(), Collector(), Collector()
    bus = await transport.bus(
        [
            Subscription(transport.queue("marks"), ("journal.mark.*.v1",), marks),
            Subscription(transport.queue("everything-journal"), ("journal.#",), journal),
            Subscription(transport.queue("accounts"), ("auth.account.created.v1",), accounts),
        ]
    )
    mark_posted = make_event("journal.mark.posted.v1")
    lesson_held = make_event("journal.lesson.conducted.v1")
    account = make_event("auth.account.created.v1")

    for event in (mark_posted, lesson_held, account):
        await bus.publish(event)
    await journal.wait_for(2)
    await marks.wait_for(1)
    await accounts.wait_for(1)

    assert marks.ids() == [mark_posted.id]
    assert sorted(journal.ids()) == sorted([mark_posted.id, lesson_held.id])
    assert accounts.ids() == [account.id]


async def test_publishing_an_event_no_queue_is_bound_to_raises_publish_error(
    transport: Transport,
) -> None:
    bus = await transport.bus(
        [Subscription(transport.queue("marks"), ("journal.mark.posted.v1",), Collector())]
    )

    with pytest.raises(PublishError):
        await bus.publish(make_event("journal.nobody.listens.v1"))


async def test_competing_consumers_on_one_queue_share_the_events_each_handled_once(
    transport: Transport,
) -> None:
    queue = transport.queue("reporting")
    first, second = Collector(pause=0.01), Collector(pause=0.01)
    publisher = await transport.bus([Subscription(queue, ("test.#",), first)])
    await transport.bus([Subscription(queue, ("test.#",), second)])
    events = [make_event() for _ in range(40)]

    for event in events:
        await publisher.publish(event)

    async def all_handled() -> bool:
        return len(first.events) + len(second.events) >= len(events)

    await wait_for(all_handled)

    handled = first.ids() + second.ids()
    assert sorted(handled) == sorted(e.id for e in events)  # each one once, none lost
    assert first.events and second.events  # both consumers took a share


async def test_a_failed_delivery_is_redelivered_until_the_handler_succeeds(
    transport: Transport,
) -> None:
    queue = transport.queue("messaging")
    flaky = Collector(fail=lambda _event, attempt: attempt < DELIVERY_LIMIT)
    bus = await transport.bus([Subscription(queue, ("test.#",), flaky)])
    event = make_event()

    await bus.publish(event)
    await flaky.wait_for(1)

    assert flaky.ids() == [event.id]
    assert flaky.attempts[event.id] == DELIVERY_LIMIT
    assert await transport.dead_letter_count(queue) == 0


async def test_a_poison_message_is_dead_lettered_after_the_delivery_limit_while_others_flow(
    transport: Transport,
) -> None:
    queue = transport.queue("reporting")
    handler = Collector(fail=lambda event, _attempt: event.data.get("note") == "poison")
    bus = await transport.bus([Subscription(queue, ("test.#",), handler)])
    poison = make_event(note="poison")
    good = [make_event(note=f"good {i}") for i in range(10)]

    await bus.publish(poison)
    for event in good:
        await bus.publish(event)
    dead = await transport.wait_dead_letters(queue, 1)
    await handler.wait_for(len(good))

    assert sorted(handler.ids()) == sorted(e.id for e in good)  # each applied once
    assert handler.alone[poison.id] == DELIVERY_LIMIT  # delivered that often, then given up
    assert [CloudEvent.from_json(body) for body in dead] == [poison]


async def test_dead_letters_go_to_the_failing_queues_own_dead_letter_queue(
    transport: Transport,
) -> None:
    failing_queue, healthy_queue = transport.queue("failing"), transport.queue("healthy")
    failing = Collector(fail=lambda _event, _attempt: True)
    healthy = Collector()
    bus = await transport.bus(
        [
            Subscription(failing_queue, ("test.#",), failing),
            Subscription(healthy_queue, ("test.#",), healthy),
        ]
    )
    event = make_event()

    await bus.publish(event)
    dead = await transport.wait_dead_letters(failing_queue, 1)
    await healthy.wait_for(1)

    assert [CloudEvent.from_json(body).id for body in dead] == [event.id]
    assert await transport.dead_letter_count(healthy_queue) == 0
    assert healthy.ids() == [event.id]


async def test_a_body_that_is_not_a_cloudevent_is_dead_lettered_without_retries(
    transport: Transport,
) -> None:
    queue = transport.queue("journal")
    handler = Collector()
    await transport.bus([Subscription(queue, ("test.#",), handler)])

    await transport.publish_raw("test.thing.happened.v1", b"{not json")
    dead = await transport.wait_dead_letters(queue, 1)

    assert dead == [b"{not json"]
    assert handler.attempts == {}


async def test_events_published_while_the_consumer_is_down_arrive_when_it_returns(
    transport: Transport,
) -> None:
    queue = transport.queue("messaging")
    subscription_handler = Collector()
    first_run = await transport.bus([Subscription(queue, ("test.#",), subscription_handler)])
    await first_run.close()
    publisher = await transport.bus()
    event = make_event()

    await publisher.publish(event)
    back = Collector()
    await transport.bus([Subscription(queue, ("test.#",), back)])
    await back.wait_for(1)

    assert back.ids() == [event.id]
    assert subscription_handler.events == []


async def test_a_delivery_not_acknowledged_when_its_consumer_stops_goes_to_another(
    transport: Transport,
) -> None:
    queue = transport.queue("archive")
    started = asyncio.Event()

    async def stuck(batch: Sequence[CloudEvent]) -> None:
        started.set()
        await asyncio.Event().wait()  # never finishes: a crash before the acknowledgement

    crashing = await transport.bus([Subscription(queue, ("test.#",), stuck)])
    event = make_event()
    await crashing.publish(event)
    async with asyncio.timeout(30):
        await started.wait()

    closing = asyncio.create_task(crashing.close())
    survivor = Collector()
    await transport.bus([Subscription(queue, ("test.#",), survivor)])
    await closing
    await survivor.wait_for(1)

    assert survivor.ids() == [event.id]


async def test_a_passing_outage_is_retried_without_using_up_the_delivery_limit(
    transport: Transport,
) -> None:
    queue = transport.queue("reporting")
    outage_failures = DELIVERY_LIMIT + 1

    def database_restarting(_event: CloudEvent, attempt: int) -> bool:
        if attempt <= outage_failures:
            raise ConnectionRefusedError("the database is restarting")
        return False

    handler = Collector(fail=database_restarting)
    bus = await transport.bus([Subscription(queue, ("test.#",), handler)])
    event = make_event()

    await bus.publish(event)
    await handler.wait_for(1)

    assert handler.ids() == [event.id]
    assert handler.attempts[event.id] == outage_failures + 1
    assert await transport.dead_letter_count(queue) == 0
