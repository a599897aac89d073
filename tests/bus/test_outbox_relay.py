"""The outbox and its relay (shared.outbox, shared.relay)."""

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import func, insert, select, text, update

from shared.bus import Bus, Subscription
from shared.db import Database
from shared.events import CloudEvent
from shared.outbox import add_event, outbox
from shared.relay import OutboxRelay
from shared.testing_bus import GUARD, Collector, ThingHappened, Transport, wait_for


class RecordingBus:
    """A bus that records what it was asked to publish; optionally not ready, or held
    at a gate until the test lets the broker 'confirm'."""

    def __init__(self, inner: Bus | None = None) -> None:
        self.inner = inner
        self.published: list[CloudEvent] = []
        self.bodies: list[bytes] = []
        self.readiness_checks = 0
        self.ready = True
        self.gate: asyncio.Event | None = None
        self.publishing = asyncio.Event()

    async def start(self, subscriptions: Sequence[Subscription] = ()) -> None:
        return None

    async def declare(self, bindings: Mapping[str, Sequence[str]]) -> None:
        if self.inner is not None:
            await self.inner.declare(bindings)

    async def publish(self, event: CloudEvent) -> None:
        await self.publish_raw(
            event.type, event.to_json(), message_id=str(event.id), time=event.time
        )

    async def publish_raw(
        self, routing_key: str, body: bytes, *, message_id: str, time: datetime
    ) -> None:
        self.publishing.set()
        await asyncio.sleep(0)  # let a concurrent relay interleave
        if self.gate is not None:
            await self.gate.wait()
        if self.inner is not None:
            await self.inner.publish_raw(routing_key, body, message_id=message_id, time=time)
        self.bodies.append(body)
        self.published.append(CloudEvent.from_json(body))

    async def is_ready(self) -> bool:
        self.readiness_checks += 1
        return self.ready

    async def close(self) -> None:
        return None


def thing(note: str = "") -> ThingHappened:
    return ThingHappened(thing_id=uuid.uuid4(), school_id=uuid.uuid4(), note=note)


async def stage(db: Database, *events: ThingHappened) -> list[uuid.UUID]:
    """Commit events through the outbox, as a service's use case does."""
    async with db.transaction() as session:
        return [await add_event(session, event) for event in events]


async def outbox_row(db: Database, event_id: uuid.UUID) -> Any:
    async with db.transaction() as session:
        return (
            await session.execute(
                select(outbox, (outbox.c.next_attempt_at > func.now()).label("backing_off")).where(
                    outbox.c.id == event_id
                )
            )
        ).one()


async def unpublished_count(db: Database) -> int:
    async with db.transaction() as session:
        count = await session.scalar(
            select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
        )
    return int(count or 0)


async def test_a_committed_event_is_published_once_and_then_marked_published(
    db: Database, transport: Transport
) -> None:
    received = Collector()
    bus = await transport.bus(
        [Subscription(transport.queue("journal"), (ThingHappened.routing_key,), received)]
    )
    ids = await stage(db, thing("a"), thing("b"), thing("c"))
    relay = OutboxRelay(db, bus)

    assert await relay.publish_pending() == 3
    assert await relay.publish_pending() == 0
    await received.wait_for(3)

    assert sorted(received.ids()) == sorted(ids)
    for event_id in ids:
        row = await outbox_row(db, event_id)
        assert row.published_at is not None and row.attempts == 0 and row.last_error is None


async def test_a_rolled_back_transaction_leaves_nothing_to_publish(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction() as session:
            await add_event(session, thing())
            raise RuntimeError("the use case failed after staging its event")

    assert await unpublished_count(db) == 0


async def test_a_row_is_marked_published_only_after_the_broker_confirmed_it(
    db: Database,
) -> None:
    bus = RecordingBus()
    bus.gate = asyncio.Event()
    [event_id] = await stage(db, thing())
    relay = OutboxRelay(db, bus)

    passing = asyncio.create_task(relay.publish_pending())
    async with asyncio.timeout(GUARD):
        await bus.publishing.wait()
    while_unconfirmed = await outbox_row(db, event_id)
    bus.gate.set()
    published = await passing

    assert while_unconfirmed.published_at is None
    assert published == 1
    assert (await outbox_row(db, event_id)).published_at is not None


async def test_an_unroutable_event_stays_unpublished_with_backoff_until_a_queue_is_bound(
    db: Database, transport: Transport
) -> None:
    bus = await transport.bus()  # nobody subscribes to the event yet
    [event_id] = await stage(db, thing())
    relay = OutboxRelay(db, bus)

    assert await relay.publish_pending() == 0
    after_failure = await outbox_row(db, event_id)
    assert await relay.publish_pending() == 0  # not due again before its backoff ends
    received = Collector()
    await transport.bus(
        [Subscription(transport.queue("late"), (ThingHappened.routing_key,), received)]
    )
    async with db.transaction() as session:  # as if the backoff had passed
        await session.execute(update(outbox).values(next_attempt_at=func.now()))
    assert await relay.publish_pending() == 1
    await received.wait_for(1)

    assert after_failure.published_at is None
    assert after_failure.attempts == 1
    assert after_failure.backing_off
    assert "unroutable" in after_failure.last_error
    assert (await outbox_row(db, event_id)).attempts == 1  # the early pass did not retry
    assert received.ids() == [event_id]
    published = await outbox_row(db, event_id)
    assert published.published_at is not None and published.last_error is None


async def test_a_row_with_a_broken_envelope_does_not_hold_up_the_others(db: Database) -> None:
    broken = uuid.uuid4()
    async with db.transaction() as session:
        await session.execute(
            insert(outbox).values(
                id=broken, routing_key="test.broken.v1", envelope={"not": "a cloudevent"}
            )
        )
    [good] = await stage(db, thing())
    bus = RecordingBus()

    assert await OutboxRelay(db, bus).publish_pending() == 1

    assert [e.id for e in bus.published] == [good]
    row = await outbox_row(db, broken)
    assert row.published_at is None and row.attempts == 1
    assert row.last_error.startswith("InvalidEnvelope: not a CloudEvent")


async def test_two_relays_on_one_outbox_never_publish_a_row_twice(
    db: Database, replica_db: Callable[[], Awaitable[Database]]
) -> None:
    ids = await stage(db, *(thing(str(i)) for i in range(300)))
    bus = RecordingBus()
    relays = [
        OutboxRelay(db, bus, batch_size=20),
        OutboxRelay(await replica_db(), bus, batch_size=20),
    ]

    async def drain(relay: OutboxRelay) -> int:
        total = 0
        while published := await relay.publish_pending():
            total += published
        return total

    totals = await asyncio.gather(*(drain(relay) for relay in relays))

    published_ids = [e.id for e in bus.published]
    assert len(published_ids) == len(set(published_ids)) == 300
    assert set(published_ids) == set(ids)
    assert sum(totals) == 300
    assert await unpublished_count(db) == 0


async def test_the_running_relay_is_woken_by_notify_without_polling(
    db: Database, transport: Transport
) -> None:
    received = Collector()
    bus = await transport.bus(
        [Subscription(transport.queue("notified"), (ThingHappened.routing_key,), received)]
    )
    relay = OutboxRelay(db, bus, poll_interval=3600)  # polling would never come in time
    await relay.start()
    try:
        await relay.wait_idle()
        assert relay.listening
        [event_id] = await stage(db, thing())
        await received.wait_for(1)
    finally:
        await relay.stop()

    assert received.ids() == [event_id]


async def test_the_relay_listens_again_after_its_database_connection_is_lost(
    db: Database,
) -> None:
    bus = RecordingBus()
    relay = OutboxRelay(db, bus, poll_interval=3600)
    await relay.start()
    try:
        await relay.wait_idle()
        [old_listener] = await listener_pids(db)
        async with db.transaction() as session:  # what a database restart does to it
            await session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": old_listener})

        async def listening_again() -> bool:
            pids = await listener_pids(db)
            return bool(pids) and old_listener not in pids

        await wait_for(listening_again)
        [event_id] = await stage(db, thing())

        async def delivered() -> bool:
            return any(e.id == event_id for e in bus.published)

        await wait_for(delivered)
    finally:
        await relay.stop()


async def listener_pids(db: Database) -> list[int]:
    async with db.transaction() as session:
        rows = await session.execute(
            text(
                "SELECT pid FROM pg_stat_activity "
                "WHERE datname = current_database() AND query LIKE 'LISTEN%'"
            )
        )
        return [row.pid for row in rows]


async def test_the_relay_does_not_spend_attempts_while_the_bus_is_not_ready(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    bus = RecordingBus()
    bus.ready = False  # the broker is down
    [event_id] = await stage(db, thing())
    relay = OutboxRelay(db, bus, poll_interval=0.01)
    caplog.set_level(logging.INFO, logger="shared.relay")
    await relay.start()
    try:

        async def several_passes() -> bool:
            return bus.readiness_checks >= 5

        await wait_for(several_passes)
        while_down = await outbox_row(db, event_id)
        bus.ready = True
        relay.wake()

        async def delivered() -> bool:
            return [e.id for e in bus.published] == [event_id]

        await wait_for(delivered)
    finally:
        await relay.stop()

    assert while_down.published_at is None and while_down.attempts == 0
    lines = [r.getMessage() for r in caplog.records if r.name == "shared.relay"]
    assert lines == ["bus not ready, relay waiting", "bus ready again, relay publishing"]
