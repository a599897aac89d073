"""The event bus: one interface, three transports: RabbitMQ (the distributed mode), the
durable PostgreSQL one (`postgres.py`, the embedded mode) and the in-memory one
(`inprocess.py`, the services' tests).

Delivery contract, the same on every transport:
- `publish` returns only when the event is safely routed to at least one queue; an
  unroutable or unconfirmed event, or a broker that is down, raises `PublishError` (the
  outbox keeps the row and retries);
- `publish_raw` is `publish` of an event serialised already (the relay's path: an outbox
  row's stored envelope): the body goes on the wire byte for byte, with the same message
  properties `publish` sets, and the same guarantees and `PublishError`s;
- `declare` creates queues (with their dead-letter queues) and binds them, without
  consuming, so that everything published from then on is kept for their consumers;
- consumers take deliveries in batches: up to `batch_size` of them, or what has arrived
  within `batch_wait` seconds after the first, and call `handler(batch)` once. The
  handler applies the batch in one transaction; when it returns, the whole batch is
  acknowledged (RabbitMQ: one `multiple=True` ack on the batch's last delivery tag, when
  no earlier delivery of the channel is still unsettled);
- a handler failing because the database or the network is away for a moment
  (`is_transient`: connection loss, an exhausted connection pool, a statement or lock
  timeout) has the whole batch retried in place, after a short, growing pause, without
  using up the delivery limit: a database restart must not send good events to the dead
  letters. These retries are bounded (`transient_retries`, by default
  `TRANSIENT_RETRY_LIMIT`); past the bound every delivery of the batch fails as on the
  usual path below (not one by one: an outage singles out no event), so an outage that
  never passes still ends in the dead letters;
- any other failure of a batch of more than one event retries each event alone, as
  `handler([event])`, so that one bad event never fails its neighbours: those succeed
  and are acknowledged one by one, and only the failing event follows the usual path;
- the usual path of a failing event: it is redelivered after a short, growing pause
  (`retry_delay`), and once it has been delivered `delivery_limit` times it goes to its
  queue's dead letters (`dead_letter_queue(queue)`), while the queue's other messages keep
  flowing;
- a body that is not a CloudEvent can never succeed: it is dead-lettered at once, never
  reaches the handler and never fails the batch it arrived with;
- a delivery not acknowledged when its consumer stops (a batch still being applied when
  `close` has waited briefly, or a crash between a batch's commit and its ack) is
  redelivered to another consumer: handlers are idempotent (see shared.inbox), so a
  batch committed but not acknowledged is applied once;
- several subscribers on one queue name compete for its messages; each message is
  handled by one of them (at least once).
"""

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import sqlalchemy.exc

from shared.events import CloudEvent

BatchHandler = Callable[[Sequence[CloudEvent]], Awaitable[None]]
"""Applies a batch of events in one transaction; raising fails the whole batch."""

DEFAULT_BATCH_SIZE = 100
DEFAULT_BATCH_WAIT = 0.01

MAX_RETRY_DELAY = 30.0


class PublishError(Exception):
    """The broker did not take responsibility for the event (unroutable, nacked, down)."""


@dataclass(frozen=True)
class Subscription:
    """A consuming queue, the routing keys bound to it, and its batch handler."""

    queue: str
    routing_keys: tuple[str, ...]
    handler: BatchHandler


class Bus(Protocol):
    async def start(self, subscriptions: Sequence[Subscription] = ()) -> None:
        """Connect, declare the topology and start consuming."""

    async def declare(self, bindings: Mapping[str, Sequence[str]]) -> None:
        """Declare these queues (and their dead-letter queues) and bind each to its
        routing keys, without consuming: what is published afterwards waits for them."""

    async def publish(self, event: CloudEvent) -> None:
        """Publish persistently; raise PublishError unless the broker confirmed a route."""

    async def publish_raw(
        self, routing_key: str, body: bytes, *, message_id: str, time: datetime
    ) -> None:
        """Publish `body`, a CloudEvent's JSON, as it is: `routing_key` is its type,
        `message_id` its id and `time` its time (message properties where the transport
        has them). The caller vouches that `body` is that CloudEvent; the consumers
        dead-letter a body that is not one. PublishError as `publish`."""

    async def is_ready(self) -> bool:
        """Whether the broker is reachable now."""

    async def close(self) -> None:
        """Stop consuming and disconnect."""


def dead_letter_queue(queue: str) -> str:
    """The name of the queue holding `queue`'s dead letters."""
    return f"{queue}.dlq"


def check_batching(batch_size: int, batch_wait: float, prefetch: int) -> None:
    """Refuse a consumer configuration that cannot work: a batch is at least one event,
    and the broker must be allowed to hand over at least a full batch."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    if batch_wait < 0:
        raise ValueError("batch_wait must not be negative")
    if prefetch < batch_size:
        raise ValueError(f"prefetch ({prefetch}) must be at least batch_size ({batch_size})")


def retry_delay(deliveries: int, base: float = 0.5) -> float:
    """The pause before a failed delivery is handed back: base, 2×base, 4×base ... ≤ 30 s.

    Holding a failed message briefly keeps a passing outage (a database restart) from
    using up the delivery limit in milliseconds.
    """
    if base <= 0:
        return 0.0
    return float(min(base * 2 ** max(deliveries - 1, 0), MAX_RETRY_DELAY))


# SQLSTATEs of failures that go away by themselves: connection exceptions (class 08),
# the server shutting down or starting up, too many connections, the conflicts
# PostgreSQL asks the client to retry, and our own statement_timeout (57014) and
# lock_timeout (55P03) firing under load.
_TRANSIENT_SQLSTATES = frozenset(
    {"57P01", "57P02", "57P03", "53300", "40001", "40P01", "57014", "55P03"}
)
TRANSIENT_RETRY_BASE = 0.1
# In-place retries of one delivery on a passing outage: 0.1 s doubling, so ten tries
# wait about 50 s in all, longer than a database restart or failover takes.
TRANSIENT_RETRY_LIMIT = 10


def is_transient(exc: BaseException) -> bool:
    """Whether a handler's failure is a passing outage (network, database restart,
    serialization conflict) rather than a problem with the message itself."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, (ConnectionError, TimeoutError)):
            return True
        if isinstance(current, sqlalchemy.exc.TimeoutError):  # the pool had no connection
            return True
        if isinstance(current, OSError) and not isinstance(current, FileNotFoundError):
            return True
        if getattr(current, "connection_invalidated", False) is True:  # SQLAlchemy
            return True
        sqlstate = getattr(current, "sqlstate", None)  # asyncpg
        if isinstance(sqlstate, str) and (
            sqlstate.startswith("08") or sqlstate in _TRANSIENT_SQLSTATES
        ):
            return True
        following = current.__cause__ or getattr(current, "orig", None)  # SQLAlchemy: orig
        current = following if isinstance(following, BaseException) else None
    return False


def topic_matches(pattern: str, routing_key: str) -> bool:
    """AMQP topic matching: `*` is one word, `#` is zero or more words."""
    words = routing_key.split(".")
    # positions[i] is True when the pattern read so far can end just before words[i]
    positions = [True] + [False] * len(words)
    for part in pattern.split("."):
        if part == "#":
            reached = False
            for i in range(len(positions)):
                reached = reached or positions[i]
                positions[i] = reached
        else:
            positions = [False] + [
                positions[i] and part in ("*", words[i]) for i in range(len(words))
            ]
    return positions[-1]


__all__ = [
    "DEFAULT_BATCH_SIZE",
    "DEFAULT_BATCH_WAIT",
    "TRANSIENT_RETRY_LIMIT",
    "BatchHandler",
    "Bus",
    "PublishError",
    "Subscription",
    "check_batching",
    "dead_letter_queue",
    "is_transient",
    "retry_delay",
    "topic_matches",
]
