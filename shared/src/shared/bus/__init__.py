"""The event bus: one interface, two transports (RabbitMQ and in-process).

Delivery contract, the same on both transports:
- `publish` returns only when the event is safely routed to at least one queue; an
  unroutable or unconfirmed event, or a broker that is down, raises `PublishError` (the
  outbox keeps the row and retries);
- a handler that returns acknowledges the delivery; a handler that raises has it
  redelivered after a short, growing pause (`retry_delay`), and once it has been delivered
  `delivery_limit` times it goes to its queue's dead letters (`dead_letter_queue(queue)`),
  while the queue's other messages keep flowing;
- a body that is not a CloudEvent can never succeed and is dead-lettered at once;
- a delivery not acknowledged when its consumer stops is redelivered to another consumer;
- several subscribers on one queue name compete for its messages; each message is
  handled by one of them (at least once: handlers are idempotent, see shared.inbox).
"""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

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
    "Bus",
    "Handler",
    "PublishError",
    "Subscription",
    "dead_letter_queue",
    "retry_delay",
    "topic_matches",
]
