"""The in-process transport for the embedded mode: same contract as RabbitMQ, no broker.

Messages live in memory, so what is in flight when the process stops is redelivered from
the producers' outboxes only if it was not yet published; the embedded mode accepts that.
"""

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from shared.bus import PublishError, Subscription, topic_matches
from shared.events import CloudEvent

log = logging.getLogger(__name__)


@dataclass
class _Delivery:
    body: bytes
    routing_key: str
    count: int = 0


@dataclass
class _Queue:
    name: str
    delivery_limit: int
    bindings: set[str] = field(default_factory=set)
    messages: asyncio.Queue[_Delivery] = field(default_factory=asyncio.Queue)
    dead_letters: list[CloudEvent] = field(default_factory=list)
    consumers: int = 0


class InProcessBroker:
    """The shared 'broker' of one process; each service gets an InProcessBus onto it."""

    def __init__(self, delivery_limit: int = 5) -> None:
        self.delivery_limit = delivery_limit
        self.queues: dict[str, _Queue] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def declare(self, name: str, routing_keys: Sequence[str]) -> _Queue:
        queue = self.queues.setdefault(name, _Queue(name, self.delivery_limit))
        queue.bindings.update(routing_keys)
        return queue

    def route(self, event: CloudEvent) -> None:
        targets = [
            q for q in self.queues.values()
            if any(topic_matches(b, event.type) for b in q.bindings)
        ]
        if not targets:
            raise PublishError(f"unroutable: {event.type}")
        body = event.to_json()
        for queue in targets:
            queue.messages.put_nowait(_Delivery(body, event.type))

    def consume(self, subscription: Subscription) -> None:
        queue = self.declare(subscription.queue, subscription.routing_keys)
        queue.consumers += 1
        task = asyncio.create_task(self._consume(queue, subscription))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _consume(self, queue: _Queue, subscription: Subscription) -> None:
        while True:
            delivery = await queue.messages.get()
            delivery.count += 1
            try:
                event = CloudEvent.from_json(delivery.body)
                await subscription.handler(event)
            except asyncio.CancelledError:
                queue.messages.put_nowait(delivery)
                raise
            except Exception as exc:
                log.warning(
                    "delivery failed",
                    extra={"queue": queue.name, "routing_key": delivery.routing_key,
                           "attempts": delivery.count, "error_type": type(exc).__name__},
                )
                if delivery.count >= queue.delivery_limit:
                    with contextlib.suppress(Exception):
                        queue.dead_letters.append(CloudEvent.from_json(delivery.body))
                    log.error("dead-lettered", extra={"queue": queue.name,
                                                      "routing_key": delivery.routing_key})
                else:
                    queue.messages.put_nowait(delivery)
                    await asyncio.sleep(0)

    async def drained(self, timeout: float = 10.0) -> None:
        """Wait until every queue is empty (for tests and orderly shutdown)."""
        async with asyncio.timeout(timeout):
            while any(not q.messages.empty() for q in self.queues.values()):
                await asyncio.sleep(0.01)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task


class InProcessBus:
    """One service's handle on the in-process broker."""

    def __init__(self, broker: InProcessBroker) -> None:
        self.broker = broker
        self._subscriptions: list[Subscription] = []

    async def start(self, subscriptions: Sequence[Subscription] = ()) -> None:
        for subscription in subscriptions:
            self.broker.declare(subscription.queue, subscription.routing_keys)
        for subscription in subscriptions:
            self.broker.consume(subscription)
        self._subscriptions.extend(subscriptions)

    async def publish(self, event: CloudEvent) -> None:
        self.broker.route(event)

    async def is_ready(self) -> bool:
        return True

    async def close(self) -> None:
        # The broker outlives its services; it is closed by whoever created it.
        return None
