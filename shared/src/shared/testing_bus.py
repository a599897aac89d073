"""Test helpers for anything that uses the bus: a stand-in event contract, a recording
handler, and the two transports behind one small interface, so a test runs unchanged on
the in-process bus and on a real RabbitMQ (see tests/bus/conftest.py for the fixtures).
"""

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, ClassVar, Protocol

import aio_pika
from aio_pika.abc import AbstractIncomingMessage

from shared.bus import Bus, Subscription, dead_letter_queue
from shared.bus.inprocess import InProcessBroker, InProcessBus
from shared.bus.postgres import PostgresBroker, PostgresBus
from shared.bus.rabbitmq import RabbitBus
from shared.events import CloudEvent, Event
from shared.testing import create_database, drop_database, unique_name, with_database
from shared.testing_rabbit import delete_topology, unique_prefix

# Generous guards so a broken behaviour fails instead of hanging; never a speed assertion.
GUARD = 30.0
DELIVERY_LIMIT = 3
BATCH_SIZE = 8
# Long enough for a full batch of waiting deliveries to arrive from the broker even on a
# loaded machine, so that tests can tell which batches form.
BATCH_WAIT = 0.1


# --- a test contract ------------------------------------------------------------------------


class ThingHappened(Event):
    """A stand-in event contract for these tests."""

    routing_key: ClassVar[str] = "test.thing.happened.v1"
    aggregate: ClassVar[str] = "thing"

    thing_id: uuid.UUID
    note: str = ""

    def aggregate_id(self) -> str:
        return str(self.thing_id)


def make_event(routing_key: str = "test.thing.happened.v1", **data: Any) -> CloudEvent:
    """A CloudEvent with a fresh id, for publishing straight onto a bus."""
    envelope = ThingHappened(thing_id=uuid.uuid4(), school_id=uuid.uuid4()).to_cloudevent()
    return envelope.model_copy(update={"type": routing_key, "data": {**envelope.data, **data}})


class Collector:
    """A batch handler that records what it got; `fail` decides whether an event fails
    (and with it the batch it came in).

    `attempts` counts the handler calls that included an event, `alone` the calls where it
    was the whole batch (once per delivery of a failing event: a failed batch is retried
    one event at a time), `batches` the successful batches' sizes.
    """

    def __init__(
        self, fail: Callable[[CloudEvent, int], bool] | None = None, pause: float = 0.0
    ) -> None:
        self.events: list[CloudEvent] = []
        self.attempts: dict[uuid.UUID, int] = {}
        self.alone: dict[uuid.UUID, int] = {}
        self.batches: list[int] = []
        self._fail = fail
        self._pause = pause
        self._changed = asyncio.Event()

    async def __call__(self, batch: Sequence[CloudEvent]) -> None:
        failed = False
        for event in batch:
            attempt = self.attempts[event.id] = self.attempts.get(event.id, 0) + 1
            if len(batch) == 1:
                self.alone[event.id] = self.alone.get(event.id, 0) + 1
            if self._fail is not None and self._fail(event, attempt):
                failed = True
        self._changed.set()
        if self._pause:
            await asyncio.sleep(self._pause)
        if failed:
            raise RuntimeError("handler failed on purpose")
        self.events.extend(batch)
        self.batches.append(len(batch))
        self._changed.set()

    def ids(self) -> list[uuid.UUID]:
        return [e.id for e in self.events]

    async def wait_until(self, done: Callable[[], bool]) -> None:
        async with asyncio.timeout(GUARD):
            while not done():
                self._changed.clear()
                await self._changed.wait()

    async def wait_for(self, count: int) -> None:
        await self.wait_until(lambda: len(self.events) >= count)


# --- transports ----------------------------------------------------------------------------


class Transport(Protocol):
    name: str

    def queue(self, label: str) -> str:
        """A queue name unique to this test."""
        ...

    async def bus(self, subscriptions: Sequence[Subscription] = ()) -> Bus:
        """A started bus on this test's broker/exchange; closed after the test."""
        ...

    async def publish_raw(self, routing_key: str, body: bytes) -> None: ...

    async def queued(self, queue: str, count: int) -> list[bytes]:
        """Wait until `queue` (declared, not consumed) holds `count` messages; their
        bodies as they are on the wire, oldest first (taken off a RabbitMQ queue)."""
        ...

    async def wait_dead_letters(self, queue: str, count: int) -> list[bytes]:
        """Wait until `queue` has `count` dead letters; their bodies."""
        ...

    async def dead_letter_count(self, queue: str) -> int: ...

    async def close(self) -> None: ...


class InProcessTransport:
    name = "inprocess"

    def __init__(self) -> None:
        self.broker = InProcessBroker(
            DELIVERY_LIMIT,
            prefetch=16,
            batch_size=BATCH_SIZE,
            batch_wait=BATCH_WAIT,
            retry_backoff=0.01,
        )
        self.buses: list[InProcessBus] = []

    def queue(self, label: str) -> str:
        return f"{label}-{uuid.uuid4().hex[:6]}"

    async def bus(self, subscriptions: Sequence[Subscription] = ()) -> Bus:
        bus = InProcessBus(self.broker)
        await bus.start(subscriptions)
        self.buses.append(bus)
        return bus

    async def publish_raw(self, routing_key: str, body: bytes) -> None:
        self.broker.publish_raw(routing_key, body)

    async def queued(self, queue: str, count: int) -> list[bytes]:
        async def enough() -> bool:
            return len(self.broker.queues[queue].ready) >= count

        await wait_for(enough)
        return [delivery.body for delivery in self.broker.queues[queue].ready]

    async def wait_dead_letters(self, queue: str, count: int) -> list[bytes]:
        async def enough() -> bool:
            return len(self.broker.dead_letters(queue)) >= count

        await wait_for(enough)
        return [d.body for d in self.broker.dead_letters(queue)]

    async def dead_letter_count(self, queue: str) -> int:
        await self.broker.drained(GUARD)
        return len(self.broker.dead_letters(queue))

    async def close(self) -> None:
        for bus in self.buses:
            await bus.close()
        await self.broker.close()


class PostgresTransport:
    """The PostgreSQL transport on a broker database of this transport's own, dropped on
    close, so no queue or binding of another test routes anything here."""

    name = "postgres"

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.database = unique_name("test_pgbus")
        self.url = with_database(admin_url, self.database)
        self.broker: PostgresBroker | None = None
        self.buses: list[PostgresBus] = []

    def make_broker(self, **options: Any) -> PostgresBroker:
        settings: dict[str, Any] = {
            "delivery_limit": DELIVERY_LIMIT,
            "batch_size": BATCH_SIZE,
            "batch_wait": BATCH_WAIT,
            "retry_backoff": 0.01,
            "poll_interval": 0.2,
            "pool_size": 4,
            "close_grace": 0.5,
        }
        return PostgresBroker(self.url, **{**settings, **options})

    async def opened(self) -> PostgresBroker:
        """The transport's broker, opened (and its database created) on first use."""
        if self.broker is None:
            await create_database(self.admin_url, self.database)
            self.broker = self.make_broker()
            await self.broker.open()
        return self.broker

    async def reopen(self) -> PostgresBroker:
        """Close the broker and open a new one on the same database, as a restarted
        process would; buses made before are gone with the old broker."""
        old = await self.opened()
        await old.close()
        self.buses.clear()
        self.broker = self.make_broker()
        await self.broker.open()
        return self.broker

    def queue(self, label: str) -> str:
        return f"{label}-{uuid.uuid4().hex[:6]}"

    async def bus(self, subscriptions: Sequence[Subscription] = ()) -> PostgresBus:
        bus = PostgresBus(await self.opened())
        await bus.start(subscriptions)
        self.buses.append(bus)
        return bus

    async def publish_raw(self, routing_key: str, body: bytes) -> None:
        await (await self.opened()).publish_raw(routing_key, body)

    async def queued(self, queue: str, count: int) -> list[bytes]:
        broker = await self.opened()

        async def enough() -> bool:
            return (await broker.backlog(queue)).messages >= count

        await wait_for(enough, pause=0.02)
        async with broker.pool.acquire() as conn:
            rows = await conn.fetch(
                "SELECT body FROM bus_messages WHERE queue = $1 ORDER BY id", queue
            )
        return [bytes(row["body"]) for row in rows]

    async def wait_dead_letters(self, queue: str, count: int) -> list[bytes]:
        broker = await self.opened()

        async def enough() -> bool:
            return await broker.dead_letter_count(queue) >= count

        await wait_for(enough, pause=0.02)
        return [d.body for d in await broker.dead_letters(queue)]

    async def dead_letter_count(self, queue: str) -> int:
        broker = await self.opened()

        async def drained() -> bool:  # nothing left in the queue: every delivery settled
            return (await broker.backlog(queue)).messages == 0

        await wait_for(drained, pause=0.02)
        return await broker.dead_letter_count(queue)

    async def close(self) -> None:
        if self.broker is None:
            return
        for bus in self.buses:
            await bus.close()
        await self.broker.close()
        await drop_database(self.admin_url, self.database)


class RabbitTransport:
    name = "rabbitmq"

    def __init__(self, url: str) -> None:
        self.url = url
        self.prefix = unique_prefix("bus")
        self.exchange = f"{self.prefix}.events"
        self.queues: list[str] = []
        self.buses: list[RabbitBus] = []
        self.dead: dict[str, list[bytes]] = {}

    def queue(self, label: str) -> str:
        name = f"{self.prefix}.{label}"
        self.queues.append(name)
        return name

    def make_bus(self, url: str | None = None, **options: Any) -> RabbitBus:
        settings: dict[str, Any] = {
            "exchange": self.exchange,
            "delivery_limit": DELIVERY_LIMIT,
            "prefetch": 16,
            "batch_size": BATCH_SIZE,
            "batch_wait": BATCH_WAIT,
            "retry_backoff": 0.01,
            "reconnect_interval": 0.2,
            "publish_timeout": 10.0,
            "close_grace": 0.5,
            "connection_name": f"{self.prefix}-{len(self.buses)}",
        }
        bus = RabbitBus(url or self.url, **{**settings, **options})
        self.buses.append(bus)
        return bus

    async def bus(self, subscriptions: Sequence[Subscription] = ()) -> Bus:
        bus = self.make_bus()
        await bus.start(subscriptions)
        assert await bus.is_ready(), "RabbitBus did not connect to the test broker"
        return bus

    async def publish_raw(self, routing_key: str, body: bytes) -> None:
        connection = await aio_pika.connect(self.url)
        async with connection:
            channel = await connection.channel()
            exchange = await channel.get_exchange(self.exchange)
            await exchange.publish(aio_pika.Message(body, delivery_mode=2), routing_key)

    async def queued(self, queue: str, count: int) -> list[bytes]:
        return [message.body for message in await self.take(queue, count)]

    async def take(self, queue: str, count: int) -> list[AbstractIncomingMessage]:
        """Take `count` messages off `queue` (waiting for them), with their properties."""
        taken: list[AbstractIncomingMessage] = []
        connection = await aio_pika.connect(self.url)
        async with connection:
            channel = await connection.channel()
            source = await channel.get_queue(queue)

            async def enough() -> bool:
                while len(taken) < count:
                    message = await source.get(no_ack=True, fail=False)
                    if message is None:
                        return False
                    taken.append(message)
                return True

            await wait_for(enough, pause=0.05)
        return taken

    async def _drain_dead_letters(self, queue: str) -> list[bytes]:
        got = self.dead.setdefault(queue, [])
        connection = await aio_pika.connect(self.url)
        async with connection:
            channel = await connection.channel()
            dlq = await channel.get_queue(dead_letter_queue(queue))
            while (message := await dlq.get(no_ack=True, fail=False)) is not None:
                got.append(message.body)
        return got

    async def wait_dead_letters(self, queue: str, count: int) -> list[bytes]:
        async def enough() -> bool:
            return len(await self._drain_dead_letters(queue)) >= count

        await wait_for(enough, pause=0.05)
        return self.dead[queue]

    async def dead_letter_count(self, queue: str) -> int:
        return len(await self._drain_dead_letters(queue))

    async def close(self) -> None:
        for bus in self.buses:
            await bus.close()
        await delete_topology(
            self.url,
            exchanges=(self.exchange, f"{self.exchange}.dlx"),
            queues=[q for name in self.queues for q in (name, dead_letter_queue(name))],
        )


async def wait_for(predicate: Callable[[], Awaitable[bool]], pause: float = 0.01) -> None:
    """Poll an async condition until it holds, within the guard."""
    async with asyncio.timeout(GUARD):
        while not await predicate():  # noqa: ASYNC110 - the state lives elsewhere (a broker)
            await asyncio.sleep(pause)
