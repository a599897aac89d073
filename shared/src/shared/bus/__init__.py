"""The event bus: one interface, two transports (RabbitMQ and in-process).

Delivery contract, the same on both transports:
- `publish` returns only when the event is safely routed to at least one queue; an
  unroutable or unconfirmed event raises `PublishError` (the outbox keeps it and retries);
- a handler that returns acknowledges the delivery; a handler that raises has it
  redelivered, and after `delivery_limit` deliveries it goes to the queue's dead letters;
- several subscribers on one queue name compete for its messages.
"""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from shared.events import CloudEvent

Handler = Callable[[CloudEvent], Awaitable[None]]


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


def topic_matches(pattern: str, routing_key: str) -> bool:
    """AMQP topic matching: `*` is one word, `#` is zero or more words."""
    return _match(pattern.split("."), routing_key.split("."))


def _match(pattern: list[str], words: list[str]) -> bool:
    if not pattern:
        return not words
    head, rest = pattern[0], pattern[1:]
    if head == "#":
        return any(_match(rest, words[i:]) for i in range(len(words) + 1))
    if not words:
        return False
    return (head in ("*", words[0])) and _match(rest, words[1:])
