"""A row the relay can never publish is parked after `park_after` failures: kept with its
last error, logged as an error, no longer claimed, and the rows behind it flow; the
command `python -m shared.parked` lists and releases parked rows."""

import io
import logging
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, insert, select, update

from shared.bus import Bus
from shared.db import Database
from shared.outbox import add_event, outbox
from shared.parked import command
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
    assert parked.last_error.startswith("InvalidEnvelope: not a CloudEvent")
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


async def park(db: Database, *, error: str) -> uuid.UUID:
    row_id = uuid.uuid4()
    async with db.transaction() as session:
        await session.execute(
            insert(outbox).values(
                id=row_id,
                routing_key="test.broken.v1",
                envelope={"data": {"last_name": "Кузнецова"}},
                attempts=PARK_AFTER,
                last_error=error,
                parked_at=func.now(),
            )
        )
    return row_id


async def test_the_command_lists_parked_rows_and_releases_them_to_the_relay(
    db: Database, bus: Bus, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("THINGS_DATABASE_URL", db.url)
    first = await park(db, error="ValidationError: bad envelope from ivanov@example.org")
    second = await park(db, error="PublishError: unroutable: test.broken.v1")
    listing = io.StringIO()
    releasing = io.StringIO()

    assert await command(["list", "things"], out=listing) == 0
    assert await command(["release", "things", "--limit", "1"], out=releasing) == 0
    released = await row(db, first)

    lines = listing.getvalue().splitlines()
    assert [line.split("\t")[0] for line in lines] == [str(first), str(second)]
    assert "attempts=3" in lines[0] and "ValidationError: bad envelope from [email]" in lines[0]
    assert "Кузнецова" not in listing.getvalue()  # no envelope
    assert releasing.getvalue().strip() == "things: 1 parked rows released"
    assert released.parked_at is None and released.attempts == 0
    assert (await row(db, second)).parked_at is not None
    await OutboxRelay(db, bus, park_after=PARK_AFTER).publish_pending()
    assert (await row(db, first)).attempts == 1  # tried again (and failed again)
