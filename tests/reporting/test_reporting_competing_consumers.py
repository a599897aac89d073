"""Scale-out: two reporting consumers taking batches off one queue at once, the events
shuffled and partly delivered twice (a redelivery may reach the other consumer), end with
exactly the projections one consumer makes of the events in order."""

import asyncio
import random
from collections.abc import AsyncIterator

import pytest
from report_world import world
from reporting_school import School
from sqlalchemy import text
from test_reporting_rebuild import projection_tables, with_corrections

from reporting.consumers import subscriptions
from reporting.main import MIGRATIONS
from shared.db import Database
from shared.events import CloudEvent, Event
from shared.migrations import upgrade
from shared.testing import create_database, drop_database, unique_name, with_database


@pytest.fixture
async def fresh_url(pg_admin_url: str) -> AsyncIterator[str]:
    """A migrated reporting database of this test's own, committed to for real."""
    name = unique_name("test_reporting_competing")
    await create_database(pg_admin_url, name)
    url = with_database(pg_admin_url, name)
    try:
        await upgrade(MIGRATIONS, url)
        yield url
    finally:
        await drop_database(pg_admin_url, name)


def envelopes(events: list[Event]) -> list[CloudEvent]:
    return [CloudEvent.from_json(e.to_cloudevent().to_json()) for e in events]


@pytest.mark.parametrize("seed", [11, 12])
async def test_two_consumers_at_once_give_the_projections_of_one(
    db: Database, fresh_url: str, seed: int
) -> None:
    school = School(db, None)  # type: ignore[arg-type]
    events = with_corrections(world(school))
    # One consumer, the events in order: what the projections must hold.
    await school.deliver_batch(events)  # type: ignore[arg-type]
    expected = await projection_tables(db, school.id)

    rng = random.Random(seed)
    feed = envelopes(events)
    feed += rng.sample(feed, len(feed) // 2)  # redeliveries
    rng.shuffle(feed)
    batches: asyncio.Queue[list[CloudEvent]] = asyncio.Queue()
    while feed:
        size = rng.randint(1, 8)
        batches.put_nowait(feed[:size])
        feed = feed[size:]

    databases = [Database(fresh_url), Database(fresh_url)]
    try:
        handlers = [subscriptions(d)[0].handler for d in databases]
        applied = [0, 0]

        async def consume(n: int) -> None:
            while not batches.empty():
                batch = batches.get_nowait()
                await handlers[n](batch)
                applied[n] += 1
                await asyncio.sleep(0)  # let the other consumer take the next batch

        await asyncio.gather(consume(0), consume(1))
        assert all(applied), applied  # both took part
        assert await projection_tables(databases[0], school.id) == expected
        async with databases[0].transaction() as session:
            logged = await session.scalar(
                text("SELECT count(*) FROM event_log WHERE school_id = :s"), {"s": school.id}
            )
        assert logged == len(events)
    finally:
        for d in databases:
            await d.dispose()
