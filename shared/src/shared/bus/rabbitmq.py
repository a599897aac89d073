"""The RabbitMQ transport (aio-pika, robust connection, publisher confirms, quorum queues).

Topology, declared by every bus on start and again after every reconnect:

    <exchange>           durable topic exchange of the domain events
    <queue>              one durable quorum queue per subscription, bound to its keys,
                         x-delivery-limit, dead letters to <exchange>.dlx with the
                         queue's own name as routing key
    <exchange>.dlx       durable direct exchange of dead letters
    <queue>.dlq          durable quorum queue bound to <exchange>.dlx with key <queue>:
                         the dead letters of <queue> only (the original routing key is
                         kept in the x-death header)

Quorum queues count a delivery when it is handed back (nack, or the consumer's channel
closing) and dead-letter once that count exceeds x-delivery-limit, so x-delivery-limit is
`delivery_limit - 1`: a message is delivered `delivery_limit` times at most (measured on
RabbitMQ 3.10.8: x-delivery-limit 2 gave 3 deliveries). Dead-lettering is at-least-once
(RabbitMQ ≥ 3.10), so a dead letter is not dropped on its way to the .dlq.
"""

import asyncio
import contextlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aio_pika
import aio_pika.exceptions
from aio_pika.abc import (
    AbstractIncomingMessage,
    AbstractRobustChannel,
    AbstractRobustConnection,
    AbstractRobustExchange,
    AbstractRobustQueue,
)
from pydantic import ValidationError
from yarl import URL

from shared.bus import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_BATCH_WAIT,
    TRANSIENT_RETRY_BASE,
    TRANSIENT_RETRY_LIMIT,
    PublishError,
    Subscription,
    check_batching,
    dead_letter_queue,
    is_transient,
    retry_delay,
)
from shared.events import CLOUDEVENTS_CONTENT_TYPE, CloudEvent

log = logging.getLogger(__name__)

MAX_CONNECT_BACKOFF = 30.0

# What a lost or refused connection raises from aio-pika and the socket layer.
_CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    *aio_pika.exceptions.CONNECTION_EXCEPTIONS,
    TimeoutError,
)


def queue_arguments(exchange: str, queue: str, delivery_limit: int) -> dict[str, Any]:
    """The arguments of a subscription's quorum queue (they must never change for a
    queue that exists: RabbitMQ refuses a redeclaration with other arguments)."""
    return {
        "x-queue-type": "quorum",
        "x-delivery-limit": delivery_limit - 1,
        "x-dead-letter-exchange": f"{exchange}.dlx",
        "x-dead-letter-routing-key": queue,
        "x-dead-letter-strategy": "at-least-once",
        "x-overflow": "reject-publish",  # required by at-least-once dead-lettering
    }


@dataclass
class _Consumer:
    subscription: Subscription
    channel: AbstractRobustChannel
    queue: AbstractRobustQueue
    tag: str


@dataclass(eq=False)
class _Delivery:
    """A message as it arrived, with the channel it must be settled on (a reconnect opens
    another one: a delivery of the old channel can only be redelivered by the broker)."""

    message: AbstractIncomingMessage
    channel: object
    tag: int
    deliveries: int  # this one included; the quorum queue counts earlier hand-backs

    @property
    def context(self) -> dict[str, Any]:
        return {
            "routing_key": self.message.routing_key,
            "message_id": self.message.message_id,
            "deliveries": self.deliveries,
        }


class _Batcher:
    """One subscription's side of consuming: the consumer callback queues deliveries,
    a collector task forms batches from them; every delivery not yet settled is kept in
    `unsettled` (a multiple ack must not cover one of them by accident)."""

    def __init__(self, subscription: Subscription) -> None:
        self.subscription = subscription
        self.arrived: asyncio.Queue[_Delivery] = asyncio.Queue()
        self.unsettled: set[_Delivery] = set()
        self.collector: asyncio.Task[None] | None = None

    def receive(self, message: AbstractIncomingMessage) -> None:
        raw_count = (message.headers or {}).get("x-delivery-count", 0)
        delivery = _Delivery(
            message,
            message.channel,
            message.delivery_tag or 0,
            (raw_count if isinstance(raw_count, int) else 0) + 1,
        )
        self.unsettled.add(delivery)
        self.arrived.put_nowait(delivery)


class RabbitBus:
    """The Bus on RabbitMQ. `start` never fails because the broker is down: it keeps
    connecting in the background, and `is_ready` says whether it is connected."""

    def __init__(
        self,
        url: str,
        *,
        exchange: str,
        delivery_limit: int = 5,
        prefetch: int = 200,
        publish_timeout: float = 10.0,
        connect_timeout: float = 10.0,
        retry_backoff: float = 0.5,
        reconnect_interval: float = 2.0,
        connection_name: str | None = None,
        close_grace: float = 5.0,
        batch_size: int = DEFAULT_BATCH_SIZE,
        batch_wait: float = DEFAULT_BATCH_WAIT,
        transient_retries: int = TRANSIENT_RETRY_LIMIT,
    ) -> None:
        if delivery_limit < 1:
            raise ValueError("delivery_limit must be at least 1")
        check_batching(batch_size, batch_wait, prefetch)
        self.transient_retries = transient_retries
        self.batch_size = batch_size
        self.batch_wait = batch_wait
        self.url = url
        self.exchange_name = exchange
        self.dead_letter_exchange_name = f"{exchange}.dlx"
        self.delivery_limit = delivery_limit
        self.prefetch = prefetch
        self.publish_timeout = publish_timeout
        self.connect_timeout = connect_timeout
        self.retry_backoff = retry_backoff
        self.reconnect_interval = reconnect_interval
        self.connection_name = connection_name
        self.close_grace = close_grace
        self._subscriptions: list[Subscription] = []
        self._bindings: dict[str, list[str]] = {}  # queues declared without consuming
        self._connection: AbstractRobustConnection | None = None
        self._channel: AbstractRobustChannel | None = None
        self._exchange: AbstractRobustExchange | None = None
        self._consumers: list[_Consumer] = []
        self._batchers: dict[str, _Batcher] = {}  # by queue
        self._handling: set[asyncio.Task[Any]] = set()  # batches applied, failures pausing
        self._connector: asyncio.Task[None] | None = None
        self._closing = asyncio.Event()

    # --- lifecycle --------------------------------------------------------------------

    async def start(self, subscriptions: Sequence[Subscription] = ()) -> None:
        """Connect, declare the topology and consume; if the broker is unreachable, go on
        trying in the background instead of failing the service's startup."""
        self._subscriptions.extend(subscriptions)
        for subscription in subscriptions:
            batcher = self._batchers[subscription.queue] = _Batcher(subscription)
            batcher.collector = asyncio.create_task(
                self._collect(batcher), name=f"batches:{subscription.queue}"
            )
        try:
            await self._connect()
        except _CONNECTION_ERRORS as exc:
            log.warning(
                "broker not usable, connecting in the background",
                extra={"error_type": type(exc).__name__, "error": str(exc)[:200]},
            )
            self._connector = asyncio.create_task(self._keep_connecting(), name="rabbit-connect")

    async def is_ready(self) -> bool:
        connection, channel = self._connection, self._channel
        return (
            connection is not None
            and not connection.is_closed
            and connection.connected.is_set()
            and channel is not None
            and not channel.is_closed
        )

    async def close(self) -> None:
        """Stop consuming, let deliveries being handled finish (briefly), disconnect."""
        self._closing.set()
        if self._connector is not None:
            self._connector.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._connector
            self._connector = None
        for consumer in self._consumers:
            with contextlib.suppress(*_CONNECTION_ERRORS):
                async with asyncio.timeout(5):
                    await consumer.queue.cancel(consumer.tag)
        if self._handling:
            # A batch being applied gets a moment to commit and be acknowledged; what is
            # left unacknowledged goes back to the queue when the channel closes, for
            # another consumer. Collectors start no new batch once closing.
            _, unfinished = await asyncio.wait(list(self._handling), timeout=self.close_grace)
            for task in unfinished:
                task.cancel()
        collectors = [b.collector for b in self._batchers.values() if b.collector is not None]
        for collector in collectors:
            collector.cancel()
        for collector in collectors:
            with contextlib.suppress(asyncio.CancelledError):
                await collector
        self._batchers.clear()
        connection, self._connection = self._connection, None
        self._channel = self._exchange = None
        self._consumers.clear()
        if connection is not None:
            with contextlib.suppress(*_CONNECTION_ERRORS):
                await connection.close()

    async def declare(self, bindings: Mapping[str, Sequence[str]]) -> None:
        """Declare the queues and bind them, without consuming.

        Not connected yet (the broker was down at start): they are remembered and declared
        on connecting, before this bus can publish anything. Connected, or reconnecting:
        they are declared now, waiting for the connection up to `publish_timeout`
        (PublishError after that), since a robust reconnect restores only what it saw.
        """
        for name, routing_keys in bindings.items():
            known = self._bindings.setdefault(name, [])
            known.extend(key for key in routing_keys if key not in known)
        connection = self._connection
        if connection is None:
            return
        try:
            async with asyncio.timeout(self.publish_timeout):
                await connection.connected.wait()
                channel, exchange = self._channel, self._exchange
                if channel is None or exchange is None:
                    raise PublishError("broker not connected")
                for name, routing_keys in bindings.items():
                    await self._declare_queue(channel, exchange, name, tuple(routing_keys))
        except TimeoutError as exc:
            raise PublishError(f"queues not declared within {self.publish_timeout} s") from exc
        except _CONNECTION_ERRORS as exc:
            raise PublishError(f"connection lost: {type(exc).__name__}") from exc

    # --- publishing -------------------------------------------------------------------

    async def publish(self, event: CloudEvent) -> None:
        """Publish persistently and mandatorily; return only on the broker's ack."""
        await self.publish_raw(
            event.type, event.to_json(), message_id=str(event.id), time=event.time
        )

    async def publish_raw(
        self, routing_key: str, body: bytes, *, message_id: str, time: datetime
    ) -> None:
        """Publish a serialised CloudEvent as it is, persistently and mandatorily (the
        message's id, type and timestamp are the event's); return only on the ack."""
        exchange = self._exchange
        if exchange is None or not await self.is_ready():
            raise PublishError("broker not connected")
        message = aio_pika.Message(
            body=body,
            content_type=CLOUDEVENTS_CONTENT_TYPE,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            message_id=message_id,
            type=routing_key,
            timestamp=time,
        )
        try:
            async with asyncio.timeout(self.publish_timeout):
                await exchange.publish(message, routing_key=routing_key, mandatory=True)
        except aio_pika.exceptions.PublishError as exc:  # returned: no queue is bound
            raise PublishError(f"unroutable: {routing_key}") from exc
        except aio_pika.exceptions.DeliveryError as exc:  # nacked by the broker
            raise PublishError(f"nacked: {routing_key}") from exc
        except TimeoutError as exc:
            raise PublishError(f"no confirm within {self.publish_timeout} s") from exc
        except _CONNECTION_ERRORS as exc:
            raise PublishError(f"connection lost: {type(exc).__name__}") from exc
        except asyncio.CancelledError as exc:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise  # we are being cancelled ourselves
            raise PublishError("publish interrupted by the connection closing") from exc

    # --- connecting and the topology --------------------------------------------------

    async def _keep_connecting(self) -> None:
        attempt = 0
        while not self._closing.is_set():
            attempt += 1
            await asyncio.sleep(min(self.reconnect_interval * attempt, MAX_CONNECT_BACKOFF))
            try:
                await self._connect()
            except aio_pika.exceptions.AMQPChannelError as exc:
                # Connected, but the broker refused the topology, e.g. a queue that exists
                # with other arguments (they cannot change in place: delete the queue, or
                # manage such arguments with a policy).
                log.error(
                    "broker refused the topology",
                    extra={
                        "attempt": attempt,
                        "error_type": type(exc).__name__,
                        "error": str(exc)[:300],
                    },
                )
            except _CONNECTION_ERRORS as exc:
                log.warning(
                    "broker still unreachable",
                    extra={
                        "attempt": attempt,
                        "error_type": type(exc).__name__,
                        "error": str(exc)[:200],
                    },
                )
            else:
                log.info("broker connected", extra={"attempt": attempt})
                return

    def _connection_url(self) -> str:
        url = URL(self.url)
        if "reconnect_interval" not in url.query:
            url = url.update_query(reconnect_interval=str(self.reconnect_interval))
        return str(url)

    async def _connect(self) -> None:
        connection = await aio_pika.connect_robust(
            self._connection_url(),
            timeout=self.connect_timeout,
            client_properties=(
                {"connection_name": self.connection_name} if self.connection_name else None
            ),
        )
        try:
            channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
            exchange = await self._declare_exchanges(channel)
            await self._declare_bindings(channel, exchange)
            consumers = [await self._consume(connection, s) for s in self._subscriptions]
        except BaseException:
            with contextlib.suppress(*_CONNECTION_ERRORS):
                await connection.close()
            raise
        self._connection, self._channel, self._exchange = connection, channel, exchange
        self._consumers = consumers

    async def _declare_exchanges(self, channel: AbstractRobustChannel) -> AbstractRobustExchange:
        exchange = await channel.declare_exchange(
            self.exchange_name, aio_pika.ExchangeType.TOPIC, durable=True
        )
        await channel.declare_exchange(
            self.dead_letter_exchange_name, aio_pika.ExchangeType.DIRECT, durable=True
        )
        return exchange

    async def _declare_queue(
        self,
        channel: AbstractRobustChannel,
        exchange: AbstractRobustExchange,
        name: str,
        routing_keys: Sequence[str],
    ) -> AbstractRobustQueue:
        """Declare a subscription's queue and its dead-letter queue, and bind them."""
        dead_letters = await channel.declare_queue(
            dead_letter_queue(name), durable=True, arguments={"x-queue-type": "quorum"}
        )
        await dead_letters.bind(self.dead_letter_exchange_name, routing_key=name)
        queue = await channel.declare_queue(
            name,
            durable=True,
            arguments=queue_arguments(self.exchange_name, name, self.delivery_limit),
        )
        for routing_key in routing_keys:
            await queue.bind(exchange, routing_key=routing_key)
        return queue

    async def _declare_bindings(
        self, channel: AbstractRobustChannel, exchange: AbstractRobustExchange
    ) -> None:
        for name, routing_keys in self._bindings.items():
            await self._declare_queue(channel, exchange, name, tuple(routing_keys))

    async def _consume(
        self, connection: AbstractRobustConnection, subscription: Subscription
    ) -> _Consumer:
        # One channel per subscription: prefetch applies to it alone, and a channel error
        # in one consumer does not stop the others. The robust channel re-declares all of
        # this (exchanges, queues, bindings, consumer) after a reconnect.
        channel = await connection.channel(publisher_confirms=False)
        await channel.set_qos(prefetch_count=self.prefetch)
        exchange = await self._declare_exchanges(channel)
        queue = await self._declare_queue(
            channel, exchange, subscription.queue, subscription.routing_keys
        )

        batcher = self._batchers[subscription.queue]

        async def on_message(message: AbstractIncomingMessage) -> None:
            batcher.receive(message)

        tag = await queue.consume(on_message)
        return _Consumer(subscription, channel, queue, tag)

    # --- consuming --------------------------------------------------------------------

    async def _collect(self, batcher: _Batcher) -> None:
        """Form batches, one after another: up to batch_size deliveries, or what arrived
        within batch_wait after the first."""
        loop = asyncio.get_running_loop()
        while not self._closing.is_set():
            taken = [await batcher.arrived.get()]
            deadline = loop.time() + self.batch_wait
            while len(taken) < self.batch_size:
                if not batcher.arrived.empty():
                    taken.append(batcher.arrived.get_nowait())
                    continue
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                try:
                    async with asyncio.timeout(remaining):
                        taken.append(await batcher.arrived.get())
                except TimeoutError:
                    break
            if self._closing.is_set():
                return  # unacknowledged, they go back when the channel closes
            batch = await self._parse(batcher, taken)
            if batch and not self._closing.is_set():
                applying = asyncio.create_task(self._apply(batcher, batch))
                self._handling.add(applying)
                applying.add_done_callback(self._handling.discard)
                try:
                    # Shielded: close() decides how long a batch may take to finish.
                    await asyncio.shield(applying)
                except Exception:
                    # Not the handler's failure (that is handled inside): a bug here must
                    # not stop the subscription (its deliveries, unacknowledged, go back to
                    # the queue when the channel closes).
                    log.exception(
                        "batch handling broke", extra={"queue": batcher.subscription.queue}
                    )

    async def _parse(
        self, batcher: _Batcher, taken: list[_Delivery]
    ) -> list[tuple[_Delivery, CloudEvent]]:
        """The batch's events; a body that is not a CloudEvent is dead-lettered at once,
        and a delivery of a channel that closed meanwhile is left to the broker."""
        batch: list[tuple[_Delivery, CloudEvent]] = []
        for delivery in taken:
            if _is_closed(delivery.channel):
                batcher.unsettled.discard(delivery)  # the broker redelivers it
                continue
            try:
                batch.append((delivery, CloudEvent.from_json(delivery.message.body)))
            except ValidationError:
                context = {"queue": batcher.subscription.queue, **delivery.context}
                log.error("not a CloudEvent, dead-lettered", extra=context)
                batcher.unsettled.discard(delivery)
                await _settle(delivery.message.reject(requeue=False), context)
        return batch

    async def _apply(self, batcher: _Batcher, batch: list[tuple[_Delivery, CloudEvent]]) -> None:
        queue = batcher.subscription.queue
        try:
            applied = await self._handle(batcher, [event for _, event in batch])
        except Exception as exc:
            if len(batch) == 1 or is_transient(exc):
                # One event, or an outage outlasting the in-place retries: nothing to
                # single out, every delivery fails as it would alone.
                for delivery, _ in batch:
                    self._failed(batcher, delivery, exc)
                return
            log.warning(
                "batch failed, retrying its events one by one",
                extra={"queue": queue, "batch_size": len(batch), "error_type": type(exc).__name__},
            )
            for delivery, event in batch:
                try:
                    if not await self._handle(batcher, [event]):
                        return  # closing: what is left goes back to the queue
                except Exception as single:
                    self._failed(batcher, delivery, single)
                else:
                    await self._ack(batcher, [delivery])
            return
        if applied:
            await self._ack(batcher, [delivery for delivery, _ in batch])

    async def _handle(self, batcher: _Batcher, events: list[CloudEvent]) -> bool:
        """Run the handler; a passing outage is retried in place, without counting, up to
        `transient_retries` times (then the batch fails as any other).
        False if the bus closed before the handler succeeded."""
        outages = 0
        while True:
            try:
                await batcher.subscription.handler(events)
                return True
            except Exception as exc:
                if not is_transient(exc) or outages >= self.transient_retries:
                    raise
                if self._closing.is_set():
                    return False
                # Retried in place: handing it back would use up the delivery limit.
                outages += 1
                log.warning(
                    "batch failed on a passing outage, retrying",
                    extra={
                        "queue": batcher.subscription.queue,
                        "batch_size": len(events),
                        "retries": outages,
                        "error_type": type(exc).__name__,
                    },
                )
                await self._pause(retry_delay(outages, TRANSIENT_RETRY_BASE))
                if self._closing.is_set():
                    return False

    async def _ack(self, batcher: _Batcher, deliveries: list[_Delivery]) -> None:
        """Acknowledge applied deliveries: per channel, one multiple ack on the last tag,
        unless an earlier delivery of that channel is still unsettled (a failed one
        pausing before it is handed back), which a multiple ack would take with it."""
        context: dict[str, Any] = {"queue": batcher.subscription.queue}
        by_channel: dict[int, list[_Delivery]] = {}
        for delivery in deliveries:
            batcher.unsettled.discard(delivery)
            by_channel.setdefault(id(delivery.channel), []).append(delivery)
        for group in by_channel.values():
            last = max(group, key=lambda delivery: delivery.tag)
            covered = any(
                other.channel is last.channel and other.tag < last.tag
                for other in batcher.unsettled
            )
            if covered:
                for delivery in group:
                    await _settle(delivery.message.ack(), {**context, **delivery.context})
            else:
                await _settle(last.message.ack(multiple=True), {**context, **last.context})

    async def _pause(self, seconds: float) -> None:
        """Sleep, cut short by closing the bus."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._closing.wait()

    def _failed(self, batcher: _Batcher, delivery: _Delivery, exc: Exception) -> None:
        """Hand a failed delivery back after a pause, without holding up the batches
        behind it; the queue dead-letters it once it has been delivered
        `delivery_limit` times."""
        context = {"queue": batcher.subscription.queue, **delivery.context}
        # The error, its message and its (scrubbed) traceback: why the event failed.
        log.warning("delivery failed", extra=context, exc_info=exc)

        async def hand_back() -> None:
            if delivery.deliveries < self.delivery_limit:
                await self._pause(retry_delay(delivery.deliveries, self.retry_backoff))
            else:
                log.error("delivery limit reached, dead-lettered", extra=context)
            batcher.unsettled.discard(delivery)
            await _settle(delivery.message.nack(requeue=True), context)

        task = asyncio.create_task(hand_back())
        self._handling.add(task)
        task.add_done_callback(self._handling.discard)


def _is_closed(channel: object) -> bool:
    return getattr(channel, "is_closed", False) is True


async def _settle(outcome: Any, context: dict[str, Any]) -> None:
    """Ack/nack; if the channel is gone meanwhile, the broker redelivers by itself."""
    try:
        await outcome
    except _CONNECTION_ERRORS as exc:
        log.warning(
            "could not settle a delivery; the broker will redeliver it",
            extra={**context, "error_type": type(exc).__name__},
        )
