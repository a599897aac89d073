"""A row the relay can never publish is parked after `park_after` failures: kept with its
last error, logged as an error, no longer claimed, and the rows behind it flow."""

import logging
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, insert, select, update

from shared.bus import Bus
from shared.db import Database
from shared.outbox import add_event, outbox
from shared.relay import OutboxRelay
from shared.testing_bus import InProcessTransport, ThingHappened

PARK_AFTER = 3


async def make_due(db: Database) -> None:
    """As if every backoff had passed."""
    async with db.transaction() as session:
        await session.execute(update(outbox).values(next_attempt_at=func.now()))


async def row(db: Database, event_id: uuid.UUID) -> Any:
    async with db.transaction() as session:
        return (await session.execute(select(outbox).where(outbox.c.id == event_id))).one()


@pytest.fixture
async def bus() -> AsyncIterator[Bus]:
    transport = InProcessTransport()
    transport.broker.declare("everything", ("#",))
    try:
        yield await transport.bus()
    finally:
        await transport.close()


async def test_a_row_failing_park_after_times_is_parked_and_reported(
    db: Database, bus: Bus, caplog: pytest.LogCaptureFixture
) -> None:
    broken = uuid.uuid4()
    async with db.transaction() as session:
        await session.execute(
            insert(outbox).values(
                id=broken, routing_key="test.broken.v1", envelope={"not": "a cloudevent"}
            )
        )
    relay = OutboxRelay(db, bus, park_after=PARK_AFTER)

    with caplog.at_level(logging.WARNING, logger="shared.relay"):
        for _ in range(PARK_AFTER):
            await relay.publish_pending()
            await make_due(db)
    parked = await row(db, broken)
    async with db.transaction() as session:
        good = await add_event(
            session, ThingHappened(thing_id=uuid.uuid4(), school_id=uuid.uuid4())
        )
    after_parking = await relay.publish_pending()

    assert parked.parked_at is not None and parked.published_at is None
    assert parked.attempts == PARK_AFTER
    assert parked.last_error.startswith("ValidationError")
    assert after_parking == 1  # the good row; the parked one is not claimed again
    assert (await row(db, good)).published_at is not None
    assert (await row(db, broken)).attempts == PARK_AFTER
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert [r.getMessage() for r in errors] == ["outbox row parked after repeated failures"]
    assert errors[0].__dict__["event_id"] == str(broken)


async def test_a_row_failing_fewer_times_is_retried_not_parked(db: Database, bus: Bus) -> None:
    broken = uuid.uuid4()
    async with db.transaction() as session:
        await session.execute(
            insert(outbox).values(id=broken, routing_key="test.broken.v1", envelope={})
        )
    relay = OutboxRelay(db, bus, park_after=PARK_AFTER)

    for _ in range(PARK_AFTER - 1):
        await relay.publish_pending()
        await make_due(db)

    still = await row(db, broken)
    assert still.parked_at is None and still.attempts == PARK_AFTER - 1
