"""Dead letters listed and re-driven (shared.deadletters), on both transports, and the
command `python -m shared.deadletters` against a real RabbitMQ."""

import asyncio
import io
import os
import sys
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import cast

import pytest

from shared.bus import Bus, Subscription
from shared.deadletters import (
    DeadLetterQueues,
    InProcessDeadLetters,
    PostgresDeadLetters,
    QueueDepth,
    RabbitDeadLetters,
    command,
    open_dead_letters,
    queues_of,
)
from shared.events import CloudEvent
from shared.settings import BaseServiceSettings
from shared.testing_bus import (
    Collector,
    InProcessTransport,
    PostgresTransport,
    RabbitTransport,
    Transport,
    make_event,
    wait_for,
)


@pytest.fixture
async def dead_letters(transport: Transport) -> AsyncIterator[DeadLetterQueues]:
    queues: DeadLetterQueues
    if isinstance(transport, InProcessTransport):
        queues = InProcessDeadLetters(transport.broker)
    elif isinstance(transport, PostgresTransport):
        queues = PostgresDeadLetters(await transport.opened())
    else:
        assert isinstance(transport, RabbitTransport)
        queues = RabbitDeadLetters(transport.url)
    try:
        yield queues
    finally:
        await queues.close()


class Switch:
    """A handler that fails until it is switched to healthy."""

    def __init__(self) -> None:
        self.healthy = False
        self.handler = Collector(fail=lambda _event, _attempt: not self.healthy)


async def wait_depth(queues: DeadLetterQueues, queue: str, expected: QueueDepth) -> None:
    async def reached() -> bool:
        return await queues.depth(queue) == expected

    await wait_for(reached, pause=0.05)


async def test_dead_letters_are_listed_without_being_taken(
    transport: Transport, dead_letters: DeadLetterQueues
) -> None:
    queue = transport.queue("messaging")
    switch = Switch()
    bus = await transport.bus([Subscription(queue, ("journal.#",), switch.handler)])
    events = [make_event("journal.mark.posted.v1"), make_event("journal.mark.changed.v1")]

    for event in events:
        await bus.publish(event)
    await wait_depth(dead_letters, queue, QueueDepth(ready=0, dead_letters=2))
    listed = await dead_letters.dead_letters(queue, limit=10)
    listed_again = await dead_letters.dead_letters(queue, limit=1)

    assert sorted((d.message_id, d.event_type, d.routing_key) for d in listed) == sorted(
        (str(e.id), e.type, e.type) for e in events
    )
    assert all(d.queue == queue and d.reason for d in listed)
    assert all(d.deaths == 1 for d in listed)
    assert len(listed_again) == 1
    assert await dead_letters.depth(queue) == QueueDepth(ready=0, dead_letters=2)


async def test_redrive_moves_up_to_the_limit_back_to_the_failing_queue_only(
    transport: Transport, dead_letters: DeadLetterQueues
) -> None:
    failing, bystander = transport.queue("messaging"), transport.queue("reporting")
    switch, other = Switch(), Collector()
    bus = await transport.bus(
        [
            Subscription(failing, ("journal.#",), switch.handler),
            Subscription(bystander, ("journal.#",), other),
        ]
    )
    events = [make_event("journal.mark.posted.v1") for _ in range(3)]
    for event in events:
        await bus.publish(event)
    await wait_depth(dead_letters, failing, QueueDepth(ready=0, dead_letters=3))
    await other.wait_for(3)

    switch.healthy = True
    assert await dead_letters.redrive(failing, limit=2) == 2
    await switch.handler.wait_for(2)
    assert await dead_letters.redrive(failing, limit=10) == 1
    await switch.handler.wait_for(3)

    assert sorted(switch.handler.ids()) == sorted(e.id for e in events)
    # acknowledged just after the handler returned (PostgreSQL: the claim's commit)
    await wait_depth(dead_letters, failing, QueueDepth(ready=0, dead_letters=0))
    assert await dead_letters.redrive(failing, limit=10) == 0
    assert len(other.events) == 3  # the bystander's queue got nothing again


async def test_depth_counts_what_waits_for_a_stopped_consumer(
    transport: Transport, dead_letters: DeadLetterQueues
) -> None:
    queue = transport.queue("archive")
    consumer = await transport.bus([Subscription(queue, ("journal.#",), Collector())])
    await consumer.close()
    publisher = await transport.bus()

    for _ in range(4):
        await publisher.publish(make_event("journal.mark.posted.v1"))

    await wait_depth(dead_letters, queue, QueueDepth(ready=4, dead_letters=0))
    assert await dead_letters.depth("no-such-queue") == QueueDepth(0, 0)


@pytest.mark.rabbitmq
async def test_the_command_lists_and_redrives_a_services_dead_letters(
    rabbit: RabbitTransport, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = f"dlq{uuid.uuid4().hex[:8]}"
    rabbit.queues.append(service)  # deleted with the test's topology
    monkeypatch.setenv(f"{service.upper()}_AMQP_URL", rabbit.url)
    switch = Switch()
    bus = await rabbit.bus([Subscription(service, ("journal.#",), switch.handler)])
    event = make_event("journal.mark.posted.v1")
    await bus.publish(event)
    queues = RabbitDeadLetters(rabbit.url)
    try:
        await wait_depth(queues, service, QueueDepth(ready=0, dead_letters=1))
    finally:
        await queues.close()

    listing = io.StringIO()
    assert await command(["list", service], out=listing) == 0
    as_operators_run_it = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "shared.deadletters",
        "list",
        service,
        "--limit",
        "1",
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, f"{service.upper()}_AMQP_URL": rabbit.url},
    )
    printed, _ = await as_operators_run_it.communicate()
    switch.healthy = True
    redriving = io.StringIO()
    assert await command(["redrive", service, "--limit", "5"], out=redriving) == 0
    await switch.handler.wait_for(1)

    lines = listing.getvalue().splitlines()
    assert lines[0] == f"{service}: 0 ready, 1 dead letters"
    assert lines[1].split("\t")[:3] == [str(event.id), event.type, event.type]
    assert "delivery_limit" in lines[1]
    assert as_operators_run_it.returncode == 0
    assert printed.decode().splitlines()[:2] == lines[:2]
    assert event.model_dump_json() not in listing.getvalue()  # no payloads
    assert redriving.getvalue().strip() == f"{service}: 1 dead letters re-driven"
    assert switch.handler.ids() == [event.id]


async def test_the_command_needs_a_broker() -> None:
    settings = BaseServiceSettings(amqp_url="amqp://guest:guest@127.0.0.1:5672/")
    queues = await open_dead_letters(settings)
    assert isinstance(queues, RabbitDeadLetters)
    with pytest.raises(SystemExit, match="AMQP_URL"):
        await open_dead_letters(BaseServiceSettings(amqp_url=None))


@dataclass(frozen=True)
class StoredDeadLetter:
    """A dead letter as the PostgreSQL transport (shared.bus.postgres) returns it."""

    id: int
    queue: str
    routing_key: str
    body: bytes
    deliveries: int
    reason: str
    published_at: datetime
    dead_at: datetime


@dataclass(frozen=True)
class StoredBacklog:
    queue: str
    messages: int
    oldest_age: float | None


class TableQueues:
    """Stands in for the PostgreSQL transport's operations (its tables, in memory)."""

    def __init__(self) -> None:
        self.ready: dict[str, list[bytes]] = {}
        self.dead: dict[str, list[StoredDeadLetter]] = {}

    async def backlog(self, queue: str) -> StoredBacklog:
        return StoredBacklog(queue, len(self.ready.get(queue, [])), None)

    async def dead_letter_count(self, queue: str) -> int:
        return len(self.dead.get(queue, []))

    async def dead_letters(self, queue: str, limit: int = 100) -> list[StoredDeadLetter]:
        return self.dead.get(queue, [])[:limit]

    async def redrive_dead_letters(self, queue: str, ids: Sequence[int] | None = None) -> int:
        moving = [d for d in self.dead.get(queue, []) if ids is None or d.id in ids]
        self.dead[queue] = [d for d in self.dead.get(queue, []) if d not in moving]
        self.ready.setdefault(queue, []).extend(d.body for d in moving)
        return len(moving)


async def test_the_postgresql_transports_operations_serve_the_same_interface() -> None:
    tables = TableQueues()
    now = datetime.now(UTC)
    events = [make_event("journal.mark.posted.v1") for _ in range(3)]
    tables.dead["messaging"] = [
        StoredDeadLetter(i, "messaging", e.type, e.to_json(), 5, "delivery_limit", now, now)
        for i, e in enumerate(events)
    ]
    queues = queues_of(cast(Bus, tables), BaseServiceSettings())

    assert isinstance(queues, PostgresDeadLetters)
    listed = await queues.dead_letters("messaging", limit=2)
    assert [(d.message_id, d.event_type, d.reason, d.died_at) for d in listed] == [
        (str(e.id), e.type, "delivery_limit", now) for e in events[:2]
    ]
    assert await queues.redrive("messaging", limit=2) == 2
    assert await queues.depth("messaging") == QueueDepth(ready=2, dead_letters=1)
    assert tables.ready["messaging"] == [e.to_json() for e in events[:2]]  # the oldest


def test_a_redriven_event_is_the_event_that_died() -> None:
    # The in-process transport hands back the stored bytes unchanged.
    event = make_event()
    transport = InProcessTransport()
    transport.broker.declare("q", ("test.#",))
    transport.broker.publish_raw(event.type, event.to_json())
    assert CloudEvent.from_json(transport.broker.queues["q"].ready[0].body) == event


async def test_the_command_lists_and_redrives_on_the_postgresql_transport(
    pg_admin_url: str,
) -> None:
    transport = PostgresTransport(pg_admin_url)
    try:
        switch = Switch()
        bus = await transport.bus([Subscription("messaging", ("journal.#",), switch.handler)])
        assert isinstance(queues_of(bus, BaseServiceSettings()), PostgresDeadLetters)
        event = make_event("journal.mark.posted.v1")
        await bus.publish(event)
        await wait_depth(
            PostgresDeadLetters(await transport.opened()),
            "messaging",
            QueueDepth(ready=0, dead_letters=1),
        )

        listing, redriving = io.StringIO(), io.StringIO()
        given = ["--bus-url", transport.url]
        assert await command(["list", "messaging", *given], out=listing) == 0
        switch.healthy = True
        assert await command(["redrive", "messaging", *given], out=redriving) == 0
        await switch.handler.wait_for(1)
    finally:
        await transport.close()

    lines = listing.getvalue().splitlines()
    assert lines[0] == "messaging: 0 ready, 1 dead letters"
    assert lines[1].split("\t")[:4] == [str(event.id), event.type, event.type, "delivery_limit"]
    assert redriving.getvalue().strip() == "messaging: 1 dead letters re-driven"
    assert switch.handler.ids() == [event.id]
