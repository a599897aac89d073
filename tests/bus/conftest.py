"""Fixtures for the bus, outbox, relay and inbox tests.

Every bus behaviour is tested on every transport through `transport`: the in-process one,
the PostgreSQL one (a broker database of each test's own) and a real RabbitMQ
(TEST_AMQP_URL, default the development machine's broker). RabbitMQ tests skip with a
plain reason when the broker is unreachable, and fail instead when REQUIRE_RABBITMQ=1
(CI). A run gets its own vhost when a broker admin is available, and each test uses its
own exchange and queue names, deleted afterwards.
"""

from collections.abc import AsyncIterator, Awaitable, Callable

import asyncpg
import pytest
from sqlalchemy import text

from shared.db import Database
from shared.migrations import OUTBOX_AND_INBOX_DDL
from shared.testing import create_database, drop_database, unique_name, with_database
from shared.testing_bus import (
    InProcessTransport,
    PostgresTransport,
    RabbitTransport,
    Transport,
)


@pytest.fixture
async def rabbit(rabbit_url: str) -> AsyncIterator[RabbitTransport]:
    """The RabbitMQ transport alone, for RabbitMQ-specific tests."""
    transport = RabbitTransport(rabbit_url)
    try:
        yield transport
    finally:
        await transport.close()


@pytest.fixture
async def postgres_transport(pg_admin_url: str) -> AsyncIterator[PostgresTransport]:
    """The PostgreSQL transport alone, for its own durability tests."""
    transport = PostgresTransport(pg_admin_url)
    try:
        yield transport
    finally:
        await transport.close()


@pytest.fixture(
    params=["inprocess", "postgres", pytest.param("rabbitmq", marks=pytest.mark.rabbitmq)]
)
def transport_server(request: pytest.FixtureRequest) -> tuple[str, str | None]:
    """Which transport, and the URL of its server: none for the in-process one, the
    PostgreSQL admin URL, or the RabbitMQ URL (which skips when unreachable)."""
    if request.param == "postgres":
        return "postgres", request.getfixturevalue("pg_admin_url")
    if request.param == "rabbitmq":
        return "rabbitmq", request.getfixturevalue("rabbit_url")
    return "inprocess", None


@pytest.fixture
async def transport(transport_server: tuple[str, str | None]) -> AsyncIterator[Transport]:
    """Each test using it runs on every transport: in-process, PostgreSQL and RabbitMQ."""
    kind, url = transport_server
    chosen: Transport
    if url is None:
        chosen = InProcessTransport()
    elif kind == "postgres":
        chosen = PostgresTransport(url)
    else:
        chosen = RabbitTransport(url)
    try:
        yield chosen
    finally:
        await chosen.close()


# --- a database with the outbox and the inbox -----------------------------------------------


@pytest.fixture(scope="session")
async def messaging_db(pg_admin_url: str) -> AsyncIterator[Database]:
    """A fresh database with the outbox, the inbox and a table of test effects."""
    name = unique_name("test_bus")
    await create_database(pg_admin_url, name)
    connection = await asyncpg.connect(with_database(pg_admin_url, name, driver=""))
    try:
        for statement in OUTBOX_AND_INBOX_DDL:
            await connection.execute(statement)
        await connection.execute(
            "CREATE TABLE effect (event_id uuid NOT NULL, thing_id uuid NOT NULL, "
            "note text NOT NULL)"
        )
    finally:
        await connection.close()
    db = Database(with_database(pg_admin_url, name), pool_size=5)
    try:
        yield db
    finally:
        await db.dispose()
        await drop_database(pg_admin_url, name)


@pytest.fixture
async def db(messaging_db: Database) -> Database:
    """The messaging database, emptied. Relays need real, committed, concurrent
    transactions, so these tests do not run inside one rolled-back transaction."""
    async with messaging_db.transaction() as session:
        await session.execute(text("TRUNCATE outbox, inbox, effect"))
    return messaging_db


@pytest.fixture
async def replica_db(messaging_db: Database) -> AsyncIterator[Callable[[], Awaitable[Database]]]:
    """Factory: another engine on the same database (another replica of a service)."""
    made: list[Database] = []

    async def make() -> Database:
        other = Database(messaging_db.url, pool_size=5)
        made.append(other)
        return other

    yield make
    for other in made:
        await other.dispose()
