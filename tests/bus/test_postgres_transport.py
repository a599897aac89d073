"""What the PostgreSQL transport adds to the bus contract: messages and dead letters are
rows, so they outlive the process; and the operations' view of a queue (shared.bus.postgres).
"""

import asyncio
import signal
import subprocess
import sys
import uuid
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from shared.bus import PublishError, Subscription
from shared.bus.postgres import PostgresBus
from shared.db import Database
from shared.events import CloudEvent
from shared.inbox import idempotent_handler
from shared.testing_bus import (
    DELIVERY_LIMIT,
    GUARD,
    Collector,
    PostgresTransport,
    ThingHappened,
    make_event,
    wait_for,
)

CRASHING_CONSUMER = Path(__file__).with_name("crashing_consumer.py")


async def record_effect(session: AsyncSession, event: ThingHappened) -> None:
    """The consumer's effect: one row per application of the event."""
    await session.execute(
        text("INSERT INTO effect (event_id, thing_id, note) VALUES (:e, :t, :n)"),
        {"e": event.event_id, "t": event.thing_id, "n": event.note},
    )


async def effects(db: Database) -> list[uuid.UUID]:
    async with db.transaction() as session:
        rows = await session.execute(text("SELECT event_id FROM effect ORDER BY event_id"))
        return list(rows.scalars())


async def wait_drained(bus: PostgresBus, queue: str) -> None:
    async def drained() -> bool:
        return (await bus.backlog(queue)).messages == 0

    await wait_for(drained, pause=0.02)


async def test_published_messages_survive_closing_and_reopening_the_broker(
    postgres_transport: PostgresTransport,
) -> None:
    queue = postgres_transport.queue("messaging")
    publisher = await postgres_transport.bus()
    await publisher.declare({queue: ["test.#"]})
    events = [make_event(note=f"mark {i}") for i in range(5)]
    for event in events:
        await publisher.publish(event)

    await postgres_transport.reopen()  # the process stopped and started again
    received = Collector()
    await postgres_transport.bus([Subscription(queue, ("test.#",), received)])
    await received.wait_for(len(events))

    assert sorted(received.ids()) == sorted(e.id for e in events)


async def test_a_consumer_killed_between_its_commit_and_the_acknowledgement_gets_the_batch_again_and_the_inbox_absorbs_it(  # noqa: E501 - the name is the specification
    postgres_transport: PostgresTransport, db: Database
) -> None:
    queue = postgres_transport.queue("reporting")
    bus = await postgres_transport.bus()
    await bus.declare({queue: ["test.#"]})
    events = [make_event(note=f"mark {i}") for i in range(3)]
    for event in events:
        await bus.publish(event)

    crashed = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, str(CRASHING_CONSUMER), postgres_transport.url, db.url, queue],
        capture_output=True,
        timeout=GUARD,
    )
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr.decode()[-2000:]
    applied_before_the_crash = await effects(db)
    assert applied_before_the_crash == sorted(e.id for e in events)
    assert (await bus.backlog(queue)).messages == len(events), "none was acknowledged"

    redelivered: list[uuid.UUID] = []
    apply = idempotent_handler(db, "reporting", {ThingHappened: record_effect})

    async def survivor(batch: Sequence[CloudEvent]) -> None:
        redelivered.extend(event.id for event in batch)
        await apply(batch)

    await postgres_transport.bus([Subscription(queue, ("test.#",), survivor)])
    await wait_drained(bus, queue)

    assert sorted(redelivered) == sorted(e.id for e in events)  # delivered again
    assert await effects(db) == applied_before_the_crash  # and applied once in all


async def test_dead_letters_are_kept_listed_and_re_driven_into_their_queue(
    postgres_transport: PostgresTransport,
) -> None:
    queue = postgres_transport.queue("messaging")
    healthy = False
    handler = Collector(fail=lambda _event, _attempt: not healthy)
    bus = await postgres_transport.bus([Subscription(queue, ("test.#",), handler)])
    poison = make_event(note="a notice nobody can write")

    await bus.publish(poison)
    await postgres_transport.wait_dead_letters(queue, 1)
    bus = PostgresBus(await postgres_transport.reopen())  # kept across a restart
    [dead] = await bus.dead_letters(queue)

    assert dead.queue == queue
    assert dead.routing_key == poison.type
    assert dead.event() == poison
    assert dead.deliveries == DELIVERY_LIMIT
    assert dead.reason == "delivery_limit"
    assert await bus.dead_letter_count(queue) == 1

    healthy = True  # the bug is fixed: re-drive
    fixed = Collector()
    await bus.start([Subscription(queue, ("test.#",), fixed)])
    assert await bus.redrive_dead_letters(queue) == 1
    await fixed.wait_for(1)

    assert fixed.ids() == [poison.id]
    assert await bus.dead_letters(queue) == []
    await bus.close()


async def test_re_driving_chosen_dead_letters_leaves_the_others(
    postgres_transport: PostgresTransport,
) -> None:
    queue = postgres_transport.queue("reporting")
    await postgres_transport.bus(
        [Subscription(queue, ("test.#",), Collector(fail=lambda _e, _a: True))]
    )
    first, second = make_event(note="first"), make_event(note="second")
    await postgres_transport.publish_raw(first.type, first.to_json())
    await postgres_transport.publish_raw(second.type, second.to_json())
    await postgres_transport.wait_dead_letters(queue, 2)
    broker = await postgres_transport.reopen()  # no consumer now: re-driven ones wait
    bus = PostgresBus(broker)
    chosen = [d.id for d in await bus.dead_letters(queue) if d.event().id == second.id]

    assert await bus.redrive_dead_letters(queue, chosen) == 1

    assert [d.event().id for d in await bus.dead_letters(queue)] == [first.id]
    assert (await bus.backlog(queue)).messages == 1


async def test_the_backlog_counts_unacknowledged_messages_and_the_oldest_ones_age(
    postgres_transport: PostgresTransport,
) -> None:
    queue = postgres_transport.queue("archive")
    bus = await postgres_transport.bus()
    await bus.declare({queue: ["test.#"]})

    empty = await bus.backlog(queue)
    for _ in range(3):
        await bus.publish(make_event())
    waiting = await bus.backlog(queue)
    received = Collector()
    await bus.start([Subscription(queue, ("test.#",), received)])
    await received.wait_for(3)
    await wait_drained(bus, queue)

    assert (empty.messages, empty.oldest_age) == (0, None)
    assert waiting.messages == 3
    assert waiting.oldest_age is not None and waiting.oldest_age >= 0
    assert queue in await bus.queues()


async def test_consumers_of_one_queue_in_two_processes_share_it_each_message_once(
    postgres_transport: PostgresTransport,
) -> None:
    queue = postgres_transport.queue("reporting")
    here, there = Collector(pause=0.01), Collector(pause=0.01)
    bus = await postgres_transport.bus([Subscription(queue, ("test.#",), here)])
    other_process = postgres_transport.make_broker()
    await other_process.open()
    try:
        await PostgresBus(other_process).start([Subscription(queue, ("test.#",), there)])
        events = [make_event() for _ in range(60)]

        await asyncio.gather(*(bus.publish(event) for event in events))

        async def all_handled() -> bool:
            return len(here.events) + len(there.events) >= len(events)

        await wait_for(all_handled)
        await wait_drained(bus, queue)
    finally:
        await other_process.close()

    assert sorted(here.ids() + there.ids()) == sorted(e.id for e in events)
    assert here.events and there.events


async def test_publishes_at_once_commit_together_each_reaching_its_queues_or_failing_alone(
    postgres_transport: PostgresTransport,
) -> None:
    marks, everything = postgres_transport.queue("marks"), postgres_transport.queue("log")
    bus = await postgres_transport.bus()
    await bus.declare({marks: ["journal.mark.*.v1"], everything: ["journal.#"]})
    posted = [make_event("journal.mark.posted.v1") for _ in range(50)]
    other = make_event("journal.lesson.conducted.v1")
    unroutable = make_event("auth.nobody.listens.v1")

    outcomes = await asyncio.gather(
        *(bus.publish(event) for event in [*posted, unroutable, other]), return_exceptions=True
    )

    assert outcomes[:-2] == [None] * len(posted) and outcomes[-1] is None
    assert isinstance(outcomes[-2], PublishError)  # it alone fails, and wrote nothing
    assert (await bus.backlog(marks)).messages == len(posted)
    assert (await bus.backlog(everything)).messages == len(posted) + 1
