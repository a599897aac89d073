"""What only the RabbitMQ transport has: its topology and message properties, and how it
lives through a broker that is down, drops connections or closes them."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import aio_pika
import aio_pika.exceptions
import aiormq
import pytest

from shared.bus import PublishError, Subscription, dead_letter_queue
from shared.bus.rabbitmq import RabbitBus, queue_arguments
from shared.db import Database
from shared.events import CLOUDEVENTS_CONTENT_TYPE, CloudEvent
from shared.outbox import add_event
from shared.relay import OutboxRelay
from shared.testing_bus import (
    BATCH_SIZE,
    DELIVERY_LIMIT,
    GUARD,
    Collector,
    RabbitTransport,
    ThingHappened,
    make_event,
    wait_for,
)
from shared.testing_rabbit import BrokerAdmin, TcpProxy, rabbitmq_required

pytestmark = pytest.mark.rabbitmq


async def publish_when_ready(bus: RabbitBus, event: CloudEvent) -> None:
    """Publish, retrying while the bus is still reconnecting (as the relay would)."""
    async with asyncio.timeout(GUARD):
        while True:
            try:
                await bus.publish(event)
                return
            except PublishError:
                await asyncio.sleep(0.05)


@pytest.fixture
async def proxy(rabbit: RabbitTransport) -> AsyncIterator[TcpProxy]:
    """A TCP proxy in front of the test broker, closed with the test."""
    proxy = TcpProxy.to(rabbit.url)
    await proxy.start()
    yield proxy
    await proxy.close()


async def test_subscription_queues_are_durable_quorum_queues_with_a_delivery_limit(
    rabbit: RabbitTransport,
) -> None:
    queue = rabbit.queue("journal")
    await rabbit.bus([Subscription(queue, ("test.#",), Collector())])

    connection = await aio_pika.connect(rabbit.url)
    async with connection:
        same = await connection.channel()
        await same.declare_queue(  # the same declaration is accepted...
            queue,
            durable=True,
            arguments=queue_arguments(rabbit.exchange, queue, DELIVERY_LIMIT),
        )
        classic = await connection.channel()
        with pytest.raises(aio_pika.exceptions.ChannelPreconditionFailed):
            await classic.declare_queue(  # ...and it is not a classic queue
                queue, durable=True, arguments={"x-queue-type": "classic"}
            )
        dead_letters = await connection.channel()
        await dead_letters.declare_queue(dead_letter_queue(queue), passive=True)


async def test_messages_are_persistent_cloudevents_with_the_event_id_and_type(
    rabbit: RabbitTransport,
) -> None:
    bus = await rabbit.bus()
    event = make_event()
    connection = await aio_pika.connect(rabbit.url)
    async with connection:
        channel = await connection.channel()
        tap = await channel.declare_queue(exclusive=True)
        await tap.bind(rabbit.exchange, routing_key="#")

        await bus.publish(event)
        async with asyncio.timeout(GUARD):
            while (message := await tap.get(no_ack=True, fail=False)) is None:
                await asyncio.sleep(0.02)

    assert message.delivery_mode == aio_pika.DeliveryMode.PERSISTENT
    assert message.content_type == CLOUDEVENTS_CONTENT_TYPE
    assert message.message_id == str(event.id)
    assert message.type == event.type == message.routing_key
    assert CloudEvent.from_json(message.body) == event


async def test_a_dead_letter_keeps_its_original_routing_key_and_source_queue(
    rabbit: RabbitTransport,
) -> None:
    queue = rabbit.queue("reporting")
    bus = await rabbit.bus(
        [Subscription(queue, ("journal.#",), Collector(fail=lambda _e, _a: True))]
    )
    await bus.publish(make_event("journal.mark.posted.v1"))

    connection = await aio_pika.connect(rabbit.url)
    async with connection:
        channel = await connection.channel()
        dlq = await channel.get_queue(dead_letter_queue(queue))
        async with asyncio.timeout(GUARD):
            while (message := await dlq.get(no_ack=True, fail=False)) is None:
                await asyncio.sleep(0.05)

    deaths: Any = message.headers["x-death"]
    [death] = deaths
    assert death["reason"] == "delivery_limit"
    assert death["queue"] == queue
    assert death["routing-keys"] == ["journal.mark.posted.v1"]


async def test_publishing_and_consuming_resume_after_the_server_closes_the_connections(
    rabbit: RabbitTransport, rabbit_admin: BrokerAdmin | None
) -> None:
    if rabbit_admin is None:
        reason = (
            "no broker admin to close connections with: enable the management "
            "plugin or run the tests next to the broker with rabbitmqctl"
        )
        if rabbitmq_required():
            pytest.fail(reason)
        pytest.skip(reason)
    queue = rabbit.queue("messaging")
    received = Collector()
    consumer = rabbit.make_bus()
    await consumer.start([Subscription(queue, ("test.#",), received)])
    publisher = rabbit.make_bus()
    await publisher.start()
    before = make_event()
    await publisher.publish(before)
    await received.wait_for(1)

    closed = 0
    for bus in (consumer, publisher):
        assert bus.connection_name is not None
        closed += await rabbit_admin.close_connections(bus.connection_name)
    after = make_event()
    await publish_when_ready(publisher, after)
    await received.wait_for(2)

    assert closed == 2
    assert received.ids() == [before.id, after.id]


async def test_starting_while_the_broker_is_unreachable_succeeds_and_connects_later(
    rabbit: RabbitTransport, proxy: TcpProxy
) -> None:
    proxy.accepting = False  # the broker is "down"
    received = Collector()
    bus = rabbit.make_bus(proxy.url_for(rabbit.url), connect_timeout=2)

    await bus.start([Subscription(rabbit.queue("auth"), ("test.#",), received)])
    ready_while_down = await bus.is_ready()
    with pytest.raises(PublishError):
        await bus.publish(make_event())
    proxy.accepting = True

    await wait_for(bus.is_ready, pause=0.05)
    event = make_event()
    await bus.publish(event)
    await received.wait_for(1)

    assert ready_while_down is False
    assert received.ids() == [event.id]


async def test_after_a_network_failure_publishing_fails_cleanly_then_everything_resumes(
    rabbit: RabbitTransport, proxy: TcpProxy
) -> None:
    received = Collector()
    bus = rabbit.make_bus(proxy.url_for(rabbit.url))
    await bus.start([Subscription(rabbit.queue("archive"), ("test.#",), received)])
    assert await bus.is_ready()

    proxy.accepting = False
    await proxy.cut()
    with pytest.raises(PublishError):
        await bus.publish(make_event())
    proxy.accepting = True
    event = make_event()
    await publish_when_ready(bus, event)
    await received.wait_for(1)

    assert received.ids() == [event.id]


async def test_the_outbox_keeps_events_while_the_broker_is_unreachable_and_then_publishes(
    rabbit: RabbitTransport, proxy: TcpProxy, db: Database
) -> None:
    received = Collector()
    await rabbit.bus(  # the consumer reaches the broker directly
        [Subscription(rabbit.queue("reporting"), (ThingHappened.routing_key,), received)]
    )
    producer = rabbit.make_bus(proxy.url_for(rabbit.url))
    await producer.start()
    relay = OutboxRelay(db, producer, poll_interval=0.1)
    await relay.start()
    try:
        proxy.accepting = False
        await proxy.cut()
        async with db.transaction() as session:
            event_id = await add_event(
                session, ThingHappened(thing_id=uuid.uuid4(), school_id=uuid.uuid4())
            )
        await relay.wait_idle()
        proxy.accepting = True
        await received.wait_for(1)
    finally:
        await relay.stop()

    assert received.ids() == [event_id]


# --- batches and their acknowledgements ------------------------------------------------


@pytest.fixture
def acks(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, bool]]:
    """Every basic.ack the process sends: (delivery tag, multiple)."""
    sent: list[tuple[int, bool]] = []
    original = aiormq.Channel.basic_ack

    async def basic_ack(self: aiormq.Channel, delivery_tag: int, multiple: bool = False) -> None:
        sent.append((delivery_tag, multiple))
        await original(self, delivery_tag, multiple=multiple)

    monkeypatch.setattr(aiormq.Channel, "basic_ack", basic_ack)
    return sent


async def ready_messages(rabbit: RabbitTransport, queue: str) -> int:
    connection = await aio_pika.connect(rabbit.url)
    async with connection:
        channel = await connection.channel()
        declared = await channel.declare_queue(queue, passive=True)
        return declared.declaration_result.message_count or 0


async def test_a_batch_is_acknowledged_with_one_multiple_ack_on_its_last_delivery(
    rabbit: RabbitTransport, acks: list[tuple[int, bool]]
) -> None:
    queue = rabbit.queue("reporting")
    publisher = await rabbit.bus()
    await publisher.declare({queue: ("test.#",)})
    events = [make_event() for _ in range(BATCH_SIZE)]
    for event in events:
        await publisher.publish(event)

    received = Collector()
    consumer = await rabbit.bus([Subscription(queue, ("test.#",), received)])
    await received.wait_for(len(events))
    await consumer.close()  # anything not acknowledged would now be ready again

    assert received.batches == [BATCH_SIZE]
    assert acks == [(BATCH_SIZE, True)]  # the channel's tags are 1..BATCH_SIZE
    assert await ready_messages(rabbit, queue) == 0


async def test_a_multiple_ack_never_takes_a_failed_delivery_pausing_before_its_hand_back(
    rabbit: RabbitTransport, acks: list[tuple[int, bool]]
) -> None:
    queue = rabbit.queue("messaging")
    publisher = await rabbit.bus()
    await publisher.declare({queue: ("test.#",)})
    poison = make_event(note="poison")
    first = [poison, *(make_event() for _ in range(BATCH_SIZE - 1))]
    for event in first:
        await publisher.publish(event)
    handler = Collector(fail=lambda event, _attempt: event.data.get("note") == "poison")
    consumer = rabbit.make_bus(retry_backoff=1.0)  # the poison pauses a second each time
    await consumer.start([Subscription(queue, ("test.#",), handler)])
    await handler.wait_for(len(first) - 1)

    later = [make_event() for _ in range(BATCH_SIZE)]
    for event in later:
        await publisher.publish(event)
    await handler.wait_for(len(first) - 1 + len(later))
    dead = await rabbit.wait_dead_letters(queue, 1)

    assert [CloudEvent.from_json(body).id for body in dead] == [poison.id]
    assert handler.alone[poison.id] == DELIVERY_LIMIT
    # While the poison (tag 1) waited, everything was acknowledged one delivery at a time.
    assert (1, True) not in acks
    assert not any(multiple for tag, multiple in acks if tag <= len(first) + len(later))


async def test_queues_declared_while_the_broker_is_unreachable_exist_before_anything_is_published(
    rabbit: RabbitTransport, proxy: TcpProxy
) -> None:
    proxy.accepting = False
    queue = rabbit.queue("archive")
    publisher = rabbit.make_bus(proxy.url_for(rabbit.url), connect_timeout=2)
    await publisher.start()
    await publisher.declare({queue: ("test.#",)})
    proxy.accepting = True
    event = make_event()

    await publish_when_ready(publisher, event)  # routable: the queue came first
    received = Collector()
    await rabbit.bus([Subscription(queue, ("test.#",), received)])
    await received.wait_for(1)

    assert received.ids() == [event.id]


async def test_closing_lets_a_batch_being_applied_finish_and_be_acknowledged(
    rabbit: RabbitTransport,
) -> None:
    queue = rabbit.queue("reporting")
    publisher = await rabbit.bus()
    await publisher.declare({queue: ("test.#",)})
    events = [make_event() for _ in range(BATCH_SIZE)]
    for event in events:
        await publisher.publish(event)
    slow = Collector(pause=0.2)  # within the bus's close_grace
    consumer = rabbit.make_bus(close_grace=5.0)
    await consumer.start([Subscription(queue, ("test.#",), slow)])
    await slow.wait_until(lambda: bool(slow.attempts))  # the batch is being applied

    await consumer.close()

    assert slow.ids() == [e.id for e in events]
    assert await ready_messages(rabbit, queue) == 0  # acknowledged, not handed back
