"""What only the in-process broker has: drained(), which tests and shutdown rely on."""

from shared.bus import Subscription
from shared.bus.inprocess import InProcessBroker, InProcessBus
from shared.testing_bus import Collector, make_event


async def test_drained_waits_for_deliveries_still_being_handled() -> None:
    broker = InProcessBroker()
    slow = Collector(pause=0.05)
    bus = InProcessBus(broker)
    await bus.start([Subscription("slow", ("test.#",), slow)])
    try:
        await bus.publish(make_event())
        await broker.drained()
        assert len(slow.events) == 1
    finally:
        await broker.close()


async def test_drained_waits_for_a_failed_delivery_to_be_retried() -> None:
    broker = InProcessBroker(delivery_limit=3, retry_backoff=0.02)
    flaky = Collector(fail=lambda _event, attempt: attempt == 1)
    bus = InProcessBus(broker)
    await bus.start([Subscription("flaky", ("test.#",), flaky)])
    try:
        event = make_event()
        await bus.publish(event)
        await broker.drained()
        assert flaky.ids() == [event.id]
        assert flaky.attempts[event.id] == 2
    finally:
        await broker.close()


async def test_drained_does_not_wait_for_queues_nobody_consumes() -> None:
    broker = InProcessBroker()
    consumer = InProcessBus(broker)
    await consumer.start([Subscription("stopped", ("test.#",), Collector())])
    await consumer.close()
    await InProcessBus(broker).publish(make_event())

    await broker.drained()

    assert len(broker.queues["stopped"].ready) == 1  # kept for when it comes back
    await broker.close()
