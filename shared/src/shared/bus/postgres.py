"""The durable transport on PostgreSQL: queues are tables in a broker database of its own.

The embedded mode's bus (one process, no RabbitMQ), with RabbitMQ's contract and its
durability: a publish returns only after the event is committed into every bound queue,
and a delivery leaves its queue only in the transaction that acknowledges it.

Tables, created by the broker when it opens (idempotently, under an advisory lock):

    bus_queues        a queue per subscription
    bus_bindings      (queue, routing_key): AMQP topic patterns (`*` one word, `#` any)
    bus_messages      one row per message per queue: body as published, deliveries so far,
                      published_at, available_at (later than now while a retry pauses)
    bus_dead_letters  what a queue gave up on, with its reason, until re-driven

Publishing: concurrent publishes are written together, one transaction a group (a relay's
batch commits once), which reads the bindings, inserts a row per bound queue, NOTIFYs
each queue and commits; each publisher returns after that commit. A routing key no
queue is bound to raises PublishError and writes nothing, as `mandatory` does on RabbitMQ.

Consuming: a consumer claims up to `batch_size` due rows with FOR UPDATE SKIP LOCKED
(competing consumers, in any number of processes, never take the same row), counting a
delivery on each, and keeps that transaction open while the handler applies the batch in
its own database. Only after the handler returned (its transaction committed) does the
consumer delete the rows and commit: that commit is the acknowledgement. If the process
dies at any point before it, PostgreSQL rolls the claim back and releases the rows at
once for the next consumer; a batch the handler had committed is then applied again and
the handler's inbox absorbs it. A failed delivery commits its count with a later
`available_at` (the retry pause), or moves to the dead letters at the delivery limit.
Consumers wake on NOTIFY and poll every `poll_interval` as a fallback.
"""

import asyncio
import contextlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg
from pydantic import ValidationError

from shared.bus import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_BATCH_WAIT,
    TRANSIENT_RETRY_BASE,
    TRANSIENT_RETRY_LIMIT,
    PublishError,
    Subscription,
    is_transient,
    retry_delay,
    topic_matches,
)
from shared.db import asyncpg_dsn
from shared.events import CloudEvent

log = logging.getLogger(__name__)

NOTIFY_CHANNEL = "bus"
# Held while the tables are created, so brokers opening together do not race.
SCHEMA_LOCK = 7245002
# Publishes waiting together are written in groups of at most this many.
MAX_PUBLISH_GROUP = 1000
CONNECT_TIMEOUT = 5.0

SCHEMA = """
CREATE TABLE IF NOT EXISTS bus_queues (
    name text PRIMARY KEY,
    declared_at timestamptz NOT NULL DEFAULT statement_timestamp()
);
CREATE TABLE IF NOT EXISTS bus_bindings (
    queue text NOT NULL REFERENCES bus_queues (name) ON DELETE CASCADE,
    routing_key text NOT NULL,
    PRIMARY KEY (queue, routing_key)
);
CREATE TABLE IF NOT EXISTS bus_messages (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    queue text NOT NULL,
    routing_key text NOT NULL,
    body bytea NOT NULL,
    deliveries integer NOT NULL DEFAULT 0,
    published_at timestamptz NOT NULL DEFAULT statement_timestamp(),
    available_at timestamptz NOT NULL DEFAULT statement_timestamp()
);
CREATE INDEX IF NOT EXISTS ix_bus_messages_due ON bus_messages (queue, available_at, id);
CREATE TABLE IF NOT EXISTS bus_dead_letters (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    queue text NOT NULL,
    routing_key text NOT NULL,
    body bytea NOT NULL,
    deliveries integer NOT NULL,
    reason text NOT NULL,
    published_at timestamptz NOT NULL,
    dead_at timestamptz NOT NULL DEFAULT statement_timestamp()
);
CREATE INDEX IF NOT EXISTS ix_bus_dead_letters_queue ON bus_dead_letters (queue, id);
"""

# Due rows of a queue, oldest first; the claim counts a delivery on each. SKIP LOCKED
# does not skip rows locked by the claiming transaction itself, so a batch topped up in
# the same transaction names the rows it holds already ($3). RETURNING has no order of
# its own, so the caller sorts by id.
CLAIM = """
UPDATE bus_messages AS m SET deliveries = m.deliveries + 1
FROM (
    SELECT id FROM bus_messages
    WHERE queue = $1 AND available_at <= statement_timestamp() AND id <> ALL($3::bigint[])
    ORDER BY available_at, id
    LIMIT $2
    FOR UPDATE SKIP LOCKED
) AS due
WHERE m.id = due.id
RETURNING m.id, m.routing_key, m.body, m.deliveries
"""

NEXT_DUE = """
SELECT EXTRACT(EPOCH FROM min(available_at) - statement_timestamp())::float8
FROM bus_messages WHERE queue = $1 AND available_at > statement_timestamp()
"""

DEAD_LETTER = """
WITH gone AS (
    DELETE FROM bus_messages WHERE id = ANY($1::bigint[])
    RETURNING queue, routing_key, body, deliveries, published_at
)
INSERT INTO bus_dead_letters (queue, routing_key, body, deliveries, reason, published_at)
SELECT queue, routing_key, body, deliveries, $2, published_at FROM gone
"""

REDRIVE = """
WITH back AS (
    DELETE FROM bus_dead_letters
    WHERE queue = $1 AND ($2::bigint[] IS NULL OR id = ANY($2::bigint[]))
    RETURNING id, queue, routing_key, body
)
INSERT INTO bus_messages (queue, routing_key, body)
SELECT queue, routing_key, body FROM back ORDER BY id
"""

# What a lost or refused connection to the broker database raises.
_CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
)


@dataclass(frozen=True)
class DeadLetter:
    """A message its queue gave up on, kept as it was published."""

    id: int
    queue: str
    routing_key: str
    body: bytes
    deliveries: int
    reason: str
    published_at: datetime
    dead_at: datetime

    def event(self) -> CloudEvent:
        return CloudEvent.from_json(self.body)


@dataclass(frozen=True)
class Backlog:
    """A queue's messages not yet acknowledged (waiting, pausing to retry, or being
    handled), and how long the oldest of them has been waiting, in seconds."""

    queue: str
    messages: int
    oldest_age: float | None


@dataclass(frozen=True)
class _Row:
    id: int
    routing_key: str
    body: bytes
    deliveries: int


@dataclass
class _Outgoing:
    routing_key: str
    body: bytes
    done: "asyncio.Future[None]"


@dataclass(eq=False)
class _Consumer:
    subscription: Subscription
    wake: asyncio.Event = field(default_factory=asyncio.Event)  # set by NOTIFY and stopping
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    task: "asyncio.Task[None] | None" = None

    @property
    def stopping(self) -> bool:
        return self.stop.is_set()


class PostgresBroker:
    """One process's connection to the broker database; each service gets a PostgresBus
    onto it (see `PostgresBus`). `open` before use, `close` on the way out.

    `delivery_limit` is how many times a message is delivered before it is dead-lettered;
    a consumer applies up to `batch_size` messages in one handler call, waiting at most
    `batch_wait` seconds after the first for more; a failed delivery waits
    `retry_delay(deliveries, retry_backoff)` seconds before it is due again; idle
    consumers look for work every `poll_interval` seconds besides waking on NOTIFY.
    """

    def __init__(
        self,
        url: str,
        *,
        delivery_limit: int = 5,
        batch_size: int = DEFAULT_BATCH_SIZE,
        batch_wait: float = DEFAULT_BATCH_WAIT,
        retry_backoff: float = 0.5,
        poll_interval: float = 1.0,
        pool_size: int = 10,
        close_grace: float = 5.0,
        transient_retries: int = TRANSIENT_RETRY_LIMIT,
    ) -> None:
        if delivery_limit < 1 or batch_size < 1 or pool_size < 2:
            raise ValueError("delivery_limit and batch_size must be ≥ 1, pool_size ≥ 2")
        if batch_wait < 0 or poll_interval <= 0:
            raise ValueError("batch_wait must not be negative, poll_interval must be positive")
        self.dsn = asyncpg_dsn(url)
        self.delivery_limit = delivery_limit
        self.batch_size = batch_size
        self.batch_wait = batch_wait
        self.retry_backoff = retry_backoff
        self.poll_interval = poll_interval
        self.pool_size = pool_size
        self.close_grace = close_grace
        self.transient_retries = transient_retries
        self._pool: asyncpg.Pool | None = None
        self._closed = False
        self._consumers: set[_Consumer] = set()
        self._outgoing: list[_Outgoing] = []
        self._writer: asyncio.Task[None] | None = None
        self._listener: asyncpg.Connection | None = None
        self._listening: asyncio.Task[None] | None = None
        self._listener_lost = asyncio.Event()

    # --- lifecycle --------------------------------------------------------------------

    async def open(self) -> None:
        """Connect, create the tables if they are missing, and start listening."""
        pool = await asyncpg.create_pool(
            self.dsn, min_size=1, max_size=self.pool_size, timeout=CONNECT_TIMEOUT
        )
        try:
            async with pool.acquire() as conn, conn.transaction():
                await conn.execute("SELECT pg_advisory_xact_lock($1)", SCHEMA_LOCK)
                await conn.execute(SCHEMA)
        except BaseException:
            await pool.close()
            raise
        self._pool = pool
        self._listening = asyncio.create_task(self._keep_listening(), name="bus-listen")

    async def close(self) -> None:
        """Stop every consumer (deliveries being handled go back to their queues), write
        what is waiting to be published, disconnect."""
        self._closed = True
        await self.stop_consumers(list(self._consumers))
        if self._writer is not None:
            with contextlib.suppress(Exception):
                await self._writer
        if self._listening is not None:
            self._listening.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listening
            self._listening = None
        await self._close_listener()
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError("the broker is not open")
        return self._pool

    async def is_ready(self) -> bool:
        """Whether the broker database answers now."""
        if self._closed or self._pool is None:
            return False
        try:
            async with asyncio.timeout(CONNECT_TIMEOUT):
                async with self._pool.acquire() as conn:
                    await conn.fetchval("SELECT 1")
        except (*_CONNECTION_ERRORS, asyncpg.PostgresError):
            return False
        return True

    # --- topology ---------------------------------------------------------------------

    async def declare(self, bindings: Mapping[str, Sequence[str]]) -> None:
        """Create the queues if new and bind them to their routing keys (bindings
        accumulate, as on RabbitMQ)."""
        queues = list(bindings)
        pairs = [(queue, key) for queue, keys in bindings.items() for key in keys]
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute(
                "INSERT INTO bus_queues (name) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING",
                queues,
            )
            await conn.execute(
                "INSERT INTO bus_bindings (queue, routing_key) "
                "SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING",
                [queue for queue, _ in pairs],
                [key for _, key in pairs],
            )

    async def queues(self) -> list[str]:
        """Every declared queue's name."""
        async with self.pool.acquire() as conn:
            rows = await conn.fetch("SELECT name FROM bus_queues ORDER BY name")
        return [row["name"] for row in rows]

    # --- publishing -------------------------------------------------------------------

    async def publish(self, event: CloudEvent) -> None:
        """Commit the event into every queue bound to its type; PublishError otherwise."""
        await self.publish_raw(event.type, event.to_json())

    async def publish_raw(self, routing_key: str, body: bytes) -> None:
        """Route any body, as a broker would: the relay's stored envelopes (through the
        bus's `publish_raw`), and a foreign publisher in the tests."""
        if self._closed or self._pool is None:
            raise PublishError("the broker is closed")
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._outgoing.append(_Outgoing(routing_key, body, done))
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_outgoing(), name="bus-publish")
        await done

    async def _write_outgoing(self) -> None:
        """Write what waits to be published, a group per transaction, until none waits.

        Publishes arriving while a group commits wait for the next one, so a relay's
        concurrent batch costs one commit instead of one each."""
        try:
            while self._outgoing:
                group = self._outgoing[:MAX_PUBLISH_GROUP]
                del self._outgoing[:MAX_PUBLISH_GROUP]
                try:
                    outcomes = await self._write_group(group)
                except Exception as exc:  # nothing of the group is known to be committed
                    failure = PublishError(f"not written: {type(exc).__name__}: {exc}"[:300])
                    outcomes = [failure] * len(group)
                for item, outcome in zip(group, outcomes, strict=True):
                    if item.done.done():  # the publisher gave up waiting
                        continue
                    if outcome is None:
                        item.done.set_result(None)
                    else:
                        item.done.set_exception(outcome)
        finally:
            self._writer = None

    async def _write_group(self, group: list[_Outgoing]) -> list[PublishError | None]:
        outcomes: list[PublishError | None] = []
        queues: list[str] = []
        keys: list[str] = []
        bodies: list[bytes] = []
        async with self.pool.acquire() as conn, conn.transaction():
            bindings = await conn.fetch("SELECT queue, routing_key FROM bus_bindings")
            routes: dict[str, list[str]] = {}
            for item in group:
                targets = routes.get(item.routing_key)
                if targets is None:
                    targets = routes[item.routing_key] = sorted(
                        {
                            b["queue"]
                            for b in bindings
                            if topic_matches(b["routing_key"], item.routing_key)
                        }
                    )
                if not targets:
                    outcomes.append(PublishError(f"unroutable: {item.routing_key}"))
                    continue
                outcomes.append(None)
                for queue in targets:
                    queues.append(queue)
                    keys.append(item.routing_key)
                    bodies.append(item.body)
            if queues:
                await conn.execute(
                    "INSERT INTO bus_messages (queue, routing_key, body) "
                    "SELECT * FROM unnest($1::text[], $2::text[], $3::bytea[])",
                    queues,
                    keys,
                    bodies,
                )
                # Delivered to the listeners only when the transaction commits.
                await conn.execute(
                    "SELECT pg_notify($1, queue) FROM unnest($2::text[]) AS queue",
                    NOTIFY_CHANNEL,
                    sorted(set(queues)),
                )
        return outcomes

    # --- consuming --------------------------------------------------------------------

    def consume(self, subscription: Subscription) -> _Consumer:
        """Start one consumer on the subscription's (declared) queue."""
        if self._closed:
            raise RuntimeError("the broker is closed")
        consumer = _Consumer(subscription)
        consumer.task = asyncio.create_task(
            self._run(consumer), name=f"consumer:{subscription.queue}"
        )
        self._consumers.add(consumer)
        consumer.task.add_done_callback(lambda _: self._consumers.discard(consumer))
        return consumer

    async def stop_consumers(self, consumers: Sequence[_Consumer]) -> None:
        """Let batches being applied finish (within `close_grace`), then cancel: what is
        still unacknowledged goes back to its queue for another consumer."""
        tasks = []
        for consumer in consumers:
            consumer.stop.set()
            consumer.wake.set()
            if consumer.task is not None:
                tasks.append(consumer.task)
        if not tasks:
            return
        _, unfinished = await asyncio.wait(tasks, timeout=self.close_grace)
        for task in unfinished:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _wake(self, queue: str) -> None:
        for consumer in self._consumers:
            if consumer.subscription.queue == queue:
                consumer.wake.set()

    async def _run(self, consumer: _Consumer) -> None:
        queue = consumer.subscription.queue
        failures = 0
        try:
            while not consumer.stopping:
                # Cleared before looking, so a NOTIFY arriving meanwhile is not missed.
                consumer.wake.clear()
                try:
                    next_due = await self._take_and_apply(consumer)
                    failures = 0
                except Exception as exc:
                    # The broker database is away (or refused a statement): whatever was
                    # claimed went back with the lost transaction; look again after a pause.
                    failures += 1
                    log.warning(
                        "consumer could not take or settle a batch, retrying",
                        extra={
                            "queue": queue,
                            "retries": failures,
                            "error_type": type(exc).__name__,
                        },
                    )
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(retry_delay(failures, TRANSIENT_RETRY_BASE)):
                            await consumer.stop.wait()
                    continue
                if next_due == 0:
                    continue  # took a batch: there may be more
                wait = self.poll_interval if next_due is None else min(next_due, self.poll_interval)
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(wait):
                        await consumer.wake.wait()
        finally:
            # A batch rolled back by stopping is due again: tell the queue's other
            # consumers in this process (those elsewhere find it when they poll).
            self._wake(queue)

    async def _take_and_apply(self, consumer: _Consumer) -> float | None:
        """Claim a batch, apply it, settle it; 0 if a batch was taken, else the seconds
        until the queue's next pausing message is due (None: nothing is pausing)."""
        subscription = consumer.subscription
        queue = subscription.queue
        async with self.pool.acquire() as conn, conn.transaction():
            # The acknowledgement need not wait for the disk: if a database crash loses it,
            # the batch is delivered again and the handlers' inboxes absorb it. (A publish
            # does wait: the relay marks its outbox row published on the strength of it.)
            await conn.execute("SET LOCAL synchronous_commit TO off")
            rows = await self._claim(conn, queue, self.batch_size)
            if not rows:
                next_due: float | None = await conn.fetchval(NEXT_DUE, queue)
                return None if next_due is None else max(next_due, 0.001)
            await self._fill(conn, consumer, rows)
            batch: list[tuple[_Row, CloudEvent]] = []
            malformed: list[_Row] = []
            for row in rows:
                try:
                    batch.append((row, CloudEvent.from_json(row.body)))
                except ValidationError:
                    malformed.append(row)
            if malformed:
                log.error(
                    "not a CloudEvent, dead-lettered",
                    extra={"queue": queue, "count": len(malformed)},
                )
                await conn.execute(DEAD_LETTER, [row.id for row in malformed], "not a CloudEvent")
            failed = await self._apply(consumer, batch) if batch else []
            failed_ids = {row.id for row, _ in failed}
            acknowledged = [row.id for row, _ in batch if row.id not in failed_ids]
            if acknowledged:
                await conn.execute(
                    "DELETE FROM bus_messages WHERE id = ANY($1::bigint[])", acknowledged
                )
            for row, exc in failed:
                await self._failed(conn, queue, row, exc)
        return 0

    async def _claim(
        self, conn: asyncpg.Connection, queue: str, limit: int, held: Sequence[_Row] = ()
    ) -> list[_Row]:
        records = await conn.fetch(CLAIM, queue, limit, [row.id for row in held])
        rows = [_Row(r["id"], r["routing_key"], r["body"], r["deliveries"]) for r in records]
        rows.sort(key=lambda row: row.id)
        return rows

    async def _fill(self, conn: asyncpg.Connection, consumer: _Consumer, rows: list[_Row]) -> None:
        """Take more due rows into the batch until it is full or `batch_wait` has passed
        since the first."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.batch_wait
        queue = consumer.subscription.queue
        while len(rows) < self.batch_size and not consumer.stopping:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            consumer.wake.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(remaining):
                    await consumer.wake.wait()
            if not consumer.wake.is_set():
                return
            rows += await self._claim(conn, queue, self.batch_size - len(rows), rows)

    async def _apply(
        self, consumer: _Consumer, batch: list[tuple[_Row, CloudEvent]]
    ) -> list[tuple[_Row, Exception]]:
        """Run the handler on the batch; on a failure of more than one event, on each
        event alone. The deliveries that failed, with their errors."""
        try:
            await self._handle(consumer, [event for _, event in batch])
        except Exception as exc:
            if len(batch) == 1 or is_transient(exc):
                # One event, or an outage outlasting the in-place retries: nothing to
                # single out, every delivery fails as it would alone.
                return [(row, exc) for row, _ in batch]
            log.warning(
                "batch failed, retrying its events one by one",
                extra={
                    "queue": consumer.subscription.queue,
                    "batch_size": len(batch),
                    "error_type": type(exc).__name__,
                },
            )
        else:
            return []
        failed: list[tuple[_Row, Exception]] = []
        for row, event in batch:
            try:
                await self._handle(consumer, [event])
            except Exception as exc:
                failed.append((row, exc))
        return failed

    async def _handle(self, consumer: _Consumer, events: list[CloudEvent]) -> None:
        """Run the handler; a passing outage is retried in place, without counting, up to
        `transient_retries` times (then the batch fails as any other)."""
        outages = 0
        while True:
            try:
                await consumer.subscription.handler(events)
                return
            except Exception as exc:
                if not is_transient(exc) or outages >= self.transient_retries or consumer.stopping:
                    raise
                outages += 1
                log.warning(
                    "batch failed on a passing outage, retrying",
                    extra={
                        "queue": consumer.subscription.queue,
                        "batch_size": len(events),
                        "retries": outages,
                        "error_type": type(exc).__name__,
                    },
                )
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(retry_delay(outages, TRANSIENT_RETRY_BASE)):
                        await consumer.stop.wait()
                if consumer.stopping:
                    raise

    async def _failed(
        self, conn: asyncpg.Connection, queue: str, row: _Row, exc: Exception
    ) -> None:
        """Make a failed delivery due again after its pause, or dead-letter it once it
        has been delivered `delivery_limit` times."""
        context = {
            "queue": queue,
            "routing_key": row.routing_key,
            "deliveries": row.deliveries,
            "error_type": type(exc).__name__,
        }
        # The error, its message and its (scrubbed) traceback: why the event failed.
        log.warning("delivery failed", extra=context, exc_info=exc)
        if row.deliveries >= self.delivery_limit:
            await conn.execute(DEAD_LETTER, [row.id], "delivery_limit")
            log.error("delivery limit reached, dead-lettered", extra=context)
            return
        await conn.execute(
            "UPDATE bus_messages SET available_at = statement_timestamp() "
            "+ make_interval(secs => $2) WHERE id = $1",
            row.id,
            retry_delay(row.deliveries, self.retry_backoff),
        )

    # --- LISTEN -----------------------------------------------------------------------

    async def _keep_listening(self) -> None:
        """Hold a LISTEN connection, re-opened whenever it is lost; consumers poll
        meanwhile."""
        failed = False
        while True:
            self._listener_lost.clear()
            try:
                connection = await asyncpg.connect(self.dsn, timeout=CONNECT_TIMEOUT)
            except (*_CONNECTION_ERRORS, asyncpg.PostgresError) as exc:
                if not failed:
                    log.warning(
                        "bus LISTEN unavailable, polling", extra={"error_type": type(exc).__name__}
                    )
                failed = True
                await asyncio.sleep(self.poll_interval)
                continue
            try:
                connection.add_termination_listener(lambda _: self._listener_lost.set())
                await connection.add_listener(NOTIFY_CHANNEL, self._on_notify)
            except (*_CONNECTION_ERRORS, asyncpg.PostgresError):
                with contextlib.suppress(Exception):
                    await connection.close()
                await asyncio.sleep(self.poll_interval)
                continue
            if failed:
                log.info("bus LISTEN restored")
            failed = False
            self._listener = connection
            # Anything published while nobody listened is found now.
            for consumer in self._consumers:
                consumer.wake.set()
            await self._listener_lost.wait()
            await self._close_listener()

    def _on_notify(self, _connection: Any, _pid: int, _channel: str, queue: str) -> None:
        self._wake(queue)

    async def _close_listener(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None and not listener.is_closed():
            with contextlib.suppress(Exception):
                await listener.close(timeout=5)

    # --- operations -------------------------------------------------------------------

    async def backlog(self, queue: str) -> Backlog:
        """How many messages the queue holds unacknowledged, and the oldest one's age."""
        async with self.pool.acquire() as conn:
            row = await conn.fetchrow(
                "SELECT count(*) AS messages, EXTRACT(EPOCH FROM statement_timestamp() "
                "- min(published_at))::float8 AS oldest_age FROM bus_messages WHERE queue = $1",
                queue,
            )
        assert row is not None
        return Backlog(queue, row["messages"], row["oldest_age"])

    async def dead_letters(self, queue: str, limit: int = 100) -> list[DeadLetter]:
        """The queue's dead letters, oldest first."""
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(
                "SELECT id, queue, routing_key, body, deliveries, reason, published_at, dead_at "
                "FROM bus_dead_letters WHERE queue = $1 ORDER BY id LIMIT $2",
                queue,
                limit,
            )
        return [DeadLetter(**dict(row)) for row in rows]

    async def dead_letter_count(self, queue: str) -> int:
        """How many dead letters the queue keeps."""
        async with self.pool.acquire() as conn:
            count: int = await conn.fetchval(
                "SELECT count(*) FROM bus_dead_letters WHERE queue = $1", queue
            )
        return count

    async def redrive_dead_letters(self, queue: str, ids: Sequence[int] | None = None) -> int:
        """Move the queue's dead letters (all, or those of `ids`) back into the queue as
        new deliveries, oldest first; returns how many moved."""
        async with self.pool.acquire() as conn, conn.transaction():
            status = await conn.execute(REDRIVE, queue, None if ids is None else list(ids))
            moved = int(status.rsplit(" ", 1)[-1])
            if moved:
                await conn.execute("SELECT pg_notify($1, $2)", NOTIFY_CHANNEL, queue)
        if moved:
            log.info("dead letters re-driven", extra={"queue": queue, "count": moved})
        return moved


class PostgresBus:
    """One service's handle on the PostgreSQL broker: the Bus, and the queues' backlog
    and dead letters for operations."""

    def __init__(self, broker: PostgresBroker) -> None:
        self.broker = broker
        self._consumers: list[_Consumer] = []

    async def start(self, subscriptions: Sequence[Subscription] = ()) -> None:
        # Every queue is declared before any consumer starts, as on RabbitMQ.
        bindings: dict[str, list[str]] = {}
        for subscription in subscriptions:
            bindings.setdefault(subscription.queue, []).extend(subscription.routing_keys)
        if bindings:
            await self.broker.declare(bindings)
        self._consumers += [self.broker.consume(s) for s in subscriptions]

    async def declare(self, bindings: Mapping[str, Sequence[str]]) -> None:
        await self.broker.declare(bindings)

    async def publish(self, event: CloudEvent) -> None:
        await self.broker.publish(event)

    async def publish_raw(
        self, routing_key: str, body: bytes, *, message_id: str, time: datetime
    ) -> None:
        """The body is stored as it is (a row keeps no message properties: the id and
        time travel in the body)."""
        await self.broker.publish_raw(routing_key, body)

    async def is_ready(self) -> bool:
        return await self.broker.is_ready()

    async def close(self) -> None:
        """Stop this service's consumers; the broker and its queues outlive the service."""
        consumers, self._consumers = self._consumers, []
        await self.broker.stop_consumers(consumers)

    async def queues(self) -> list[str]:
        return await self.broker.queues()

    async def backlog(self, queue: str) -> Backlog:
        return await self.broker.backlog(queue)

    async def dead_letters(self, queue: str, limit: int = 100) -> list[DeadLetter]:
        return await self.broker.dead_letters(queue, limit)

    async def dead_letter_count(self, queue: str) -> int:
        return await self.broker.dead_letter_count(queue)

    async def redrive_dead_letters(self, queue: str, ids: Sequence[int] | None = None) -> int:
        return await self.broker.redrive_dead_letters(queue, ids)
