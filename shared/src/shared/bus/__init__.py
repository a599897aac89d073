"""The event bus: one interface, two transports (RabbitMQ and in-process).

Delivery contract, the same on both transports:
- `publish` returns only when the event is safely routed to at least one queue; an
  unroutable or unconfirmed event, or a broker that is down, raises `PublishError` (the
  outbox keeps the row and retries);
- a handler that returns acknowledges the delivery; a handler that raises has it
  redelivered after a short, growing pause (`retry_delay`), and once it has been delivered
  `delivery_limit` times it goes to its queue's dead letters (`dead_letter_queue(queue)`),
  while the queue's other messages keep flowing;
- a handler failing because the database or the network is away for a moment
  (`is_transient`: connection loss, an exhausted connection pool, a statement or lock
  timeout) is retried in place, with a growing pause, without using up the delivery
  limit: a database restart must not send good events to the dead letters. These
  retries are bounded (`TRANSIENT_RETRY_LIMIT` in place, then the delivery counts as
  failed as any other), so an outage that never passes still ends in the dead letters;
- a body that is not a CloudEvent can never succeed and is dead-lettered at once;
- a delivery not acknowledged when its consumer stops is redelivered to another consumer;
- several subscribers on one queue name compete for its messages; each message is
  handled by one of them (at least once: handlers are idempotent, see shared.inbox).
"""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import sqlalchemy.exc

from shared.events import CloudEvent

Handler = Callable[[CloudEvent], Awaitable[None]]

MAX_RETRY_DELAY = 30.0


class PublishError(Exception):
    """The broker did not take responsibility for the event (unroutable, nacked, down)."""


@dataclass(frozen=True)
class Subscription:
    """A consuming queue, the routing keys bound to it, and its handler."""

    queue: str
    routing_keys: tuple[str, ...]
    handler: Handler


class Bus(Protocol):
    async def start(self, subscriptions: Sequence[Subscription] = ()) -> None:
        """Connect, declare the topology and start consuming."""

    async def publish(self, event: CloudEvent) -> None:
        """Publish persistently; raise PublishError unless the broker confirmed a route."""

    async def is_ready(self) -> bool:
        """Whether the broker is reachable now."""

    async def close(self) -> None:
        """Stop consuming and disconnect."""


def dead_letter_queue(queue: str) -> str:
    """The name of the queue holding `queue`'s dead letters."""
    return f"{queue}.dlq"


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
    "TRANSIENT_RETRY_LIMIT",
    "Bus",
    "Handler",
    "PublishError",
    "Subscription",
    "dead_letter_queue",
    "is_transient",
    "retry_delay",
    "topic_matches",
]
