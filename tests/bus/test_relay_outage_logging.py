"""While its database is away the relay logs the outage once, with the traceback, then a
count at most every `outage_log_interval` seconds, and one line when it works again:
not a traceback on every poll."""

import json
import logging
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from shared.bus import Subscription
from shared.db import Database
from shared.logging import JsonFormatter
from shared.migrations import OUTBOX_AND_INBOX_DDL
from shared.outbox import add_event
from shared.relay import OutboxRelay
from shared.testing import create_database, drop_database, unique_name, with_database
from shared.testing_bus import Collector, InProcessTransport, ThingHappened, wait_for

POLL = 0.02
SUMMARY_EVERY = 0.3


class Outage:
    """A database of this test's own that can be taken away and given back: connections
    refused and the open ones ended, as a database restart does to its clients."""

    def __init__(self, admin: asyncpg.Connection, name: str) -> None:
        self.admin = admin
        self.name = name

    async def begin(self) -> None:
        await self.admin.execute(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS false')
        await self.admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
            self.name,
        )

    async def end(self) -> None:
        await self.admin.execute(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS true')


@pytest.fixture
async def own_db(pg_admin_url: str) -> AsyncIterator[tuple[Database, Outage]]:
    name = unique_name("test_relay_outage")
    await create_database(pg_admin_url, name)
    admin = await asyncpg.connect(pg_admin_url)
    outage = Outage(admin, name)
    try:
        connection = await asyncpg.connect(with_database(pg_admin_url, name, driver=""))
        try:
            for statement in OUTBOX_AND_INBOX_DDL:
                await connection.execute(statement)
        finally:
            await connection.close()
        db = Database(with_database(pg_admin_url, name), pool_size=2)
        try:
            yield db, outage
        finally:
            await db.dispose()
    finally:
        await outage.end()
        await admin.close()
        await drop_database(pg_admin_url, name)


def relay_lines(caplog: pytest.LogCaptureFixture, start: str) -> list[logging.LogRecord]:
    return [
        r for r in caplog.records if r.name == "shared.relay" and r.getMessage().startswith(start)
    ]


async def test_an_outage_is_logged_once_then_counted_until_the_relay_works_again(
    own_db: tuple[Database, Outage], caplog: pytest.LogCaptureFixture
) -> None:
    db, outage = own_db
    transport = InProcessTransport()
    received = Collector()
    bus = await transport.bus([Subscription("things", (ThingHappened.routing_key,), received)])
    relay = OutboxRelay(db, bus, poll_interval=POLL, outage_log_interval=SUMMARY_EVERY)
    caplog.set_level(logging.INFO, logger="shared.relay")
    await relay.start()
    try:
        await relay.wait_idle()
        await outage.begin()

        async def summarised_twice() -> bool:
            return len(relay_lines(caplog, "relay pass failed again")) >= 2

        await wait_for(summarised_twice)
        await outage.end()

        async def recovered() -> bool:
            return bool(relay_lines(caplog, "relay working again"))

        await wait_for(recovered)
        async with db.transaction() as session:
            event_id = await add_event(session, ThingHappened(thing_id=uuid.uuid4()))
        await received.wait_for(1)
    finally:
        await relay.stop()
        await transport.close()

    failures = relay_lines(caplog, "relay pass failed")
    first, summaries = failures[0], failures[1:]
    [back] = relay_lines(caplog, "relay working again")
    counts = [r.__dict__["count"] for r in summaries]
    assert first.getMessage() == "relay pass failed" and first.exc_info is not None
    assert all(r.exc_info is None for r in summaries)  # one traceback for the outage
    assert all(r.getMessage() == "relay pass failed again" for r in summaries)
    assert counts == sorted(counts) and counts[0] > 2  # several polls per line
    assert all(r.__dict__["error_type"] for r in summaries)
    gaps = [b.created - a.created for a, b in zip(failures, summaries, strict=False)]
    assert all(gap >= SUMMARY_EVERY * 0.9 for gap in gaps)
    assert back.__dict__["count"] >= counts[-1]
    line = json.loads(JsonFormatter().format(summaries[0]))  # as it leaves the process
    assert line["count"] == counts[0] and line["error_type"] and "traceback" not in line
    assert received.ids() == [event_id]
