"""Dead letters: list them, and re-drive them to the queue that gave up on them.

    python -m shared.deadletters list <service> [--limit N]
    python -m shared.deadletters redrive <service> [--limit N]

`<service>` names the service's queue (each service consumes from the queue of its own
name); the broker is RabbitMQ at the service's `<SERVICE>_AMQP_URL`, or, with
`--bus-url postgresql://...` (default `SCHOOL_BUS_DATABASE_URL`), the durable
PostgreSQL transport of the embedded mode (`shared.bus.postgres`).

Every transport offers the same small interface, `DeadLetterQueues`: how many messages a
queue and its dead letters hold, the dead letters' descriptions (never their payloads:
they carry personal data), and the re-drive. A re-drive sends a dead letter back to the
queue it died in, and to no other: the other services bound to its routing key handled
it already. It is at least once (the copy is confirmed before the dead letter is
removed), so a crash in between leaves a duplicate that the consumer's inbox absorbs
(as long as the inbox still remembers the event: see shared.purge's retention).
"""

import argparse
import asyncio
import contextlib
import importlib
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TextIO, cast, runtime_checkable

import aio_pika
import aio_pika.exceptions
from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractIncomingMessage
from pydantic_settings import SettingsConfigDict

from shared.bus import Bus, dead_letter_queue
from shared.bus.inprocess import InProcessBroker, InProcessBus
from shared.events import CloudEvent
from shared.settings import BaseServiceSettings

DEFAULT_LIMIT = 100


@dataclass(frozen=True)
class QueueDepth:
    """Messages waiting in a queue (ready, not yet handed to a consumer) and among its
    dead letters."""

    ready: int
    dead_letters: int


@dataclass(frozen=True)
class DeadLetterInfo:
    """What an operator needs to judge a dead letter, without its payload."""

    queue: str
    routing_key: str
    message_id: str | None
    event_type: str | None
    reason: str | None  # delivery_limit, rejected (not a CloudEvent), ...
    deaths: int  # times it was dead-lettered from this queue (re-driven and died again)
    died_at: datetime | None


@runtime_checkable
class DeadLetterQueues(Protocol):
    """What each transport provides for the metrics and for this command."""

    async def depth(self, queue: str) -> QueueDepth:
        """Ready messages of `queue` and of its dead letters (0 for a queue not declared)."""

    async def dead_letters(self, queue: str, limit: int) -> list[DeadLetterInfo]:
        """Up to `limit` of the queue's dead letters, oldest first, left where they are."""

    async def redrive(self, queue: str, limit: int) -> int:
        """Move up to `limit` dead letters, oldest first, back into `queue` (and only
        there) as new deliveries; how many were moved."""

    async def close(self) -> None:
        """Release connections."""


def _identify(body: bytes) -> tuple[str | None, str | None]:
    """The event's id and type, if the body is a CloudEvent (a dead letter may not be)."""
    try:
        event = CloudEvent.from_json(body)
    except ValueError:
        return None, None
    return str(event.id), event.type


# --- the in-process transport -----------------------------------------------------------


class InProcessDeadLetters:
    """The in-process broker's queues: its deques and dead-letter lists."""

    def __init__(self, broker: InProcessBroker) -> None:
        self.broker = broker

    async def depth(self, queue: str) -> QueueDepth:
        found = self.broker.queues.get(queue)
        if found is None:
            return QueueDepth(0, 0)
        return QueueDepth(len(found.ready), len(found.dead_letters))

    async def dead_letters(self, queue: str, limit: int) -> list[DeadLetterInfo]:
        infos = []
        for letter in self.broker.dead_letters(queue)[:limit]:
            message_id, event_type = _identify(letter.body)
            infos.append(
                DeadLetterInfo(
                    queue,
                    letter.routing_key,
                    message_id,
                    event_type,
                    letter.reason,
                    1,
                    None,
                )
            )
        return infos

    async def redrive(self, queue: str, limit: int) -> int:
        return self.broker.redrive(queue, limit)

    async def close(self) -> None:
        return None


# --- RabbitMQ ---------------------------------------------------------------------------

# Headers the broker sets on a delivery or a dead letter; a re-driven message starts anew.
_BROKER_HEADERS = (
    "x-death",
    "x-delivery-count",
    "x-first-death-exchange",
    "x-first-death-queue",
    "x-first-death-reason",
)


class RabbitDeadLetters:
    """`<queue>.dlq` on RabbitMQ, through a connection of its own."""

    def __init__(self, url: str, *, timeout: float = 10.0) -> None:
        self.url = url
        self.timeout = timeout
        self._connection: AbstractConnection | None = None
        self._lock = asyncio.Lock()

    async def _open(self, *, confirms: bool = False) -> AbstractChannel:
        async with self._lock:
            if self._connection is None or self._connection.is_closed:
                self._connection = await aio_pika.connect(
                    self.url,
                    timeout=self.timeout,
                    client_properties={"connection_name": "dead-letters"},
                )
            return await self._connection.channel(publisher_confirms=confirms)

    async def _count(self, channel: AbstractChannel, queue: str) -> int:
        declared = await channel.declare_queue(queue, passive=True, timeout=self.timeout)
        result = declared.declaration_result
        return int(result.message_count or 0)

    async def depth(self, queue: str) -> QueueDepth:
        counts = []
        for name in (queue, dead_letter_queue(queue)):
            # A failed passive declare closes its channel: one channel per question.
            channel = await self._open()
            try:
                counts.append(await self._count(channel, name))
            except aio_pika.exceptions.ChannelNotFoundEntity:
                counts.append(0)
            finally:
                await _close(channel)
        return QueueDepth(*counts)

    async def dead_letters(self, queue: str, limit: int) -> list[DeadLetterInfo]:
        channel = await self._open()
        try:
            dlq = await channel.get_queue(dead_letter_queue(queue))
            infos: list[DeadLetterInfo] = []
            # Taken without acknowledging and handed back when the channel closes, so
            # each is seen once and all stay where they are.
            while len(infos) < limit:
                message = await dlq.get(no_ack=False, fail=False, timeout=self.timeout)
                if message is None:
                    break
                infos.append(_describe(queue, message))
            return infos
        finally:
            await _close(channel)

    async def redrive(self, queue: str, limit: int) -> int:
        channel = await self._open(confirms=True)
        moved = 0
        try:
            dlq = await channel.get_queue(dead_letter_queue(queue))
            while moved < limit:
                message = await dlq.get(no_ack=False, fail=False, timeout=self.timeout)
                if message is None:
                    break
                # The default exchange routes by queue name: back to this queue only.
                await channel.default_exchange.publish(
                    _copy(message), routing_key=queue, mandatory=True, timeout=self.timeout
                )
                await message.ack()
                moved += 1
        finally:
            await _close(channel)
        return moved

    async def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(*aio_pika.exceptions.CONNECTION_EXCEPTIONS):
                await connection.close()


async def _close(channel: AbstractChannel) -> None:
    with contextlib.suppress(*aio_pika.exceptions.CONNECTION_EXCEPTIONS):
        await channel.close()


def _text(value: Any) -> str | None:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return None if value is None else str(value)


def _last_death(message: AbstractIncomingMessage) -> dict[str, Any]:
    deaths = (message.headers or {}).get("x-death")
    if isinstance(deaths, list) and deaths and isinstance(deaths[0], dict):
        return deaths[0]  # the most recent first
    return {}


def _describe(queue: str, message: AbstractIncomingMessage) -> DeadLetterInfo:
    death = _last_death(message)
    keys = death.get("routing-keys")
    routing_key = _text(keys[0]) if isinstance(keys, list) and keys else None
    count = death.get("count")
    died = death.get("time")
    return DeadLetterInfo(
        queue=queue,
        routing_key=routing_key or _text(message.type) or "",
        message_id=message.message_id,
        event_type=message.type,
        reason=_text(death.get("reason")),
        deaths=count if isinstance(count, int) else 1,
        died_at=died if isinstance(died, datetime) else None,
    )


def _copy(message: AbstractIncomingMessage) -> aio_pika.Message:
    headers = {k: v for k, v in (message.headers or {}).items() if k not in _BROKER_HEADERS}
    return aio_pika.Message(
        body=message.body,
        headers=headers,
        content_type=message.content_type,
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        message_id=message.message_id,
        type=message.type,
        timestamp=message.timestamp,
    )


def queues_of(bus: Bus | None, settings: BaseServiceSettings) -> DeadLetterQueues | None:
    """The queues behind a service's bus, for its metrics: the bus itself if it offers
    them, the PostgreSQL or the in-process transport's, or RabbitMQ's through a connection
    of its own (also for a process without a bus, such as an HTTP-only one)."""
    if isinstance(bus, DeadLetterQueues):
        return bus
    if bus is not None and _offers_postgres_queues(bus):
        return PostgresDeadLetters(cast(PostgresQueues, bus))
    if isinstance(bus, InProcessBus):
        return InProcessDeadLetters(bus.broker)
    if settings.amqp_url:
        return RabbitDeadLetters(settings.amqp_url)
    return None


# --- the PostgreSQL transport ---------------------------------------------------------------


class _PostgresDeadLetter(Protocol):
    id: int
    routing_key: str
    body: bytes
    reason: str
    dead_at: datetime


class _PostgresBacklog(Protocol):
    messages: int


class PostgresQueues(Protocol):
    """What the durable PostgreSQL transport (shared.bus.postgres: its broker and its
    bus) offers for operations; `PostgresDeadLetters` adapts it."""

    async def backlog(self, queue: str) -> _PostgresBacklog: ...

    async def dead_letter_count(self, queue: str) -> int: ...

    async def dead_letters(self, queue: str, limit: int = ...) -> Sequence[_PostgresDeadLetter]: ...

    async def redrive_dead_letters(self, queue: str, ids: Sequence[int] | None = ...) -> int: ...


class PostgresDeadLetters:
    """The PostgreSQL transport's queues and dead letters behind `DeadLetterQueues`;
    `close` closes the broker only if it was opened for this (`owned`)."""

    def __init__(self, queues: PostgresQueues, *, owned: Any = None) -> None:
        self.queues = queues
        self.owned = owned

    async def depth(self, queue: str) -> QueueDepth:
        backlog = await self.queues.backlog(queue)
        return QueueDepth(backlog.messages, await self.queues.dead_letter_count(queue))

    async def dead_letters(self, queue: str, limit: int) -> list[DeadLetterInfo]:
        infos = []
        for letter in await self.queues.dead_letters(queue, limit):
            message_id, event_type = _identify(letter.body)
            infos.append(
                DeadLetterInfo(
                    queue,
                    letter.routing_key,
                    message_id,
                    event_type,
                    letter.reason,
                    1,
                    letter.dead_at,
                )
            )
        return infos

    async def redrive(self, queue: str, limit: int) -> int:
        oldest = [letter.id for letter in await self.queues.dead_letters(queue, limit)]
        if not oldest:
            return 0
        return await self.queues.redrive_dead_letters(queue, oldest)

    async def close(self) -> None:
        if self.owned is not None:
            await self.owned.close()


def _offers_postgres_queues(bus: object) -> bool:
    return all(
        callable(getattr(bus, name, None))
        for name in ("backlog", "dead_letter_count", "dead_letters", "redrive_dead_letters")
    )


# --- the command --------------------------------------------------------------------------


def service_settings(service: str) -> BaseServiceSettings:
    """The service's settings from its environment variables (`<SERVICE>_...`)."""

    class Settings(BaseServiceSettings):
        model_config = SettingsConfigDict(env_prefix=f"{service.upper()}_", extra="ignore")

    return Settings()


async def open_dead_letters(
    settings: BaseServiceSettings, bus_url: str | None = None
) -> DeadLetterQueues:
    """The dead letters of the PostgreSQL transport at `bus_url`, else of RabbitMQ at the
    service's AMQP URL."""
    if bus_url:
        try:
            postgres = importlib.import_module("shared.bus.postgres")
        except ImportError:
            raise SystemExit("This installation has no PostgreSQL transport.") from None
        broker = postgres.PostgresBroker(bus_url)
        await broker.open()
        return PostgresDeadLetters(broker, owned=broker)
    if settings.amqp_url:
        return RabbitDeadLetters(settings.amqp_url)
    raise SystemExit(
        "No broker given: set <SERVICE>_AMQP_URL (RabbitMQ), or pass --bus-url (the "
        "embedded mode's PostgreSQL transport); the in-process transport's dead letters "
        "live only inside its running process."
    )


async def run(command: str, queue: str, limit: int, queues: DeadLetterQueues, out: TextIO) -> int:
    """Carry out one command against `queues`; the process's exit code."""
    if command == "list":
        depth = await queues.depth(queue)
        letters = await queues.dead_letters(queue, limit)
        print(f"{queue}: {depth.ready} ready, {depth.dead_letters} dead letters", file=out)
        for letter in letters:
            died = letter.died_at.isoformat() if letter.died_at else "-"
            print(
                f"{letter.message_id or '-'}\t{letter.event_type or '-'}\t{letter.routing_key}"
                f"\t{letter.reason or '-'}\tdeaths={letter.deaths}\t{died}",
                file=out,
            )
        return 0
    moved = await queues.redrive(queue, limit)
    print(f"{queue}: {moved} dead letters re-driven", file=out)
    return 0


async def command(
    argv: Sequence[str] | None = None,
    *,
    opener: Callable[
        [BaseServiceSettings, str | None], Awaitable[DeadLetterQueues]
    ] = open_dead_letters,
    out: TextIO = sys.stdout,
) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m shared.deadletters", description="List or re-drive dead letters."
    )
    parser.add_argument("command", choices=("list", "redrive"))
    parser.add_argument("service", help="the consuming service (its queue's name)")
    parser.add_argument("--limit", type=int, default=DEFAULT_LIMIT, help="at most this many")
    parser.add_argument(
        "--bus-url",
        default=os.environ.get("SCHOOL_BUS_DATABASE_URL"),
        help="the PostgreSQL transport's database (embedded mode) instead of RabbitMQ",
    )
    args = parser.parse_args(argv)
    if args.limit < 1:
        parser.error("--limit must be at least 1")

    queues = await opener(service_settings(args.service), args.bus_url)
    try:
        return await run(args.command, args.service, args.limit, queues, out)
    finally:
        await queues.close()


def main() -> int:
    return asyncio.run(command())


if __name__ == "__main__":
    sys.exit(main())
