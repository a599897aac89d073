"""The in-memory transport: the same contract as RabbitMQ, no broker, for the services'
tests (fast, nothing to set up).

Messages live in memory, so what is in flight when the process stops is lost; that is why
the embedded mode runs on the durable PostgreSQL transport (`shared.bus.postgres`) instead.
"""

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from pydantic import ValidationError

from shared.bus import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_BATCH_WAIT,
    TRANSIENT_RETRY_BASE,
    TRANSIENT_RETRY_LIMIT,
    PublishError,
    Subscription,
    check_batching,
    is_transient,
    retry_delay,
    topic_matches,
)
from shared.events import CloudEvent

log = logging.getLogger(__name__)


@dataclass
class _Delivery:
    body: bytes
    routing_key: str
    deliveries: int = 0


@dataclass(frozen=True)
class DeadLetter:
    """A message its queue gave up on, kept as it was published."""

    queue: str
    routing_key: str
    body: bytes
    deliveries: int
    reason: str

    def event(self) -> CloudEvent:
        return CloudEvent.from_json(self.body)


@dataclass
class _Queue:
    name: str
    bindings: set[str] = field(default_factory=set)
    ready: deque[_Delivery] = field(default_factory=deque)
    dead_letters: list[DeadLetter] = field(default_factory=list)
    in_flight: int = 0
    consumers: int = 0
    # Set whenever a message becomes ready; idle consumers wait on it.
    signal: asyncio.Event = field(default_factory=asyncio.Event)

    def routes(self, routing_key: str) -> bool:
        return any(topic_matches(binding, routing_key) for binding in self.bindings)


class InProcessBroker:
    """The shared 'broker' of one process; each service gets an InProcessBus onto it.

    `delivery_limit` is how many times a message is delivered before it is dead-lettered;
    `prefetch` is how many unsettled deliveries one consumer holds at once; a consumer
    applies up to `batch_size` of them in one handler call, waiting at most `batch_wait`
    seconds after the first for more; a failed delivery is handed back after
    `retry_delay(deliveries, retry_backoff)` seconds.
    """

    def __init__(
        self,
        delivery_limit: int = 5,
        *,
        prefetch: int = 200,
        batch_size: int = DEFAULT_BATCH_SIZE,
        batch_wait: float = DEFAULT_BATCH_WAIT,
        retry_backoff: float = 0.5,
        transient_retries: int = TRANSIENT_RETRY_LIMIT,
    ) -> None:
        if delivery_limit < 1:
            raise ValueError("delivery_limit must be at least 1")
        check_batching(batch_size, batch_wait, prefetch)
        self.transient_retries = transient_retries
        self.delivery_limit = delivery_limit
        self.prefetch = prefetch
        self.batch_size = batch_size
        self.batch_wait = batch_wait
        self.retry_backoff = retry_backoff
        self.queues: dict[str, _Queue] = {}
        self._consumers: set[asyncio.Task[None]] = set()
        self.closed = False
        self._changed = asyncio.Event()  # set on every change of any queue's state

    def declare(self, name: str, routing_keys: Sequence[str]) -> _Queue:
        """Create the queue if new and bind it to the routing keys (bindings accumulate)."""
        queue = self.queues.get(name)
        if queue is None:
            queue = self.queues[name] = _Queue(name)
        queue.bindings.update(routing_keys)
        return queue

    def route(self, event: CloudEvent) -> None:
        """Put the event into every queue bound to its type; PublishError if there is none."""
        self.publish_raw(event.type, event.to_json())

    def publish_raw(self, routing_key: str, body: bytes) -> None:
        """Route any body, as a broker would: the relay's stored envelopes (through the
        bus's `publish_raw`), and a foreign publisher in the tests."""
        if self.closed:
            raise PublishError("the in-process broker is closed")
        targets = [q for q in self.queues.values() if q.routes(routing_key)]
        if not targets:
            raise PublishError(f"unroutable: {routing_key}")
        for queue in targets:
            self._make_ready(queue, _Delivery(body, routing_key))

    def dead_letters(self, queue: str) -> list[DeadLetter]:
        """The queue's dead letters (its `<queue>.dlq`), oldest first."""
        found = self.queues.get(queue)
        return list(found.dead_letters) if found else []

    def redrive(self, queue: str, limit: int) -> int:
        """Move up to `limit` of the queue's dead letters, oldest first, back into it as
        new deliveries (shared.deadletters); how many were moved."""
        found = self.queues.get(queue)
        if found is None:
            return 0
        moving, found.dead_letters = found.dead_letters[:limit], found.dead_letters[limit:]
        for letter in moving:
            self._make_ready(found, _Delivery(letter.body, letter.routing_key))
        return len(moving)

    def consume(self, subscription: Subscription) -> asyncio.Task[None]:
        """Start one consumer on the subscription's queue; cancel the task to stop it."""
        queue = self.declare(subscription.queue, subscription.routing_keys)
        task = asyncio.create_task(
            _Consumer(self, queue, subscription).run(), name=f"consumer:{queue.name}"
        )
        # Counted from now, not from when the task first runs, so drained() right after
        # start() waits for this consumer's messages.
        queue.consumers += 1
        self._consumers.add(task)
        task.add_done_callback(self._consumers.discard)
        task.add_done_callback(lambda _: self._consumer_gone(queue))
        return task

    def _consumer_gone(self, queue: _Queue) -> None:
        queue.consumers -= 1
        self._changed.set()

    async def drained(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109 - kept API
        """Wait until no consumed queue holds a message and no delivery is being handled
        or waiting to be retried (for tests and orderly shutdown)."""
        async with asyncio.timeout(timeout):
            while self._busy():
                self._changed.clear()
                await self._changed.wait()

    def _busy(self) -> bool:
        return any(
            queue.in_flight or (queue.consumers and queue.ready) for queue in self.queues.values()
        )

    async def close(self) -> None:
        """Stop every consumer; deliveries being handled go back to their queues."""
        self.closed = True
        await _cancel_all(self._consumers)

    def _make_ready(self, queue: _Queue, delivery: _Delivery, *, front: bool = False) -> None:
        if front:
            queue.ready.appendleft(delivery)
        else:
            queue.ready.append(delivery)
        queue.signal.set()
        self._changed.set()

    def _dead_letter(self, queue: _Queue, delivery: _Delivery, reason: str) -> None:
        queue.dead_letters.append(
            DeadLetter(queue.name, delivery.routing_key, delivery.body, delivery.deliveries, reason)
        )
        log.error(
            "dead-lettered",
            extra={"queue": queue.name, "routing_key": delivery.routing_key, "reason": reason},
        )


class _Consumer:
    """One consumer of a queue: takes batches, applies them one after another, settles.

    A delivery it has taken and not yet settled (acknowledged, handed back, dead-lettered)
    counts in the queue's `in_flight` and against the consumer's prefetch; if the consumer
    stops first, the delivery goes back to the front of its queue.
    """

    def __init__(self, broker: InProcessBroker, queue: _Queue, subscription: Subscription):
        self.broker = broker
        self.queue = queue
        self.subscription = subscription
        self.held: dict[int, _Delivery] = {}  # taken, not yet settled, by id()
        self.retries: set[asyncio.Task[None]] = set()  # failed deliveries pausing
        self.room = asyncio.Event()  # set when a settlement frees prefetch room
        self.room.set()

    async def run(self) -> None:
        try:
            while True:
                batch = await self._take_batch()
                if batch:
                    await self._apply(batch)
        finally:
            await _cancel_all(self.retries)
            for delivery in reversed(list(self.held.values())):
                # Not settled when the consumer stopped: back it goes, and this delivery
                # does not count as a failure.
                delivery.deliveries -= 1
                self._settle(delivery)
                self.broker._make_ready(self.queue, delivery, front=True)

    # --- taking a batch ---------------------------------------------------------------

    def _take_one(self) -> _Delivery:
        delivery = self.queue.ready.popleft()
        delivery.deliveries += 1
        self.held[id(delivery)] = delivery
        self.queue.in_flight += 1
        self.broker._changed.set()
        return delivery

    def _room(self) -> int:
        return self.broker.prefetch - len(self.held)

    async def _take_batch(self) -> list[tuple[_Delivery, CloudEvent]]:
        """Wait for a first delivery, then take more until the batch is full or
        `batch_wait` has passed; bodies that are not CloudEvents are dead-lettered here."""
        size, queue = self.broker.batch_size, self.queue
        while True:
            if self._room() < 1:  # every slot held by failed deliveries pausing
                self.room.clear()
                await self.room.wait()
            elif not queue.ready:
                queue.signal.clear()
                await queue.signal.wait()
            else:
                break
        taken = [self._take_one()]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.broker.batch_wait
        while len(taken) < size and self._room() > 0:
            if queue.ready:
                taken.append(self._take_one())
                continue
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            queue.signal.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(remaining):
                    await queue.signal.wait()
        batch: list[tuple[_Delivery, CloudEvent]] = []
        for delivery in taken:
            try:
                batch.append((delivery, CloudEvent.from_json(delivery.body)))
            except ValidationError:
                self._settle(delivery)
                self.broker._dead_letter(queue, delivery, "not a CloudEvent")
        return batch

    # --- applying it ------------------------------------------------------------------

    async def _apply(self, batch: list[tuple[_Delivery, CloudEvent]]) -> None:
        try:
            await self._handle([event for _, event in batch])
        except Exception as exc:
            if len(batch) == 1 or is_transient(exc):
                # One event, or an outage outlasting the in-place retries: nothing to
                # single out, every delivery fails as it would alone.
                for delivery, _ in batch:
                    self._failed(delivery, exc)
                return
            log.warning(
                "batch failed, retrying its events one by one",
                extra={
                    "queue": self.queue.name,
                    "batch_size": len(batch),
                    "error_type": type(exc).__name__,
                },
            )
            for delivery, event in batch:
                try:
                    await self._handle([event])
                except Exception as single:
                    self._failed(delivery, single)
                else:
                    self._settle(delivery)
            return
        for delivery, _ in batch:
            self._settle(delivery)

    async def _handle(self, events: list[CloudEvent]) -> None:
        """Run the handler; a passing outage is retried in place, without counting, up to
        `transient_retries` times (then the batch fails as any other)."""
        outages = 0
        while True:
            try:
                await self.subscription.handler(events)
                return
            except Exception as exc:
                if not is_transient(exc) or outages >= self.broker.transient_retries:
                    raise
                outages += 1
                log.warning(
                    "batch failed on a passing outage, retrying",
                    extra={
                        "queue": self.queue.name,
                        "batch_size": len(events),
                        "retries": outages,
                        "error_type": type(exc).__name__,
                    },
                )
                await asyncio.sleep(retry_delay(outages, TRANSIENT_RETRY_BASE))

    def _settle(self, delivery: _Delivery) -> None:
        if self.held.pop(id(delivery), None) is not None:
            self.queue.in_flight -= 1
            self.room.set()
            self.broker._changed.set()

    def _failed(self, delivery: _Delivery, exc: Exception) -> None:
        """Hand a failed delivery back after a pause, without holding up the consumer,
        or dead-letter it once it has been delivered `delivery_limit` times."""
        log.warning(
            "delivery failed",
            extra={
                "queue": self.queue.name,
                "routing_key": delivery.routing_key,
                "deliveries": delivery.deliveries,
            },
            exc_info=exc,  # the error, its message and its (scrubbed) traceback
        )
        if delivery.deliveries >= self.broker.delivery_limit:
            self._settle(delivery)
            self.broker._dead_letter(self.queue, delivery, "delivery_limit")
            return
        task = asyncio.create_task(self._hand_back_later(delivery))
        self.retries.add(task)
        task.add_done_callback(self.retries.discard)

    async def _hand_back_later(self, delivery: _Delivery) -> None:
        try:
            await asyncio.sleep(retry_delay(delivery.deliveries, self.broker.retry_backoff))
        finally:
            self._settle(delivery)
            self.broker._make_ready(self.queue, delivery)


async def _cancel_all(tasks: set[asyncio.Task[None]]) -> None:
    pending = list(tasks)
    for task in pending:
        task.cancel()
    for task in pending:
        with contextlib.suppress(asyncio.CancelledError):
            await task


class InProcessBus:
    """One service's handle on the in-process broker."""

    def __init__(self, broker: InProcessBroker) -> None:
        self.broker = broker
        self._consumers: set[asyncio.Task[None]] = set()

    async def start(self, subscriptions: Sequence[Subscription] = ()) -> None:
        # Declare every queue first, as RabbitMQ would, so nothing published meanwhile
        # is unroutable.
        for subscription in subscriptions:
            self.broker.declare(subscription.queue, subscription.routing_keys)
        for subscription in subscriptions:
            self._consumers.add(self.broker.consume(subscription))

    async def declare(self, bindings: Mapping[str, Sequence[str]]) -> None:
        for queue, routing_keys in bindings.items():
            self.broker.declare(queue, routing_keys)

    async def publish(self, event: CloudEvent) -> None:
        self.broker.route(event)

    async def publish_raw(
        self, routing_key: str, body: bytes, *, message_id: str, time: datetime
    ) -> None:
        """The body is queued as it is (the id and time travel in it)."""
        self.broker.publish_raw(routing_key, body)

    async def is_ready(self) -> bool:
        return not self.broker.closed

    async def close(self) -> None:
        """Stop this service's consumers; the broker and its queues outlive the service."""
        await _cancel_all(self._consumers)
        self._consumers.clear()
