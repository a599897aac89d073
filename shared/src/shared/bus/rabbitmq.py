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
from collections.abc import Sequence
from dataclasses import dataclass
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
    TRANSIENT_RETRY_BASE,
    TRANSIENT_RETRY_LIMIT,
    PublishError,
    Subscription,
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


class RabbitBus:
    """The Bus on RabbitMQ. `start` never fails because the broker is down: it keeps
    connecting in the background, and `is_ready` says whether it is connected."""

    def __init__(
        self,
        url: str,
        *,
        exchange: str,
        delivery_limit: int = 5,
        prefetch: int = 32,
        publish_timeout: float = 10.0,
        connect_timeout: float = 10.0,
        retry_backoff: float = 0.5,
        reconnect_interval: float = 2.0,
        connection_name: str | None = None,
        close_grace: float = 5.0,
        transient_retries: int = TRANSIENT_RETRY_LIMIT,
    ) -> None:
        if delivery_limit < 1 or prefetch < 1:
            raise ValueError("delivery_limit and prefetch must be at least 1")
        self.transient_retries = transient_retries
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
        self._connection: AbstractRobustConnection | None = None
        self._channel: AbstractRobustChannel | None = None
        self._exchange: AbstractRobustExchange | None = None
        self._consumers: list[_Consumer] = []
        self._handling: set[asyncio.Task[Any]] = set()
        self._connector: asyncio.Task[None] | None = None
        self._closing = asyncio.Event()

    # --- lifecycle --------------------------------------------------------------------

    async def start(self, subscriptions: Sequence[Subscription] = ()) -> None:
        """Connect, declare the topology and consume; if the broker is unreachable, go on
        trying in the background instead of failing the service's startup."""
        self._subscriptions.extend(subscriptions)
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
            # Handlers get a moment to finish; what is left unacknowledged goes back to
            # the queue when the channel closes, for another consumer.
            _, unfinished = await asyncio.wait(list(self._handling), timeout=self.close_grace)
            for task in unfinished:
                task.cancel()
        connection, self._connection = self._connection, None
        self._channel = self._exchange = None
        self._consumers.clear()
        if connection is not None:
            with contextlib.suppress(*_CONNECTION_ERRORS):
                await connection.close()

    # --- publishing -------------------------------------------------------------------

    async def publish(self, event: CloudEvent) -> None:
        """Publish persistently and mandatorily; return only on the broker's ack."""
        exchange = self._exchange
        if exchange is None or not await self.is_ready():
            raise PublishError("broker not connected")
        message = aio_pika.Message(
            body=event.to_json(),
            content_type=CLOUDEVENTS_CONTENT_TYPE,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            message_id=str(event.id),
            type=event.type,
            timestamp=event.time,
        )
        try:
            async with asyncio.timeout(self.publish_timeout):
                await exchange.publish(message, routing_key=event.type, mandatory=True)
        except aio_pika.exceptions.PublishError as exc:  # returned: no queue is bound
            raise PublishError(f"unroutable: {event.type}") from exc
        except aio_pika.exceptions.DeliveryError as exc:  # nacked by the broker
            raise PublishError(f"nacked: {event.type}") from exc
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

    async def _consume(
        self, connection: AbstractRobustConnection, subscription: Subscription
    ) -> _Consumer:
        # One channel per subscription: prefetch applies to it alone, and a channel error
        # in one consumer does not stop the others. The robust channel re-declares all of
        # this (exchanges, queues, bindings, consumer) after a reconnect.
        channel = await connection.channel(publisher_confirms=False)
        await channel.set_qos(prefetch_count=self.prefetch)
        exchange = await self._declare_exchanges(channel)
        dead_letters = await channel.declare_queue(
            dead_letter_queue(subscription.queue),
            durable=True,
            arguments={"x-queue-type": "quorum"},
        )
        await dead_letters.bind(self.dead_letter_exchange_name, routing_key=subscription.queue)
        queue = await channel.declare_queue(
            subscription.queue,
            durable=True,
            arguments=queue_arguments(self.exchange_name, subscription.queue, self.delivery_limit),
        )
        for routing_key in subscription.routing_keys:
            await queue.bind(exchange, routing_key=routing_key)

        async def on_message(message: AbstractIncomingMessage) -> None:
            await self._on_message(subscription, message)

        tag = await queue.consume(on_message)
        return _Consumer(subscription, channel, queue, tag)

    # --- consuming --------------------------------------------------------------------

    async def _on_message(
        self, subscription: Subscription, message: AbstractIncomingMessage
    ) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._handling.add(task)
        try:
            await self._handle(subscription, message)
        finally:
            if task is not None:
                self._handling.discard(task)

    async def _handle(self, subscription: Subscription, message: AbstractIncomingMessage) -> None:
        # The quorum queue counts earlier hand-backs in x-delivery-count.
        raw_count = (message.headers or {}).get("x-delivery-count", 0)
        deliveries = (raw_count if isinstance(raw_count, int) else 0) + 1
        context = {
            "queue": subscription.queue,
            "routing_key": message.routing_key,
            "message_id": message.message_id,
            "deliveries": deliveries,
        }
        try:
            event = CloudEvent.from_json(message.body)
        except ValidationError:
            log.error("not a CloudEvent, dead-lettered", extra=context)
            await _settle(message.reject(requeue=False), context)
            return
        outages = 0
        while True:
            try:
                await subscription.handler(event)
            except Exception as exc:
                if (
                    is_transient(exc)
                    and outages < self.transient_retries
                    and not self._closing.is_set()
                ):
                    # Retried in place: handing it back would use up the delivery limit.
                    # Bounded: past the bound the delivery fails as any other.
                    outages += 1
                    log.warning(
                        "delivery failed on a passing outage, retrying",
                        extra={**context, "retries": outages, "error_type": type(exc).__name__},
                    )
                    await self._pause(retry_delay(outages, TRANSIENT_RETRY_BASE))
                    if not self._closing.is_set():
                        continue
                await self._failed(message, deliveries, context, exc)
                return
            await _settle(message.ack(), context)
            return

    async def _pause(self, seconds: float) -> None:
        """Sleep, cut short by closing the bus."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._closing.wait()

    async def _failed(
        self,
        message: AbstractIncomingMessage,
        deliveries: int,
        context: dict[str, Any],
        exc: Exception,
    ) -> None:
        """Hand a failed delivery back after a pause; the queue dead-letters it once it
        has been delivered `delivery_limit` times."""
        log.warning("delivery failed", extra={**context, "error_type": type(exc).__name__})
        if deliveries < self.delivery_limit:
            await self._pause(retry_delay(deliveries, self.retry_backoff))
        else:
            log.error("delivery limit reached, dead-lettered", extra=context)
        await _settle(message.nack(requeue=True), context)


async def _settle(outcome: Any, context: dict[str, Any]) -> None:
    """Ack/nack; if the channel is gone meanwhile, the broker redelivers by itself."""
    try:
        await outcome
    except _CONNECTION_ERRORS as exc:
        log.warning(
            "could not settle a delivery; the broker will redeliver it",
            extra={**context, "error_type": type(exc).__name__},
        )
